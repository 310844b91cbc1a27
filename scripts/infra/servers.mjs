// What differs between Kafka and Cassandra: configuration files, java command line, one-time
// preparation, the log line that says "ready" and the protocol probe.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError } from './config.mjs';
import { probeCassandra, probeKafka } from './probe.mjs';

/** Replaces every {{NAME}} in a template; an unknown name is a bug in the template. */
export function render(template, values, source) {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, name) => {
    if (!(name in values)) throw new InfraError('CONFIG_INVALID', `${source}: unknown {{${name}}}`);
    return String(values[name]);
  });
}

/** The flags of an options file: one per line, '#' comments and blank lines skipped. */
export function readJvmOptions(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function renderFile(server, name, values) {
  const source = join(server.templateDir, name);
  mkdirSync(server.confDir, { recursive: true });
  const target = join(server.confDir, name);
  writeFileSync(target, render(readFileSync(source, 'utf8'), values, source));
  return target;
}

/** Runs a command to completion without blocking the event loop (the other server is starting). */
function run(command, args, cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, output }));
  });
}

function heapFlags(heap) {
  return [`-Xms${heap}`, `-Xmx${heap}`];
}

/** Flags common to both servers: the marker that lets `down` recognise its own process. */
function markerFlags(server) {
  return [`-Dhanpyo.infra.server=${server.name}`];
}

const kafka = {
  mainClass: 'kafka.Kafka',
  readyLine: /Kafka Server started|started \(kafka\.server\.KafkaRaftServer\)/,
  probe: (server) => probeKafka(server.port),

  /** Writes conf/, then formats the storage directory once (KRaft needs a cluster id on disk). */
  async prepare(config, server, log) {
    const properties = renderFile(server, 'server.properties', {
      PORT: server.ports.HANPYO_KAFKA_PORT,
      CONTROLLER_PORT: server.ports.HANPYO_KAFKA_CONTROLLER_PORT,
      DATA_DIR: server.dataDir,
    });
    const log4j = renderFile(server, 'log4j2.properties', {});
    if (existsSync(join(server.dataDir, 'meta.properties'))) return;
    // A Kafka Uuid: 16 random bytes, URL-safe base64 without padding; not starting with '-' so
    // that the command line does not read it as an option.
    let clusterId;
    do clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-'));
    log(`kafka: formatting ${server.dataDir} (KRaft cluster id ${clusterId})`);
    const r = await run(
      config.java,
      [
        '-Xmx256m',
        `-Dlog4j2.configurationFile=${log4j}`,
        '-cp',
        join(server.libDir, '*'),
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        clusterId,
        '--config',
        properties,
        '--ignore-formatted',
      ],
      server.home,
    );
    if (r.code !== 0)
      throw new InfraError(
        'START_FAILED',
        `kafka: formatting ${server.dataDir} failed (exit ${r.code}):\n` +
          `${r.output.trim().split('\n').slice(-20).join('\n')}`,
      );
  },

  javaArgs(server) {
    return [
      ...heapFlags(server.heap),
      ...readJvmOptions(join(server.templateDir, 'jvm.options')),
      ...markerFlags(server),
      `-Dkafka.logs.dir=${join(server.home, 'logs')}`,
      `-Dlog4j2.configurationFile=${join(server.confDir, 'log4j2.properties')}`,
      '-cp',
      join(server.libDir, '*'),
      'kafka.Kafka',
      join(server.confDir, 'server.properties'),
    ];
  },

  env: () => ({}),
};

const cassandra = {
  mainClass: 'org.apache.cassandra.service.CassandraDaemon',
  readyLine: /Starting listening for CQL clients/,
  probe: (server) => probeCassandra(server.port),

  prepare(config, server) {
    renderFile(server, 'cassandra.yaml', {
      PORT: server.ports.HANPYO_CASSANDRA_PORT,
      STORAGE_PORT: server.ports.HANPYO_CASSANDRA_STORAGE_PORT,
      DATA_DIR: server.dataDir,
    });
    renderFile(server, 'logback.xml', {});
    mkdirSync(join(server.home, 'triggers'), { recursive: true });
  },

  javaArgs(server) {
    // The jamm agent measures object sizes for memtable accounting, as bin/cassandra loads it.
    const jamm = readdirSync(server.libDir).find((f) => /^jamm-.*\.jar$/.test(f));
    if (jamm === undefined)
      throw new InfraError('START_FAILED', `cassandra: no jamm-*.jar in ${server.libDir}`);
    return [
      ...heapFlags(server.heap),
      ...readJvmOptions(join(server.templateDir, 'jvm.options')),
      ...markerFlags(server),
      `-javaagent:${join(server.libDir, jamm)}`,
      // Keep stdout/stderr open: bin/cassandra -f sets this; without it the daemon closes them.
      '-Dcassandra-foreground=yes',
      `-Dcassandra.config=file://${join(server.confDir, 'cassandra.yaml')}`,
      `-Dcassandra.storagedir=${server.dataDir}`,
      `-Dcassandra.logdir=${join(server.home, 'logs')}`,
      `-Dcassandra.triggers_dir=${join(server.home, 'triggers')}`,
      `-Dlogback.configurationFile=${join(server.confDir, 'logback.xml')}`,
      // JMX (nodetool) on loopback only, as cassandra-env.sh does when LOCAL_JMX=yes.
      `-Dcassandra.jmx.local.port=${server.ports.HANPYO_CASSANDRA_JMX_PORT}`,
      '-Dcom.sun.management.jmxremote.authenticate=false',
      '-cp',
      `${server.confDir}:${join(server.libDir, '*')}`,
      'org.apache.cassandra.service.CassandraDaemon',
    ];
  },

  // cassandra-env.sh: glibc's per-thread malloc arenas otherwise grow the resident size.
  env: () => ({ MALLOC_ARENA_MAX: '4' }),
};

/** The per-server behaviour, by server name. */
export const SERVER_KINDS = Object.freeze({ kafka, cassandra });

/** The major version of the configured java, or throws JAVA_MISSING. */
export function javaMajor(config) {
  const r = spawnSync(config.java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr ?? '');
  if (r.error || r.status !== 0 || !m)
    throw new InfraError(
      'JAVA_MISSING',
      `java ('${config.java}') does not run: ${r.error?.message ?? r.stderr?.trim()}. ` +
        'Install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME.',
    );
  const major = Number(m[1]) === 1 ? Number(m[2]) : Number(m[1]);
  if (major < 17)
    throw new InfraError(
      'JAVA_MISSING',
      `java ('${config.java}') is version ${major}; Kafka 4 and Cassandra 5 need 17. Set JAVA_HOME.`,
    );
  return major;
}
