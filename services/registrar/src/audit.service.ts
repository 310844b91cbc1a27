// The audit log's decisions: what an entry of a finished call holds (who, what, when, outcome; never
// a key, a token or a selection), written after the outcome is known, and the operator's paged reads.
import { Inject, Injectable } from '@nestjs/common';
import { AUDIT_PAGE_MAX, auditDay, isAuditId } from '@hanpyo/cassandra';
import type { AuditEntry, StoredAuditEntry } from '@hanpyo/cassandra';
import { ApiError, CLOCK, JsonLogger, Metrics } from '@hanpyo/service-kit';
import type { Clock } from '@hanpyo/service-kit';
import { AuditRepository } from './audit.repository.js';

/** Longest `detail` kept (a reset's reason), characters. */
export const AUDIT_DETAIL_MAX = 500;

/** An audit page as GET …/audit answers it. */
export interface AuditPage {
  readonly entries: (Omit<StoredAuditEntry, 'at'> & { at: string })[];
  /** The `after` of the next page, or null at the end. */
  readonly next: string | null;
}

@Injectable()
export class AuditService {
  private readonly written: ReturnType<Metrics['counter']>;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    @Inject(AuditRepository) private readonly repository: AuditRepository,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.written = metrics.counter(
      'hanpyo_registrar_audit_entries_total',
      'Audit log entries written, and failed writes (outcome=failed), of state-changing calls',
      ['outcome'],
    );
  }

  /**
   * Appends the entry of a finished call, in the background (the response has gone). A failed
   * write is logged with the action and the election, and counted: an operator alerts on it.
   */
  record(entry: Omit<AuditEntry, 'at'>): void {
    const write = this.repository
      .append({ ...entry, at: this.clock.now() })
      .then(
        () => this.written.inc({ outcome: 'written' }),
        (e: unknown) => {
          this.written.inc({ outcome: 'failed' });
          this.logger.error('audit entry not written', {
            action: entry.action,
            electionId: entry.electionId,
            status: entry.status,
            error: (e as Error).message,
          });
        },
      )
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Waits for the entries being written (shutdown, tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** A page of an election's log, or of one UTC day's global log (`day` absent: today). */
  async page(
    where: { electionId: string } | { day: string | undefined },
    after: unknown,
    limit: unknown,
  ): Promise<AuditPage> {
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isSafeInteger(n) || n < 1 || n > AUDIT_PAGE_MAX)
      throw new ApiError('REQUEST_INVALID', `limit must be 1..${AUDIT_PAGE_MAX}`);
    if (after !== undefined && (typeof after !== 'string' || !isAuditId(after)))
      throw new ApiError('REQUEST_INVALID', 'after must be the id of an entry (a timeuuid)');
    let scope: { electionId: string } | { day: string };
    if ('electionId' in where) scope = where;
    else {
      const day = where.day ?? auditDay(this.clock.now());
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day))
        throw new ApiError('REQUEST_INVALID', 'day must be YYYY-MM-DD (UTC)');
      scope = { day };
    }
    const rows = await this.repository.list(scope, after, n);
    return {
      entries: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
      next: rows.length === n ? rows[rows.length - 1]!.id : null,
    };
  }
}
