// A Kafka broker of the test's own, for tests that stop the broker under load: scripts/infra
// (`infra.mjs up kafka`, the same KRaft launch as the shared broker's) on free ports, in a
// temporary infra directory that shares the jar cache of the usual one, so the shared broker on
// 127.0.0.1:9092 is never touched. The broker can be frozen (SIGSTOP/SIGCONT, by its recorded
// pid), stopped (SIGTERM, as `infra down`) and started again on the same data; `remove()` stops it
// and deletes the directory.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './net.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const INFRA = join(ROOT, 'scripts', 'infra.mjs');

export class OwnBroker {
  private frozen = false;

  private constructor(
    /** The temporary infra directory (data, logs, pid). */
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
    /** `host:port` for HANPYO_KAFKA_BROKERS. */
    readonly brokers: string,
    private readonly onSignal: (signal: NodeJS.Signals) => void,
  ) {}

  /** Starts a single-node KRaft broker on free ports; resolves once it answers. */
  static async start(): Promise<OwnBroker> {
    const dir = mkdtempSync(join(tmpdir(), 'hanpyo-own-broker-'));
    const port = await freePort();
    let controller = await freePort();
    while (controller === port) controller = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HANPYO_INFRA_DIR: dir,
      HANPYO_INFRA_JARS_DIR:
        process.env.HANPYO_INFRA_JARS_DIR ?? process.env.HANPYO_INFRA_DIR ?? join(ROOT, '.infra'),
      HANPYO_INFRA_NODES: '1',
      HANPYO_INFRA_SECURE: 'false',
      HANPYO_KAFKA_PORT: String(port),
      HANPYO_KAFKA_CONTROLLER_PORT: String(controller),
      HANPYO_KAFKA_DATA_DIR: join(dir, 'data', 'kafka'),
      // Smaller than the shared broker's: one election's board, beside the shared servers.
      HANPYO_KAFKA_HEAP: '256m',
      // A restart under load on a busy 2-core machine can take well over the default 60 s.
      HANPYO_INFRA_START_TIMEOUT: '240',
    };
    // The broker is detached: a test run stopped with Ctrl-C stops it first.
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      try {
        const pid = pidIn(dir);
        if (pid !== undefined) process.kill(pid, 'SIGCONT');
        execFileSync(process.execPath, [INFRA, 'down', 'kafka'], {
          env,
          stdio: 'ignore',
          timeout: 60_000,
        });
        rmSync(dir, { recursive: true, force: true });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const broker = new OwnBroker(dir, env, `127.0.0.1:${port}`, onSignal);
    try {
      await broker.up();
    } catch (e) {
      await broker.down().catch(() => undefined);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return broker;
  }

  /** The broker's process id, from the infra directory's pid file. */
  get pid(): number {
    const pid = pidIn(this.dir);
    if (pid === undefined) throw new Error(`no broker pid in ${this.dir}`);
    return pid;
  }

  /** Starts the broker (again, on the same data); resolves once it answers. */
  async up(): Promise<void> {
    try {
      await run(process.execPath, [INFRA, 'up', 'kafka'], {
        env: this.env,
        cwd: ROOT,
        // Formatting and starting can take minutes on a saturated 2-core machine.
        timeout: 300_000,
      });
    } catch (e) {
      const output = e as { stdout?: string; stderr?: string };
      throw new Error(
        `the test's own broker did not start (see ${this.dir}/logs):\n${output.stdout ?? ''}${output.stderr ?? ''}`,
        { cause: e },
      );
    }
  }

  /** Stops the broker as `infra down` does (SIGTERM, then waits for it to exit). */
  async down(): Promise<void> {
    if (this.frozen) this.thaw();
    await run(process.execPath, [INFRA, 'down', 'kafka'], {
      env: this.env,
      cwd: ROOT,
      timeout: 120_000,
    });
  }

  /** Freezes the broker (SIGSTOP): connections stay open and nothing answers. */
  freeze(): void {
    process.kill(this.pid, 'SIGSTOP');
    this.frozen = true;
  }

  /** Lets a frozen broker run again (SIGCONT). */
  thaw(): void {
    process.kill(this.pid, 'SIGCONT');
    this.frozen = false;
  }

  /** Stops the broker and deletes its directory. */
  async remove(): Promise<void> {
    try {
      await this.down();
    } finally {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

function pidIn(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'run', 'kafka.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
