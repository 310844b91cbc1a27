// Operator commands never stop what they did not start (issue 12, point 5), with real processes:
// a first `npm start -- --no-demo` brings up Kafka, Cassandra and the services; one service is
// killed -9; a second `npm start -- --no-demo` restarts just that one; stopping the second
// (SIGTERM, as Ctrl-C) must stop that one service and nothing else: Kafka, Cassandra and the
// first stack's other services keep running. Then stopping the first stops what it started,
// servers included (their record says it started them). Between the two, `npm stop` run for
// another state directory stops nothing and says what it leaves running.
//
// The test has an infra directory, ports, state directory, topic prefix and keyspace of its own
// (jars shared with the usual infra directory): the shared servers on 127.0.0.1:9092/9042 are
// never touched, whatever the launcher does.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { uniqueName } from '../support/env.js';
import { until } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const START = join(ROOT, 'scripts', 'start.mjs');
const STOP = join(ROOT, 'scripts', 'stop.mjs');
const run = promisify(execFile);
const SERVICES = ['registrar', 'persister', 'ledger', 'edge', 'observer'] as const;

/** What the test uses of scripts/infra/lib.mjs. */
interface InfraModule {
  loadConfig(env: NodeJS.ProcessEnv): unknown;
  down(names: string[] | undefined, options: object): Promise<{ stopped: string[] }>;
  status(
    names: string[] | undefined,
    options: object,
  ): Promise<Record<string, { state: string; pid?: number; startedBy?: { by: string } | null }>>;
}

/** A running `node scripts/start.mjs --no-demo`, its output collected. */
interface Launch {
  readonly child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
}

function launch(env: NodeJS.ProcessEnv): Launch {
  const child = spawn(process.execPath, [START, '--no-demo'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const l: Launch = {
    child,
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (d: Buffer) => (l.output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (l.output += d.toString()));
  return l;
}

async function serving(l: Launch, what: string): Promise<void> {
  let code: number | null | undefined;
  void l.exited.then((c) => (code = c));
  await until(
    `${what} serving`,
    () => {
      if (code !== undefined) throw new Error(`${what} exited (${code}):\n${l.output}`);
      return Promise.resolve(l.output.includes('Serving.'));
    },
    540_000,
  );
}

/** True when nothing holds 127.0.0.1:port now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

void describe('operator commands never stop what they did not start', () => {
  let infra: InfraModule;
  let infraConfig: unknown;
  let infraDir: string;
  let state: string;
  let env: NodeJS.ProcessEnv;
  const launches: Launch[] = [];
  const pidOf = (service: string): number | undefined => {
    const file = join(state, 'run', `${service}.pid`);
    return existsSync(file) ? Number(readFileSync(file, 'utf8')) : undefined;
  };

  before(async () => {
    infra = (await import(join(ROOT, 'scripts', 'infra', 'lib.mjs'))) as InfraModule;
    infraDir = mkdtempSync(join(tmpdir(), 'hanpyo-operator-infra-'));
    state = mkdtempSync(join(tmpdir(), 'hanpyo-operator-state-'));
    // Below the ephemeral range (32768+), where a port found free can be taken a moment later by
    // any outgoing connection: a broker once failed to bind one so.
    const ports: number[] = [];
    while (ports.length < 10) {
      const p = 20_000 + Math.floor(Math.random() * 10_000);
      if (!ports.includes(p) && (await isFree(p))) ports.push(p);
    }
    const [kafka, controller, cql, storage, jmx, registrar, edge, ledger, persister, observer] =
      ports.map(String) as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
    env = {
      ...process.env,
      HANPYO_INFRA_DIR: infraDir,
      HANPYO_INFRA_JARS_DIR:
        process.env.HANPYO_INFRA_JARS_DIR ?? process.env.HANPYO_INFRA_DIR ?? join(ROOT, '.infra'),
      HANPYO_KAFKA_PORT: kafka,
      HANPYO_KAFKA_CONTROLLER_PORT: controller,
      HANPYO_CASSANDRA_PORT: cql,
      HANPYO_CASSANDRA_STORAGE_PORT: storage,
      HANPYO_CASSANDRA_JMX_PORT: jmx,
      HANPYO_KAFKA_HEAP: '256m',
      // A cold start on a busy 2-core machine took 181 s for Cassandra: room to spare.
      HANPYO_INFRA_START_TIMEOUT: process.env.HANPYO_INFRA_START_TIMEOUT ?? '420',
      HANPYO_CASSANDRA_HEAP: '512m',
      // The test runner points these at the shared servers; this test's are its own.
      HANPYO_KAFKA_BROKERS: `127.0.0.1:${kafka}`,
      HANPYO_CASSANDRA_CONTACT_POINTS: `127.0.0.1:${cql}`,
      HANPYO_STATE_DIR: state,
      HANPYO_LOCAL_JSON: join(state, 'local.json'),
      HANPYO_KAFKA_TOPIC_PREFIX: `${uniqueName('op')}.`,
      HANPYO_CASSANDRA_KEYSPACE: uniqueName('op_'),
      HANPYO_REGISTRAR_PORT: registrar,
      HANPYO_EDGE_PORT: edge,
      HANPYO_LEDGER_PORT: ledger,
      HANPYO_PERSISTER_PORT: persister,
      HANPYO_OBSERVER_PORT: observer,
    };
    infraConfig = infra.loadConfig(env);
  });

  after(async () => {
    for (const l of launches) if (l.child.exitCode === null) l.child.kill('SIGKILL');
    for (const s of SERVICES) {
      const pid = pidOf(s);
      if (alive(pid)) process.kill(pid!, 'SIGKILL');
    }
    if (infra !== undefined)
      await infra.down(undefined, { config: infraConfig, log: () => undefined });
    rmSync(state, { recursive: true, force: true });
    rmSync(infraDir, { recursive: true, force: true });
  });

  void it('a second npm start, stopped, stops only the service it restarted', async () => {
    const quiet = { config: infraConfig, log: () => undefined };
    const first = launch(env);
    launches.push(first);
    await serving(first, 'the first npm start');
    const servers = await infra.status(undefined, quiet);
    for (const name of ['kafka', 'cassandra']) {
      assert.equal(servers[name]?.state, 'running', name);
      assert.equal(servers[name]?.startedBy?.by, 'npm start', `${name}: startedBy recorded`);
    }
    const before = Object.fromEntries(SERVICES.map((s) => [s, pidOf(s)]));
    for (const s of SERVICES) assert.ok(alive(before[s]), `${s} runs`);

    // A crash: the ledger killed -9. A second npm start restarts just that one.
    process.kill(before.ledger!, 'SIGKILL');
    await until('the ledger gone', () => Promise.resolve(!alive(before.ledger)));
    const second = launch(env);
    launches.push(second);
    await serving(second, 'the second npm start');
    assert.match(second.output, /kafka: already running/);
    assert.match(second.output, /cassandra: already running/);
    const restarted = pidOf('ledger');
    assert.ok(alive(restarted) && restarted !== before.ledger, 'the ledger restarted');

    // Ctrl-C of the second.
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output);

    const after = await infra.status(undefined, quiet);
    assert.equal(after.kafka?.state, 'running', `Kafka still up:\n${second.output}`);
    assert.equal(after.cassandra?.state, 'running', `Cassandra still up:\n${second.output}`);
    assert.equal(after.kafka?.pid, servers.kafka?.pid);
    assert.equal(after.cassandra?.pid, servers.cassandra?.pid);
    for (const s of SERVICES.filter((n) => n !== 'ledger'))
      assert.ok(alive(before[s]), `${s} of the first stack still runs:\n${second.output}`);
    // SIGTERM, then SIGKILL after a grace period: gone within a few seconds of the exit.
    await until('the ledger the second one started stopped', () =>
      Promise.resolve(!alive(restarted)),
    ).catch(() => assert.fail(`the ledger the second one started still runs:\n${second.output}`));

    // npm stop of another state directory: none of this is its own, so it stops nothing.
    const other = mkdtempSync(join(tmpdir(), 'hanpyo-operator-other-'));
    try {
      const stop = await run(process.execPath, [STOP], {
        cwd: ROOT,
        env: { ...env, HANPYO_STATE_DIR: other, HANPYO_LOCAL_JSON: join(other, 'local.json') },
      });
      assert.match(stop.stdout, /left running: kafka \(started by npm start/);
      assert.match(stop.stdout, /left running: cassandra \(started by npm start/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    const kept = await infra.status(undefined, quiet);
    assert.equal(kept.kafka?.state, 'running', 'npm stop of another state directory');
    assert.equal(kept.cassandra?.state, 'running', 'npm stop of another state directory');
    for (const s of SERVICES.filter((n) => n !== 'ledger'))
      assert.ok(alive(before[s]), `${s} survives npm stop of another state directory`);

    // Ctrl-C of the first: it stops its services and the servers it started.
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output);
    const end = await infra.status(undefined, quiet);
    assert.equal(end.kafka?.state, 'stopped', first.output);
    assert.equal(end.cassandra?.state, 'stopped', first.output);
    for (const s of SERVICES) assert.ok(!alive(before[s]), `${s} stopped by the first`);
  });
});
