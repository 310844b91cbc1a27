// A fault hook for the chaos campaign (docs/chaos.md): HANPYO_FAULT_CRASH_AFTER_WRITE=N makes the
// persister kill itself (SIGKILL, as `kill -9` would) after its N-th batch has been written to
// Cassandra and before that batch's offsets are committed. It proves a crash in that window
// changes nothing: the batch is redelivered to the next member and its writes are idempotent.
// A production deployment never runs it: with HANPYO_PROFILE=production the persister refuses to
// start when the variable is set.
import { ConfigError } from '@hanpyo/service-kit';

/** The parsed fault settings: the batch after whose write the process dies, if any. */
export interface FaultConfig {
  readonly crashAfterWrite: number | undefined;
}

/** Reads HANPYO_FAULT_CRASH_AFTER_WRITE; throws ConfigError when it is malformed or in production. */
export function faultConfig(env: Readonly<Record<string, string | undefined>>): FaultConfig {
  const raw = env.HANPYO_FAULT_CRASH_AFTER_WRITE;
  if (raw === undefined || raw === '') return { crashAfterWrite: undefined };
  if (env.HANPYO_PROFILE === 'production')
    throw new ConfigError(
      'persister: invalid configuration\n  HANPYO_FAULT_CRASH_AFTER_WRITE: a fault hook for tests, refused when HANPYO_PROFILE=production',
    );
  if (!/^[1-9][0-9]{0,8}$/.test(raw))
    throw new ConfigError(
      'persister: invalid configuration\n  HANPYO_FAULT_CRASH_AFTER_WRITE: a batch count ≥ 1',
    );
  return { crashAfterWrite: Number(raw) };
}

/** Counts written batches and crashes the process after the configured one. */
export class CrashAfterWrite {
  private written = 0;

  constructor(
    private readonly config: FaultConfig,
    private readonly warn: (message: string, fields: Record<string, unknown>) => void,
    private readonly crash: () => void = () => process.kill(process.pid, 'SIGKILL'),
  ) {}

  /** Called after a batch's Cassandra writes, before its offset commit. */
  afterWrite(): void {
    const limit = this.config.crashAfterWrite;
    if (limit === undefined) return;
    this.written++;
    if (this.written < limit) return;
    this.warn('fault hook: crashing after a batch write, before its offset commit', {
      fault: 'HANPYO_FAULT_CRASH_AFTER_WRITE',
      batch: this.written,
    });
    this.crash();
  }
}
