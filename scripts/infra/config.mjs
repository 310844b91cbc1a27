// The local infrastructure's configuration: read once from the environment, validated, frozen.
// Nothing else in scripts/infra reads process.env (STYLE.md §4).
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The servers this project runs locally, in start order. */
export const SERVERS = Object.freeze(['kafka', 'cassandra']);

/** The loopback addresses of a local cluster's nodes 1..3 (the single node stays on 127.0.0.1). */
export const CLUSTER_HOSTS = Object.freeze(['127.0.0.2', '127.0.0.3', '127.0.0.4']);

/** Node counts `--nodes` accepts: one node (the default) or a three-node cluster. */
export const NODE_COUNTS = Object.freeze([1, 3]);

/** The Cassandra data centre of a local cluster (GossipingPropertyFileSnitch); racks are r1..r3. */
export const CLUSTER_DATACENTER = 'dc1';

/** Repository root (this file is scripts/infra/config.mjs). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A failure of the local infrastructure with a stable code; `message` is meant for a person and
 * names the file or variable to look at.
 */
export class InfraError extends Error {
  /**
   * @param {'CONFIG_INVALID' | 'JAVA_MISSING' | 'MAVEN_MISSING' | 'FETCH_FAILED' | 'PORT_IN_USE'
   *   | 'CONFIG_MISMATCH' | 'START_FAILED' | 'START_TIMEOUT' | 'STOP_FAILED' | 'LOCKED'
   *   | 'UNSAFE_PATH' | 'USAGE'} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'InfraError';
    this.code = code;
  }
}

function port(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InfraError('CONFIG_INVALID', `${name}=${raw} is not a TCP port (1-65535)`);
  return n;
}

function heap(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+[mMgG]$/.test(raw))
    throw new InfraError('CONFIG_INVALID', `${name}=${raw} is not a heap size such as 512m or 2g`);
  return raw.toLowerCase();
}

function seconds(env, name) {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new InfraError('CONFIG_INVALID', `${name}=${raw} is not a positive number of seconds`);
  return n * 1000;
}

function flag(env, name) {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new InfraError('CONFIG_INVALID', `${name}=${raw} is not true or false`);
}

/** SCRAM users to create when a secured Kafka's storage is formatted (names only: the passwords are generated). */
function kafkaUsers(env, secure) {
  const name = 'HANPYO_INFRA_KAFKA_USERS';
  const raw = env[name];
  if (raw === undefined || raw === '') return [];
  if (!secure) throw new InfraError('CONFIG_INVALID', `${name} needs HANPYO_INFRA_SECURE=true`);
  const users = raw.split(',').map((u) => u.trim());
  for (const u of users)
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(u) || u === 'admin')
      throw new InfraError(
        'CONFIG_INVALID',
        `${name}: '${u}' is not a user name (letters, digits, _ . -; not admin, which is the broker's own)`,
      );
  return [...new Set(users)].sort();
}

function dir(env, name, fallback) {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : resolve(raw);
}

function nodeCount(env, requested) {
  const raw = requested ?? env.HANPYO_INFRA_NODES;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!NODE_COUNTS.includes(n))
    throw new InfraError(
      'CONFIG_INVALID',
      `${requested === undefined ? 'HANPYO_INFRA_NODES' : '--nodes'}=${raw}: ` +
        `expected ${NODE_COUNTS.join(' or ')}`,
    );
  return n;
}

/**
 * Reads the HANPYO_* variables (defaults in docs/infrastructure.md) into a frozen configuration.
 * `nodes` (or HANPYO_INFRA_NODES) picks the layout: 1, the servers `kafka` and `cassandra` on
 * 127.0.0.1, or 3, the nodes `kafka-1..3` and `cassandra-1..3` on CLUSTER_HOSTS with the same
 * ports. Throws InfraError('CONFIG_INVALID') on a malformed value or two servers on one address
 * and port.
 */
export function loadConfig(env = process.env, { nodes: requestedNodes } = {}) {
  const nodes = nodeCount(env, requestedNodes);
  const infraDir = dir(env, 'HANPYO_INFRA_DIR', join(REPO_ROOT, '.infra'));
  // The jar cache can be another infra directory's, so a second pair of servers (the secured
  // ones of test/integration/secure.spec.ts) fetches nothing.
  const jarsDir = dir(env, 'HANPYO_INFRA_JARS_DIR', infraDir);
  const logsDir = join(infraDir, 'logs');
  const runDir = join(infraDir, 'run');
  const timeout = seconds(env, 'HANPYO_INFRA_START_TIMEOUT');
  const secure = flag(env, 'HANPYO_INFRA_SECURE');
  const securityDir = join(infraDir, 'security');
  const server = (name, fields) => {
    const home = join(infraDir, name);
    const host = fields.host ?? '127.0.0.1';
    // Where each port is bound: the node's own address, except Cassandra's JMX, which Cassandra
    // binds to 127.0.0.1 only (a cluster node gets a port of its own for it instead).
    const bindings = Object.entries(fields.ports).map(([variable, p]) =>
      Object.freeze({
        variable,
        host: variable === 'HANPYO_CASSANDRA_JMX_PORT' ? '127.0.0.1' : host,
        port: p,
      }),
    );
    // A cluster node (kafka-2) shares its kind's jars and templates.
    const kind = name.replace(/-\d+$/, '');
    return Object.freeze({
      name,
      kind,
      host,
      nodeId: 1,
      home,
      libDir: join(jarsDir, kind, 'lib'),
      confDir: join(home, 'conf'),
      templateDir: join(REPO_ROOT, 'infra', kind),
      pom: join(REPO_ROOT, 'infra', kind, 'pom.xml'),
      logFile: join(logsDir, `${name}.log`),
      pidFile: join(runDir, `${name}.pid`),
      stateFile: join(runDir, `${name}.json`),
      lockFile: join(runDir, `${name}.lock`),
      secure,
      securityDir,
      ...fields,
      ports: Object.freeze(fields.ports),
      bindings: Object.freeze(bindings),
    });
  };
  const kafka = server('kafka', {
    port: port(env, 'HANPYO_KAFKA_PORT', 9092),
    heap: heap(env, 'HANPYO_KAFKA_HEAP', '512m'),
    dataDir: dir(env, 'HANPYO_KAFKA_DATA_DIR', join(infraDir, 'data', 'kafka')),
    startTimeoutMs: timeout ?? 60_000,
    users: Object.freeze(kafkaUsers(env, secure)),
    ports: {
      HANPYO_KAFKA_PORT: port(env, 'HANPYO_KAFKA_PORT', 9092),
      HANPYO_KAFKA_CONTROLLER_PORT: port(env, 'HANPYO_KAFKA_CONTROLLER_PORT', 9093),
    },
  });
  const cassandra = server('cassandra', {
    port: port(env, 'HANPYO_CASSANDRA_PORT', 9042),
    heap: heap(env, 'HANPYO_CASSANDRA_HEAP', '1g'),
    dataDir: dir(env, 'HANPYO_CASSANDRA_DATA_DIR', join(infraDir, 'data', 'cassandra')),
    startTimeoutMs: timeout ?? 180_000,
    ports: {
      HANPYO_CASSANDRA_PORT: port(env, 'HANPYO_CASSANDRA_PORT', 9042),
      HANPYO_CASSANDRA_STORAGE_PORT: port(env, 'HANPYO_CASSANDRA_STORAGE_PORT', 7000),
      HANPYO_CASSANDRA_JMX_PORT: port(env, 'HANPYO_CASSANDRA_JMX_PORT', 7199),
    },
  });
  let servers = { kafka, cassandra };
  let cluster;
  if (nodes > 1) {
    if (secure)
      throw new InfraError(
        'CONFIG_INVALID',
        'HANPYO_INFRA_SECURE=true is for the single node; a local cluster (--nodes 3) is plaintext',
      );
    const hosts = CLUSTER_HOSTS.slice(0, nodes);
    const jmxBase = cassandra.ports.HANPYO_CASSANDRA_JMX_PORT;
    const node = (base, i, extra) =>
      server(`${base.name}-${i + 1}`, {
        host: hosts[i],
        nodeId: i + 1,
        port: base.port,
        heap: base.heap,
        dataDir: join(infraDir, 'data', `${base.name}-${i + 1}`),
        // Three times the work on the same cores: three times the single node's limit.
        startTimeoutMs: timeout ?? base.startTimeoutMs * 3,
        ...extra,
      });
    const kafkaNodes = hosts.map((_, i) =>
      node(kafka, i, { users: kafka.users, ports: { ...kafka.ports } }),
    );
    const cassandraNodes = hosts.map((_, i) =>
      node(cassandra, i, {
        rack: `r${i + 1}`,
        ports: {
          HANPYO_CASSANDRA_PORT: cassandra.ports.HANPYO_CASSANDRA_PORT,
          HANPYO_CASSANDRA_STORAGE_PORT: cassandra.ports.HANPYO_CASSANDRA_STORAGE_PORT,
          // 127.0.0.1 only (see bindings): 7201..7203 by default, beside the single node's 7199.
          HANPYO_CASSANDRA_JMX_PORT: jmxBase + 2 + i,
        },
      }),
    );
    cluster = Object.freeze({
      nodes,
      hosts: Object.freeze(hosts),
      datacenter: CLUSTER_DATACENTER,
      kafkaClusterIdFile: join(infraDir, 'run', 'kafka-cluster.id'),
      kafka: Object.freeze(kafkaNodes.map((n) => n.name)),
      cassandra: Object.freeze(cassandraNodes.map((n) => n.name)),
    });
    const withCluster = (n) => Object.freeze({ ...n, cluster });
    servers = Object.fromEntries(
      [...kafkaNodes, ...cassandraNodes].map((n) => [n.name, withCluster(n)]),
    );
  }
  const seen = new Map();
  for (const s of Object.values(servers))
    for (const b of s.bindings) {
      const key = `${b.host}:${b.port}`;
      const what = `${s.name} ${b.variable}`;
      if (seen.has(key))
        throw new InfraError('CONFIG_INVALID', `${what} and ${seen.get(key)} are both ${key}`);
      seen.set(key, what);
    }
  const javaHome = env.JAVA_HOME;
  return Object.freeze({
    root: REPO_ROOT,
    infraDir,
    jarsDir,
    secure,
    securityDir,
    logsDir,
    runDir,
    java: javaHome ? join(javaHome, 'bin', 'java') : 'java',
    maven: 'mvn',
    nodes,
    cluster,
    clusterFile: join(infraDir, 'cluster.json'),
    servers: Object.freeze(servers),
  });
}

/** A path as a person wants to read it: relative to the repository when inside it. */
export function displayPath(config, path) {
  const r = relative(config.root, path);
  return r.startsWith('..') ? path : r;
}

/**
 * Checks a list of server names from the command line or a caller; `undefined` means all. An empty
 * list means none: `down(started)` after an `up` that started nothing must stop nothing (it once
 * stopped every server that others were using).
 */
export function serverNames(names, config) {
  const all = config ? Object.keys(config.servers) : [...SERVERS];
  if (names === undefined) return all;
  const picked = new Set();
  for (const n of names) {
    if (all.includes(n)) picked.add(n);
    else if (SERVERS.includes(n) && all.some((a) => a.startsWith(`${n}-`))) {
      // A kind in a cluster: each of its nodes.
      for (const a of all) if (a.startsWith(`${n}-`)) picked.add(a);
    } else
      throw new InfraError(
        'USAGE',
        `unknown server '${n}' (expected ${[...new Set([...SERVERS, ...all])].join(', ')}` +
          `${config?.nodes > 1 || !/-\d+$/.test(n) ? '' : '; node names such as kafka-2 need --nodes 3'})`,
      );
  }
  return all.filter((s) => picked.has(s));
}
