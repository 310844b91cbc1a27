// A service of services/<name>/dist/main.js run as a child process of the test on a free port, so
// a test can stop it with any signal (SIGKILL included) and restart it; its output is captured.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';
import { until } from './wait.js';

export interface ServiceProcessOptions {
  /** How much of the latest output is kept, in characters (default 500,000). */
  readonly outputLimit?: number;
  /** How long start() waits for /health/ready (default 60 s). */
  readonly readyTimeoutMs?: number;
}

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  /** The latest output (stdout and stderr) of the current run. */
  output = '';
  port = 0;
  readonly entry: string;
  private readonly portVariable: string;

  /**
   * @param name the service's directory under services/ (its port is HANPYO_<NAME>_PORT)
   * @param env added to the test's own environment
   */
  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly options: ServiceProcessOptions = {},
  ) {
    this.entry = fileURLToPath(new URL(`../../../services/${name}/dist/main.js`, import.meta.url));
    this.portVariable = `HANPYO_${name.toUpperCase()}_PORT`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts it on a new free port and waits until it is ready. */
  async start(): Promise<void> {
    this.port = await freePort();
    this.output = '';
    const child = spawn(process.execPath, [this.entry], {
      env: { ...process.env, ...this.env, [this.portVariable]: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const limit = this.options.outputLimit ?? 500_000;
    const append = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-limit);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await until(
      `the ${this.name} to be ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${this.name} exited:\n${this.output}`);
        const r = await fetch(`${this.url}/health/ready`).catch(() => undefined);
        return r?.status === 200;
      },
      this.options.readyTimeoutMs ?? 60_000,
    );
  }

  /** Sends `signal` (SIGTERM by default) and waits for the exit; nothing if not running. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill(signal);
    await this.exited;
  }

  async get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const r = await fetch(`${this.url}${path}`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  }

  /** The /metrics text. */
  async metrics(): Promise<string> {
    return (await fetch(`${this.url}/metrics`)).text();
  }

  /** The value of metric `name` labelled with this election, if exported. */
  async metric(name: string, electionId: string): Promise<number | undefined> {
    const text = await this.metrics();
    const m = new RegExp(`^${name}\\{[^}]*election="${electionId}"[^}]*\\} (\\S+)$`, 'm').exec(
      text,
    );
    return m ? Number(m[1]) : undefined;
  }

  /** The structured log lines with this message. */
  logs(msg: string): Record<string, unknown>[] {
    return this.output
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes(`"msg":"${msg}"`))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
