// What differs between Kafka and Cassandra: configuration files, java command line, one-time
// preparation, the log line that says "ready" and the protocol probe.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InfraError } from './config.mjs';
import { probeCassandra, probeKafka } from './probe.mjs';
import { run } from './proc.mjs';
import { ensureSecurity } from './security.mjs';

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

/**
 * Renders template `name` into conf/, followed by the template `appendix` when given (a secured
 * pair's settings). A file that holds passwords is readable by its owner only. `source` names
 * another template to render into `name` (a cluster node's).
 */
function renderFile(server, name, values, appendix, source = name) {
  const text = (file) => {
    const path = join(server.templateDir, file);
    return render(readFileSync(path, 'utf8'), values, path);
  };
  mkdirSync(server.confDir, { recursive: true });
  const target = join(server.confDir, name);
  writeFileSync(target, text(source) + (appendix ? text(appendix) : ''), {
    mode: appendix ? 0o600 : 0o644,
  });
  return target;
}

/** TLS options of a secured server's probe: its CA, which names 127.0.0.1 too. */
function probeTls(server) {
  return server.secure ? { ca: readFileSync(join(server.securityDir, 'ca.pem')) } : undefined;
}

/** In a Kafka data directory formatted for a secured pair: the SCRAM users it was formatted with. */
const SECURE_MARKER = '.hanpyo-secure.json';

/**
 * Refuses a formatted Kafka data directory that does not fit the configuration: plaintext storage
 * for a secured broker (no SCRAM credentials in its metadata) or the reverse, or users that were not
 * created at format time. Resolves true when the directory is formatted and fits.
 */
function checkFormatted(server) {
  if (!existsSync(join(server.dataDir, 'meta.properties'))) return false;
  let marker;
  try {
    marker = JSON.parse(readFileSync(join(server.dataDir, SECURE_MARKER), 'utf8'));
  } catch {
    marker = undefined;
  }
  const fix = `npm run infra -- reset kafka, or another HANPYO_KAFKA_DATA_DIR`;
  if (server.secure !== (marker !== undefined))
    throw new InfraError(
      'CONFIG_MISMATCH',
      `kafka: ${server.dataDir} was formatted for a ${marker ? 'secured' : 'plaintext'} broker, ` +
        `and HANPYO_INFRA_SECURE is ${server.secure}; ${fix}`,
    );
  const missing = server.users.filter((u) => !marker?.users.includes(u));
  if (missing.length > 0)
    throw new InfraError(
      'CONFIG_MISMATCH',
      `kafka: SCRAM users are created when the storage is formatted, and ${missing.join(', ')} ` +
        `were not (HANPYO_INFRA_KAFKA_USERS); ${fix}`,
    );
  return true;
}

function heapFlags(heap) {
  return [`-Xms${heap}`, `-Xmx${heap}`];
}

/** Flags common to both servers: the marker that lets `down` recognise its own process. */
function markerFlags(server) {
  return [`-Dhanpyo.infra.server=${server.name}`];
}

/** A Kafka Uuid: 16 random bytes, URL-safe base64 without padding, not starting with '-'. */
function newKafkaClusterId() {
  // Not starting with '-', so that the command line does not read it as an option.
  let id;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  return id;
}

/** Runs the StorageTool's `format` of a node's data directory with the given cluster id. */
async function formatKafka(config, server, clusterId, properties, log4j, extra = []) {
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
      ...extra,
    ],
    server.home,
  );
  if (r.code !== 0)
    throw new InfraError(
      'START_FAILED',
      `${server.name}: formatting ${server.dataDir} failed (exit ${r.code}):\n` +
        `${r.output.trim().split('\n').slice(-20).join('\n')}`,
    );
}

/**
 * The KRaft cluster id every node of a local cluster is formatted with: made once, kept in
 * run/kafka-cluster.id. Written with O_EXCL, so nodes preparing at once agree on one id.
 */
export function kafkaClusterId(cluster) {
  try {
    return readFileSync(cluster.kafkaClusterIdFile, 'utf8').trim();
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(cluster.kafkaClusterIdFile), { recursive: true });
  try {
    writeFileSync(cluster.kafkaClusterIdFile, `${newKafkaClusterId()}\n`, { flag: 'wx' });
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
  return readFileSync(cluster.kafkaClusterIdFile, 'utf8').trim();
}

/** The values of a cluster node's server.properties (infra/kafka/server-cluster.properties). */
export function kafkaNodeProperties(server) {
  const controllerPort = server.ports.HANPYO_KAFKA_CONTROLLER_PORT;
  return {
    NODE_ID: server.nodeId,
    HOST: server.host,
    PORT: server.ports.HANPYO_KAFKA_PORT,
    CONTROLLER_PORT: controllerPort,
    QUORUM_VOTERS: server.cluster.hosts.map((h, i) => `${i + 1}@${h}:${controllerPort}`).join(','),
    DATA_DIR: server.dataDir,
    REPLICATION_FACTOR: Math.min(3, server.cluster.nodes),
    MIN_INSYNC_REPLICAS: Math.min(2, server.cluster.nodes),
  };
}

/** A cluster node: its own server.properties, formatted once with the cluster's shared id. */
async function prepareKafkaNode(config, server, log) {
  const properties = renderFile(
    server,
    'server.properties',
    kafkaNodeProperties(server),
    undefined,
    'server-cluster.properties',
  );
  const log4j = renderFile(server, 'log4j2.properties', {});
  const clusterId = kafkaClusterId(server.cluster);
  const meta = join(server.dataDir, 'meta.properties');
  if (existsSync(meta)) {
    const m = /^cluster\.id=(.*)$/m.exec(readFileSync(meta, 'utf8'));
    if (m?.[1] !== clusterId)
      throw new InfraError(
        'CONFIG_MISMATCH',
        `${server.name}: ${server.dataDir} belongs to KRaft cluster ${m?.[1]}, not ${clusterId} ` +
          `(${server.cluster.kafkaClusterIdFile}); npm run infra -- reset --nodes 3`,
      );
    return;
  }
  log(`${server.name}: formatting ${server.dataDir} (KRaft cluster id ${clusterId})`);
  await formatKafka(config, server, clusterId, properties, log4j);
}

const kafka = {
  mainClass: 'kafka.Kafka',
  readyLine: /Kafka Server started|started \(kafka\.server\.KafkaRaftServer\)/,
  probe: (server) => probeKafka(server.port, undefined, probeTls(server), server.host),

  /**
   * Writes conf/, then formats the storage directory once (KRaft needs a cluster id on disk). A
   * secured broker's SCRAM credentials (admin and HANPYO_INFRA_KAFKA_USERS) are written into the
   * metadata by the format: the broker needs its own before it can serve anyone.
   */
  async prepare(config, server, log) {
    if (server.cluster) return prepareKafkaNode(config, server, log);
    const security = server.secure ? await ensureSecurity(config, log) : undefined;
    const properties = renderFile(
      server,
      'server.properties',
      {
        PORT: server.ports.HANPYO_KAFKA_PORT,
        CONTROLLER_PORT: server.ports.HANPYO_KAFKA_CONTROLLER_PORT,
        DATA_DIR: server.dataDir,
        CLIENT_PROTOCOL: security ? 'SASL_SSL' : 'PLAINTEXT',
        CONTROLLER_PROTOCOL: security ? 'SASL_SSL' : 'PLAINTEXT',
        ...(security && {
          ADMIN_PASSWORD: security.kafka.admin.password,
          KEYSTORE: security.kafka.keystore,
          STORE_PASSWORD: security.storePassword,
          CA_FILE: security.caFile,
        }),
      },
      security && 'server-secure.properties',
    );
    const log4j = renderFile(server, 'log4j2.properties', {});
    if (checkFormatted(server)) return;
    // A Kafka Uuid: 16 random bytes, URL-safe base64 without padding; not starting with '-' so
    // that the command line does not read it as an option.
    const clusterId = newKafkaClusterId();
    log(`kafka: formatting ${server.dataDir} (KRaft cluster id ${clusterId})`);
    // The passwords are hex, which the --add-scram syntax takes as they are.
    const scram = security
      ? Object.entries({
          [security.kafka.admin.username]: security.kafka.admin.password,
          ...Object.fromEntries(server.users.map((u) => [u, security.kafka.users[u]])),
        }).flatMap(([name, password]) =>
          ['SCRAM-SHA-512', 'SCRAM-SHA-256'].flatMap((m) => [
            '--add-scram',
            `${m}=[name=${name},password=${password}]`,
          ]),
        )
      : [];
    await formatKafka(config, server, clusterId, properties, log4j, scram);
    if (security)
      writeFileSync(
        join(server.dataDir, SECURE_MARKER),
        `${JSON.stringify({ users: server.users })}\n`,
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

/** The values of a cluster node's cassandra.yaml and cassandra-rackdc.properties. */
export function cassandraNodeValues(server) {
  return {
    HOST: server.host,
    PORT: server.ports.HANPYO_CASSANDRA_PORT,
    STORAGE_PORT: server.ports.HANPYO_CASSANDRA_STORAGE_PORT,
    DATA_DIR: server.dataDir,
    // One seed, node 1 (started first).
    SEEDS: `${server.cluster.hosts[0]}:${server.ports.HANPYO_CASSANDRA_STORAGE_PORT}`,
    DATACENTER: server.cluster.datacenter,
    RACK: server.rack,
  };
}

/**
 * The JVM flags of infra/cassandra/jvm.options; a cluster node drops `unsafesystem` (with it a
 * table was lost after kill -9) and waits 15 s for ring information instead of 30 s. Not less:
 * the same delay bounds the shadow round, and with 3 s a joining node on a loaded machine (load
 * average 30) gave up with "Unable to gossip with any peers". It keeps skipping the gossip-settle
 * waits: measured, they cost three times 8 s per joining node, and the nodes join one at a time.
 */
export function cassandraJvmOptions(server) {
  const flags = readJvmOptions(join(server.templateDir, 'jvm.options'));
  if (!server.cluster) return flags;
  return [
    ...flags.filter((f) => !f.startsWith('-Dcassandra.unsafesystem')),
    '-Dcassandra.ring_delay_ms=15000',
    // A joining node waits for the others' schema, 30 s by default, and then gives up: on a busy
    // machine 30 s was not enough. It goes on as soon as the schemas agree.
    '-Dcassandra.schema_delay_ms=180000',
  ];
}

const cassandra = {
  mainClass: 'org.apache.cassandra.service.CassandraDaemon',
  readyLine: /Starting listening for CQL clients/,
  probe: (server) => probeCassandra(server.port, undefined, probeTls(server), server.host),

  async prepare(config, server, log) {
    if (server.cluster) {
      renderFile(
        server,
        'cassandra.yaml',
        cassandraNodeValues(server),
        undefined,
        'cassandra-cluster.yaml',
      );
      renderFile(server, 'cassandra-rackdc.properties', cassandraNodeValues(server));
      renderFile(server, 'logback.xml', {});
      mkdirSync(join(server.home, 'triggers'), { recursive: true });
      return;
    }
    const security = server.secure ? await ensureSecurity(config, log) : undefined;
    renderFile(
      server,
      'cassandra.yaml',
      {
        PORT: server.ports.HANPYO_CASSANDRA_PORT,
        STORAGE_PORT: server.ports.HANPYO_CASSANDRA_STORAGE_PORT,
        DATA_DIR: server.dataDir,
        ...(security && {
          KEYSTORE: security.cassandra.keystore,
          STORE_PASSWORD: security.storePassword,
        }),
      },
      security && 'cassandra-secure.yaml',
    );
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
      ...cassandraJvmOptions(server),
      ...markerFlags(server),
      `-javaagent:${join(server.libDir, jamm)}`,
      // Keep stdout/stderr open: bin/cassandra -f sets this; without it the daemon closes them.
      '-Dcassandra-foreground=yes',
      `-Dcassandra.config=file://${join(server.confDir, 'cassandra.yaml')}`,
      `-Dcassandra.storagedir=${server.dataDir}`,
      `-Dcassandra.logdir=${join(server.home, 'logs')}`,
      `-Dcassandra.triggers_dir=${join(server.home, 'triggers')}`,
      `-Dlogback.configurationFile=${join(server.confDir, 'logback.xml')}`,
      // A secured node creates its default superuser at once instead of after 10 s.
      ...(server.secure ? ['-Dcassandra.superuser_setup_delay_ms=0'] : []),
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
