// What the benchmarks that start services of their own share: an isolated stack (its own state
// dir, free ports, topic prefix and keyspace, set in process.env before the stack launcher and the
// configs read them) and the launcher itself (scripts/stack/lib.mjs).
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the benchmarks use of scripts/stack/lib.mjs. */
export interface StackModule {
  startServices(names?: string[], options?: { timeoutMs?: number }): Promise<string[]>;
  stopServices(names?: string[]): Promise<string[]>;
  runningPid(name: string): number | undefined;
}

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A TCP port free on loopback at the moment of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface BenchStack {
  /** Lowercase letters and digits: valid in a topic prefix, a keyspace and an election id. */
  readonly runId: string;
  readonly state: string;
  readonly prefix: string;
  readonly keyspace: string;
  readonly stack: StackModule;
}

/**
 * Points this process's environment at a stack of the benchmark's own (`bench_<name>_<runId>`
 * keyspace, `bench<runId>.` topics, a temporary state dir, a free port per service) and imports
 * the launcher, which reads that environment. The caller removes the state, topics and keyspace.
 */
export async function benchStack(name: string): Promise<BenchStack> {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const state = await mkdtemp(join(tmpdir(), `hanpyo-bench-${name}-`));
  const prefix = `bench${runId}.`;
  const keyspace = `bench_${name}_${runId}`;
  Object.assign(process.env, {
    HANPYO_STATE_DIR: state,
    HANPYO_LOCAL_JSON: join(state, 'local.json'),
    HANPYO_KAFKA_TOPIC_PREFIX: prefix,
    HANPYO_CASSANDRA_KEYSPACE: keyspace,
    HANPYO_REGISTRAR_PORT: String(await freePort()),
    HANPYO_EDGE_PORT: String(await freePort()),
    HANPYO_LEDGER_PORT: String(await freePort()),
    HANPYO_PERSISTER_PORT: String(await freePort()),
    HANPYO_OBSERVER_PORT: String(await freePort()),
  });
  const stack = (await import(join(ROOT, 'scripts', 'stack', 'lib.mjs'))) as StackModule;
  return { runId, state, prefix, keyspace, stack };
}
