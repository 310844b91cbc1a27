// The local infrastructure's configuration: read once from the environment, validated, frozen.
// Nothing else in scripts/infra reads process.env (STYLE.md §4).
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The servers this project runs locally, in start order. */
export const SERVERS = Object.freeze(['kafka', 'cassandra']);

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

/**
 * Reads the HANPYO_* variables (defaults in docs/infrastructure.md) into a frozen configuration.
 * Throws InfraError('CONFIG_INVALID') on a malformed value or two servers on one port.
 */
export function loadConfig(env = process.env) {
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
    return Object.freeze({
      name,
      home,
      libDir: join(jarsDir, name, 'lib'),
      confDir: join(home, 'conf'),
      templateDir: join(REPO_ROOT, 'infra', name),
      pom: join(REPO_ROOT, 'infra', name, 'pom.xml'),
      logFile: join(logsDir, `${name}.log`),
      pidFile: join(runDir, `${name}.pid`),
      stateFile: join(runDir, `${name}.json`),
      lockFile: join(runDir, `${name}.lock`),
      secure,
      securityDir,
      ...fields,
      ports: Object.freeze(fields.ports),
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
  const seen = new Map();
  for (const s of [kafka, cassandra])
    for (const [name, p] of Object.entries(s.ports)) {
      if (seen.has(p))
        throw new InfraError('CONFIG_INVALID', `${name} and ${seen.get(p)} are both ${p}`);
      seen.set(p, name);
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
    servers: Object.freeze({ kafka, cassandra }),
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
export function serverNames(names) {
  if (names === undefined) return [...SERVERS];
  for (const n of names)
    if (!SERVERS.includes(n))
      throw new InfraError('USAGE', `unknown server '${n}' (expected ${SERVERS.join(' or ')})`);
  return SERVERS.filter((s) => names.includes(s));
}
