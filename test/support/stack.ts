// The local stack of services (scripts/stack/lib.mjs) for the end-to-end tests: started on free
// ports with a topic prefix, keyspace and state directory of the test's own, and the `hanpyo`
// command run against it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { uniqueName } from './env.js';
import { freePort } from './net.js';

const run = promisify(execFile);

/** The repository's root directory. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HANPYO = join(ROOT, 'tools', 'hanpyo', 'bin', 'hanpyo.js');

/** What the tests use of scripts/stack/lib.mjs. */
export interface StackModule {
  startServices(names?: string[], options?: { timeoutMs?: number }): Promise<string[]>;
  stopServices(names?: string[]): Promise<string[]>;
}

export interface LocalStackOptions {
  /** Start of the state directory's name in the temporary directory. */
  readonly stateDirPrefix: string;
  /** Start of the Kafka topic prefix (the keyspace is this with `_`). */
  readonly namePrefix: string;
  /** The services to start; all of them (the observer too) by default. */
  readonly services?: string[];
  /** More environment for the services and the `hanpyo` command. */
  readonly env?: Record<string, string>;
  /** The `hanpyo` command's output buffer. */
  readonly maxBuffer?: number;
}

export interface LocalStack {
  readonly state: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stack: StackModule;
  /** Runs `hanpyo ARGS…` against this stack; rejects on a non-zero exit. */
  cli(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Stops the services it started and removes the state directory. */
  stop(): Promise<void>;
}

/**
 * Starts the services with the stack launcher on free ports (own topic prefix, keyspace and state
 * directory). The launcher reads process.env, so the environment is set there too.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const state = await mkdtemp(join(tmpdir(), options.stateDirPrefix));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HANPYO_STATE_DIR: state,
    HANPYO_LOCAL_JSON: join(state, 'local.json'),
    HANPYO_KAFKA_TOPIC_PREFIX: `${uniqueName(options.namePrefix)}.`,
    HANPYO_CASSANDRA_KEYSPACE: uniqueName(`${options.namePrefix}_`),
    HANPYO_REGISTRAR_PORT: String(await freePort()),
    HANPYO_EDGE_PORT: String(await freePort()),
    HANPYO_LEDGER_PORT: String(await freePort()),
    HANPYO_PERSISTER_PORT: String(await freePort()),
    HANPYO_OBSERVER_PORT: String(await freePort()),
    ...options.env,
  };
  Object.assign(process.env, env);
  const stack = (await import(join(ROOT, 'scripts', 'stack', 'lib.mjs'))) as StackModule;
  const maxBuffer = options.maxBuffer ?? 1 << 24;
  const stop = async () => {
    await stack.stopServices(options.services);
    await rm(state, { recursive: true, force: true });
  };
  try {
    await stack.startServices(options.services, { timeoutMs: 120_000 });
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    state,
    env,
    stack,
    cli: (...args: string[]) => run(process.execPath, [HANPYO, ...args], { env, maxBuffer }),
    stop,
  };
}
