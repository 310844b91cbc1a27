// A secured Kafka and Cassandra of the test's own: scripts/infra with HANPYO_INFRA_SECURE=true
// (docs/security.md) on free ports, in a temporary infra directory that shares the jar cache of
// the usual one, so the shared servers on the default ports are never touched. Its CA, keystores
// and passwords are made there at start; stop() stops both servers and deletes the directory.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './net.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const INFRA = join(ROOT, 'scripts', 'infra.mjs');

/** What scripts/infra/security.mjs writes to <infra dir>/security/credentials.json. */
export interface SecurePairCredentials {
  readonly caFile: string;
  readonly kafka: {
    readonly serverName: string;
    readonly admin: { readonly username: string; readonly password: string };
    readonly users: Readonly<Record<string, string>>;
  };
  readonly cassandra: {
    readonly serverName: string;
    readonly superuser: { readonly username: string; readonly password: string };
  };
}

export class SecurePair {
  private constructor(
    /** The temporary infra directory (data, logs, TLS material). */
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly kafkaBrokers: string,
    readonly cassandraContactPoint: string,
    readonly credentials: SecurePairCredentials,
    /** How long `npm run infra -- up` took, both servers in parallel (s). */
    readonly startSeconds: number,
    private readonly onSignal: (signal: NodeJS.Signals) => void,
  ) {}

  /**
   * Starts the pair with SCRAM users `kafkaUsers` (each with a generated password). On failure,
   * stops whatever it started before rethrowing.
   */
  static async start(kafkaUsers: readonly string[]): Promise<SecurePair> {
    const dir = mkdtempSync(join(tmpdir(), 'hanpyo-secure-'));
    const ports: number[] = [];
    while (ports.length < 5) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const [kafka, controller, cql, storage, jmx] = ports as [
      number,
      number,
      number,
      number,
      number,
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HANPYO_INFRA_DIR: dir,
      HANPYO_INFRA_JARS_DIR:
        process.env.HANPYO_INFRA_JARS_DIR ?? process.env.HANPYO_INFRA_DIR ?? join(ROOT, '.infra'),
      HANPYO_INFRA_SECURE: 'true',
      HANPYO_INFRA_KAFKA_USERS: kafkaUsers.join(','),
      HANPYO_KAFKA_PORT: String(kafka),
      HANPYO_KAFKA_CONTROLLER_PORT: String(controller),
      HANPYO_CASSANDRA_PORT: String(cql),
      HANPYO_CASSANDRA_STORAGE_PORT: String(storage),
      HANPYO_CASSANDRA_JMX_PORT: String(jmx),
      HANPYO_KAFKA_DATA_DIR: join(dir, 'data', 'kafka'),
      HANPYO_CASSANDRA_DATA_DIR: join(dir, 'data', 'cassandra'),
      // Smaller than the shared pair's: a few statements and messages, beside the shared servers.
      HANPYO_KAFKA_HEAP: '256m',
      HANPYO_CASSANDRA_HEAP: '512m',
    };
    // The servers are detached: a test run stopped with Ctrl-C stops them first. The handlers stay
    // while `down` runs: on Ctrl-C the test runner also sends this process SIGTERM, which must
    // not kill it half-way.
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      try {
        execFileSync(process.execPath, [INFRA, 'down'], { env, stdio: 'ignore', timeout: 60_000 });
        rmSync(dir, { recursive: true, force: true });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const started = Date.now();
    try {
      await run(process.execPath, [INFRA, 'up'], { env, cwd: ROOT, timeout: 300_000 });
    } catch (e) {
      const output = e as { stdout?: string; stderr?: string };
      await run(process.execPath, [INFRA, 'down'], { env, cwd: ROOT }).catch(() => undefined);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      throw new Error(
        `the secured pair did not start (its directory ${dir} is left for a look):\n` +
          `${output.stdout ?? ''}${output.stderr ?? ''}`,
        { cause: e },
      );
    }
    const credentials = JSON.parse(
      readFileSync(join(dir, 'security', 'credentials.json'), 'utf8'),
    ) as SecurePairCredentials;
    return new SecurePair(
      dir,
      env,
      `127.0.0.1:${kafka}`,
      `127.0.0.1:${cql}`,
      credentials,
      (Date.now() - started) / 1000,
      onSignal,
    );
  }

  /** Writes a password file as a mounted Kubernetes Secret is (mode 0600, a trailing newline). */
  secretFile(name: string, secret: string): string {
    const path = join(this.dir, `${name}.secret`);
    writeFileSync(path, `${secret}\n`, { mode: 0o600 });
    return path;
  }

  /** Stops both servers (SIGTERM, as `npm run infra -- down`), then deletes the directory. */
  async stop(): Promise<void> {
    await run(process.execPath, [INFRA, 'down'], { env: this.env, cwd: ROOT, timeout: 120_000 });
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
