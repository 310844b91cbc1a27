// The local stack of services (registrar, persister, ledger, edge, observer): deployment keys generated once
// into .hanpyo/keys.json, each service started as its own Node process with its environment, its
// log in .hanpyo/logs/<service>.log and its pid in .hanpyo/run/<service>.pid, readiness awaited on
// /health/ready, and .hanpyo/local.json written for the `hanpyo` command and newcomers.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterServiceEnv } from '../infra/lib.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STATE_DIR = process.env.HANPYO_STATE_DIR ?? join(ROOT, '.hanpyo');

/** The services in start order, with their default ports. */
export const SERVICES = Object.freeze([
  { name: 'registrar', port: 8082, portVar: 'HANPYO_REGISTRAR_PORT' },
  { name: 'persister', port: 8083, portVar: 'HANPYO_PERSISTER_PORT' },
  { name: 'ledger', port: 8081, portVar: 'HANPYO_LEDGER_PORT' },
  { name: 'edge', port: 8080, portVar: 'HANPYO_EDGE_PORT' },
  { name: 'observer', port: 8084, portVar: 'HANPYO_OBSERVER_PORT' },
]);

const log = (msg) => process.stdout.write(`[stack] ${msg}\n`);

/** Deployment secrets of the local stack: made once, kept in .hanpyo/keys.json (mode 0600). */
export function localKeys() {
  const file = join(STATE_DIR, 'keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  mkdirSync(STATE_DIR, { recursive: true });
  const hex = () => randomBytes(32).toString('hex');
  const keys = {
    adminToken: randomBytes(24).toString('base64url'),
    registrarSeed: hex(),
    nullifierSecret: hex(),
    edgeSeed: hex(),
    ledgerSeed: hex(),
    observerSeed: hex(),
  };
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

/**
 * The registrar's role-scoped credentials (docs/security.md, "Access control"): one key per role,
 * made once and kept in .hanpyo/registrar-keys.json (mode 0600, for the local CLI through
 * local.json), and the credentials file the registrar reads, .hanpyo/registrar-credentials.json,
 * which holds only each key's SHA-256.
 */
export function localRegistrarCredentials() {
  const keysFile = join(STATE_DIR, 'registrar-keys.json');
  const file = join(STATE_DIR, 'registrar-credentials.json');
  const roles = ['operator', 'issuer', 'tally', 'observer'];
  let keys = existsSync(keysFile) ? JSON.parse(readFileSync(keysFile, 'utf8')) : undefined;
  if (!keys) {
    mkdirSync(STATE_DIR, { recursive: true });
    keys = Object.fromEntries(roles.map((r) => [r, randomBytes(24).toString('base64url')]));
    writeFileSync(keysFile, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  }
  const credentials = roles.map((role) => ({
    id: `local-${role}`,
    roles: [role],
    sha256: createHash('sha256').update(keys[role]).digest('hex'),
  }));
  writeFileSync(file, `${JSON.stringify({ credentials }, null, 2)}\n`, { mode: 0o600 });
  return { file, keys };
}

async function publicKey(seedHex) {
  const crypto = await import(join(ROOT, 'libs', 'crypto', 'dist', 'index.js'));
  return crypto.base64url(crypto.signingKeyFromSeed('k', crypto.fromHex(seedHex, 32)).publicKey);
}

/**
 * Every service's environment, from the parent's environment and the local keys. With a local
 * cluster recorded in the infra directory (cluster.json) and no servers named in the environment
 * (HANPYO_KAFKA_BROKERS, HANPYO_CASSANDRA_CONTACT_POINTS: a test's own), every service gets the
 * cluster's addresses and durability (RF 3, min.insync.replicas 2, dc1=3, LOCAL_QUORUM); a
 * variable set in the environment still wins.
 */
export async function serviceEnvironments(env = process.env) {
  const keys = localKeys();
  const cluster =
    env.HANPYO_KAFKA_BROKERS || env.HANPYO_CASSANDRA_CONTACT_POINTS
      ? {}
      : clusterServiceEnv({ env });
  const common = {
    ...cluster,
    ...env,
    HANPYO_KAFKA_BROKERS:
      env.HANPYO_KAFKA_BROKERS ??
      cluster.HANPYO_KAFKA_BROKERS ??
      `127.0.0.1:${env.HANPYO_KAFKA_PORT ?? 9092}`,
    HANPYO_CASSANDRA_CONTACT_POINTS:
      env.HANPYO_CASSANDRA_CONTACT_POINTS ??
      cluster.HANPYO_CASSANDRA_CONTACT_POINTS ??
      `127.0.0.1:${env.HANPYO_CASSANDRA_PORT ?? 9042}`,
    // One machine, one clock: shorter waits than production's defaults. The ledger derives its
    // final-cut grace from these (write timeout + cache TTL + skew = 7 s), so every service must
    // see the same values.
    HANPYO_EDGE_WRITE_TIMEOUT_MS: env.HANPYO_EDGE_WRITE_TIMEOUT_MS ?? '5000',
    HANPYO_EDGE_CATALOG_TTL_MS: env.HANPYO_EDGE_CATALOG_TTL_MS ?? '1000',
    HANPYO_CLOCK_SKEW_MS: env.HANPYO_CLOCK_SKEW_MS ?? '1000',
  };
  const signer = async (keyId, seed) =>
    JSON.stringify([{ keyId, publicKey: await publicKey(seed) }]);
  return {
    registrar: {
      ...common,
      HANPYO_REGISTRAR_ADMIN_TOKEN: keys.adminToken,
      HANPYO_REGISTRAR_CREDENTIALS_FILE:
        env.HANPYO_REGISTRAR_CREDENTIALS_FILE ?? localRegistrarCredentials().file,
      HANPYO_REGISTRAR_KEY_SEED: keys.registrarSeed,
      HANPYO_REGISTRAR_NULLIFIER_SECRET: keys.nullifierSecret,
      HANPYO_EDGE_SIGNERS: await signer('edge-1', keys.edgeSeed),
      HANPYO_LEDGER_SIGNERS: await signer('ledger-1', keys.ledgerSeed),
      HANPYO_WITNESSES: await signer('observer-1', keys.observerSeed),
      // Small partitions locally, so a demo of a few thousand voters spans several of them.
      HANPYO_VOTERS_PER_PARTITION: env.HANPYO_VOTERS_PER_PARTITION ?? '500',
    },
    persister: { ...common },
    ledger: { ...common, HANPYO_LEDGER_KEY_SEED: keys.ledgerSeed },
    edge: { ...common, HANPYO_EDGE_KEY_SEED: keys.edgeSeed },
    observer: {
      ...common,
      HANPYO_OBSERVER_KEY_SEED: keys.observerSeed,
      HANPYO_OBSERVER_KEY_ID: 'observer-1',
      HANPYO_OBSERVER_STATE_DIR: env.HANPYO_OBSERVER_STATE_DIR ?? join(STATE_DIR, 'observer'),
      HANPYO_OBSERVER_REGISTRAR_URL: `http://127.0.0.1:${env.HANPYO_REGISTRAR_PORT ?? 8082}`,
      HANPYO_OBSERVER_LEDGER_URL: `http://127.0.0.1:${env.HANPYO_LEDGER_PORT ?? 8081}`,
    },
  };
}

function portOf(service, env) {
  return Number(env[service.portVar] ?? service.port);
}

function pidFile(name) {
  return join(STATE_DIR, 'run', `${name}.pid`);
}

/** The pid of our running service, if its pid file names a live process of ours. */
export function runningPid(name) {
  const file = pidFile(name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8'));
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes(join('services', name, 'dist', 'main.js'))) return pid;
  } catch {
    // no such process
  }
  rmSync(file, { force: true });
  return undefined;
}

function portInUse(port) {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

async function waitReady(service, port, pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      throw new Error(
        `${service} exited during start-up; see ${join(STATE_DIR, 'logs', `${service}.log`)}:\n${tail(service)}`,
      );
    }
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health/ready`);
      last = await r.text();
      if (r.ok) return;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${service} not ready after ${timeoutMs / 1000} s (${last}); see ${join(STATE_DIR, 'logs', `${service}.log`)}:\n${tail(service)}`,
  );
}

function tail(service, n = 15) {
  try {
    return readFileSync(join(STATE_DIR, 'logs', `${service}.log`), 'utf8')
      .trim()
      .split('\n')
      .slice(-n)
      .map((l) => `  ${l.slice(0, 300)}`)
      .join('\n');
  } catch {
    return '  (no log)';
  }
}

/**
 * Starts the services that are not running (all by default), waits until each is ready, writes
 * .hanpyo/local.json. Resolves with the names it started.
 */
export async function startServices(
  names = SERVICES.map((s) => s.name),
  { timeoutMs = 90_000 } = {},
) {
  const envs = await serviceEnvironments();
  mkdirSync(join(STATE_DIR, 'logs'), { recursive: true });
  mkdirSync(join(STATE_DIR, 'run'), { recursive: true });
  const started = [];
  for (const service of SERVICES.filter((s) => names.includes(s.name))) {
    const env = envs[service.name];
    const port = portOf(service, env);
    if (runningPid(service.name) !== undefined) {
      log(`${service.name}: already running (pid ${runningPid(service.name)}), port ${port}`);
      continue;
    }
    if (await portInUse(port)) {
      throw new Error(
        `port ${port} is in use by another process (not started by hanpyo); set ${service.portVar}`,
      );
    }
    const main = join(ROOT, 'services', service.name, 'dist', 'main.js');
    if (!existsSync(main))
      throw new Error(`${service.name} is not built (${main}); run npm run build`);
    const out = openSync(join(STATE_DIR, 'logs', `${service.name}.log`), 'a');
    // Extra Node options for every service started here, for profiling (docs/performance.md,
    // "Profiling a service"): e.g. --cpu-prof, which NODE_OPTIONS does not accept.
    const nodeArgs = (process.env.HANPYO_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, main], {
      env,
      detached: true,
      stdio: ['ignore', out, out],
      cwd: ROOT,
    });
    closeSync(out);
    child.unref();
    writeFileSync(pidFile(service.name), String(child.pid));
    log(`${service.name}: starting (pid ${child.pid}) on 127.0.0.1:${port}…`);
    await waitReady(service.name, port, child.pid, timeoutMs);
    log(`${service.name}: ready`);
    started.push(service.name);
  }
  writeLocal(envs);
  return started;
}

function writeLocal(envs) {
  const url = (name) =>
    `http://127.0.0.1:${portOf(
      SERVICES.find((s) => s.name === name),
      envs[name],
    )}`;
  const file = join(STATE_DIR, 'local.json');
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const local = {
    ...previous,
    registrar: {
      url: url('registrar'),
      adminToken: envs.registrar.HANPYO_REGISTRAR_ADMIN_TOKEN,
      credentials: localRegistrarCredentials().keys,
    },
    edge: { url: url('edge') },
    ledger: { url: url('ledger') },
    observer: { url: url('observer') },
  };
  writeFileSync(file, `${JSON.stringify(local, null, 2)}\n`, { mode: 0o600 });
}

/** Records the demo election in local.json. */
export function recordDemoElection(electionId) {
  const file = join(STATE_DIR, 'local.json');
  const local = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, `${JSON.stringify({ ...local, demoElectionId: electionId }, null, 2)}\n`, {
    mode: 0o600,
  });
}

/** Stops our services (SIGTERM, then SIGKILL after `graceMs`), in reverse start order. */
export async function stopServices(names = SERVICES.map((s) => s.name), { graceMs = 20_000 } = {}) {
  const stopped = [];
  for (const service of [...SERVICES].reverse().filter((s) => names.includes(s.name))) {
    const pid = runningPid(service.name);
    if (pid === undefined) continue;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && runningPid(service.name) !== undefined)
      await new Promise((r) => setTimeout(r, 100));
    if (runningPid(service.name) !== undefined) process.kill(pid, 'SIGKILL');
    rmSync(pidFile(service.name), { force: true });
    log(`${service.name}: stopped`);
    stopped.push(service.name);
  }
  return stopped;
}
