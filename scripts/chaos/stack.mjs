// The chaos campaign's own stack: every service started by scripts/stack/lib.mjs (as `npm start`
// does), but in a state directory, on free ports, with a Kafka topic prefix and a Cassandra
// keyspace of its own, so it disturbs no other stack or test on the same servers. It can kill a
// service (SIGKILL) and restart it, run a second ledger, and reach the servers' nodes through
// scripts/infra/lib.mjs when they are a three-node cluster.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosError } from './scenarios.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolvePort(port));
    });
  });
}

const unique = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** Whether `pid` is a live process. */
export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone (at most `ms`); true when it is. */
export async function waitExit(pid, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await sleep(50);
  }
  return !alive(pid);
}

/**
 * Brings the chaos stack up. With `nodes: 3` the servers are the three-node cluster of
 * scripts/infra (its service environment: every broker and contact point, RF 3, LOCAL_QUORUM).
 * Sets process.env for the stack launcher and the `hanpyo` functions run in this process.
 * @param {{ nodes: number, log: (line: string) => void, keep?: boolean }} options
 */
export async function startChaosStack({ nodes, log, keep = false }) {
  const infra = await import(pathToFileURL(join(ROOT, 'scripts', 'infra', 'lib.mjs')).href);
  let startedNodes = [];
  if (nodes === 3) {
    if (typeof infra.clusterServiceEnv !== 'function' || typeof infra.signalNode !== 'function')
      throw new ChaosError(
        'CHAOS_NEEDS_CLUSTER',
        'scripts/infra/lib.mjs has no three-node cluster API (clusterServiceEnv, signalNode): --nodes 3 cannot run here',
      );
    // A cluster of the campaign's own (its own infra directory, the jars of the shared one), so
    // its cluster.json never redirects another stack started from the default directory.
    process.env.HANPYO_INFRA_JARS_DIR ??= join(ROOT, '.infra');
    process.env.HANPYO_INFRA_DIR ??= join(ROOT, '.hanpyo', 'chaos-cluster');
    const t = performance.now();
    // A node that fails to start on a busy machine (Cassandra's 30 s schema check) is tried
    // once more; what this run started is stopped again when that fails too.
    let r;
    try {
      r = await infra.up(['kafka', 'cassandra'], { nodes: 3 });
    } catch (e) {
      startedNodes = e.started ?? [];
      log(`chaos cluster: ${e.message.split('\n')[0]}; trying once more`);
      try {
        r = await infra.up(['kafka', 'cassandra'], { nodes: 3 });
      } catch (again) {
        const started = [...startedNodes, ...(again.started ?? [])];
        if (started.length > 0) await infra.down(started, { nodes: 3 }).catch(() => undefined);
        throw again;
      }
    }
    startedNodes = [...startedNodes, ...r.started];
    log(
      `chaos cluster: ${startedNodes.length} nodes started, ${r.alreadyRunning.length} already running, in ${((performance.now() - t) / 1000).toFixed(1)} s (${process.env.HANPYO_INFRA_DIR})`,
    );
    Object.assign(process.env, infra.clusterServiceEnv());
  }
  const state = mkdtempSync(join(tmpdir(), 'hanpyo-chaos-'));
  const name = `chaos${unique()}`;
  const ports = {};
  for (const v of ['REGISTRAR', 'EDGE', 'LEDGER', 'PERSISTER', 'OBSERVER'])
    ports[`HANPYO_${v}_PORT`] = String(await freePort());
  Object.assign(process.env, {
    HANPYO_STATE_DIR: state,
    HANPYO_LOCAL_JSON: join(state, 'local.json'),
    HANPYO_KAFKA_TOPIC_PREFIX: `${name}.`,
    HANPYO_CASSANDRA_KEYSPACE: name,
    ...ports,
    // Short enough for a campaign of minutes: a dead persister's partitions are handed over
    // after 6 s (the broker's minimum), a stopped ledger's lease expires after 4 s.
    HANPYO_PERSISTER_SESSION_TIMEOUT_MS: process.env.HANPYO_PERSISTER_SESSION_TIMEOUT_MS ?? '6000',
    HANPYO_LEDGER_LEASE_TTL_SECONDS: process.env.HANPYO_LEDGER_LEASE_TTL_SECONDS ?? '4',
  });
  // The launcher reads HANPYO_STATE_DIR when it is loaded: import it only now.
  const lib = await import(pathToFileURL(join(ROOT, 'scripts', 'stack', 'lib.mjs')).href);
  log(`chaos stack: state ${state}, topics ${name}.*, keyspace ${name}`);
  const t0 = performance.now();
  try {
    await lib.startServices(undefined, { timeoutMs: 120_000 });
  } catch (e) {
    // Services are detached processes: never leave the ones that did start behind.
    await lib.stopServices().catch(() => undefined);
    if (startedNodes.length > 0)
      await infra.down(startedNodes, { nodes: 3 }).catch(() => undefined);
    if (!keep) rmSync(state, { recursive: true, force: true });
    throw e;
  }
  log(`chaos stack: every service ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const extra = new Map();

  const stack = {
    state,
    nodes,
    infra,
    local: () => JSON.parse(readFileSync(join(state, 'local.json'), 'utf8')),
    url: (service) => `http://127.0.0.1:${process.env[`HANPYO_${service.toUpperCase()}_PORT`]}`,
    pid: (service) => lib.runningPid(service),
    /** SIGKILL of a service; resolves with the instant (ms epoch) once it is gone. */
    async kill(service, signal = 'SIGKILL') {
      const pid = lib.runningPid(service);
      if (pid === undefined) throw new ChaosError('CHAOS_STACK', `${service} is not running`);
      process.kill(pid, signal);
      const at = Date.now();
      await waitExit(pid);
      return at;
    },
    /** Starts a service again (with `env` added for this start only); resolves when it is ready. */
    async restart(service, env = {}) {
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      try {
        await lib.startServices([service], { timeoutMs: 120_000 });
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
      return Date.now();
    },
    /** A graceful stop (SIGTERM) of one service. */
    stop: (service) => lib.stopServices([service]),
    /** A second ledger replica on its own port, same keys and stores; resolves with its url and pid. */
    async startSecondLedger() {
      const envs = await lib.serviceEnvironments();
      const port = await freePort();
      const out = openSync(join(state, 'logs', 'ledger-2.log'), 'a');
      const child = spawn(process.execPath, [join(ROOT, 'services', 'ledger', 'dist', 'main.js')], {
        env: { ...envs.ledger, HANPYO_LEDGER_PORT: String(port) },
        detached: true,
        stdio: ['ignore', out, out],
        cwd: ROOT,
      });
      closeSync(out);
      child.unref();
      const url = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (!alive(child.pid)) throw new ChaosError('CHAOS_STACK', 'the second ledger exited');
        const ok = await fetch(`${url}/health/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) {
          extra.set('ledger-2', child.pid);
          return { url, pid: child.pid };
        }
        await sleep(250);
      }
      throw new ChaosError('CHAOS_STACK', 'the second ledger was not ready after 60 s');
    },
    async stopSecondLedger() {
      const pid = extra.get('ledger-2');
      if (pid === undefined) return;
      if (alive(pid)) {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGTERM');
        if (!(await waitExit(pid, 20_000))) process.kill(pid, 'SIGKILL');
      }
      extra.delete('ledger-2');
    },
    /** Stops every service this stack started and removes its state (unless `keep`). */
    async stopAll() {
      await stack.stopSecondLedger();
      for (const service of ['registrar', 'persister', 'ledger', 'edge', 'observer']) {
        const pid = lib.runningPid(service);
        if (pid !== undefined) process.kill(pid, 'SIGCONT');
      }
      await lib.stopServices();
      // Only the nodes this run started: a cluster that was already up stays up.
      if (startedNodes.length > 0) await infra.down(startedNodes, { nodes: 3 });
      if (!keep) rmSync(state, { recursive: true, force: true });
    },
  };
  return stack;
}
