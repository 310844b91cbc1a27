// The registrar's append-only audit log (migration 6): one row per state-changing call, who (the
// credential's id and role, never its key), what (route, election, action), when, and the outcome
// (HTTP status and code). Rows are only ever inserted; nothing here updates or deletes one.
import cassandra from 'cassandra-driver';
import { execute } from './client.js';
import type { CqlValue } from './client.js';
import type { Row, Store } from './rows.js';

/** One audited call, as the registrar records it. */
export interface AuditEntry {
  readonly at: Date;
  readonly credentialId: string;
  readonly role: string;
  readonly method: string;
  /** The route's pattern (`/v1/elections/:id/open`), not the URL with its values. */
  readonly route: string;
  readonly electionId: string | null;
  readonly action: string;
  readonly status: number;
  readonly code: string | null;
  /** What the action names beside its route, e.g. a tally reset's reason. Never a secret. */
  readonly detail: string | null;
}

/** A stored entry: its timeuuid orders the log. */
export interface StoredAuditEntry extends AuditEntry {
  readonly id: string;
}

/** The most entries one read returns. */
export const AUDIT_PAGE_MAX = 1000;

const COLUMNS =
  'id, at, credential_id, role, method, route, election_id, action, status, code, detail';
const TIMEUUID = /^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `text` is a timeuuid as `listAudit` hands back in `id` (the `after` of the next page). */
export function isAuditId(text: string): boolean {
  return TIMEUUID.test(text);
}

/** The day partition of the global log (calls naming no election): `YYYY-MM-DD` in UTC. */
export function auditDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Appends an entry: to the election's partition of audit_log when it names one, else to the day's
 * partition of audit_global. The id is a timeuuid made from the entry's time.
 */
export async function appendAudit(s: Store, entry: AuditEntry): Promise<string> {
  const id = cassandra.types.TimeUuid.fromDate(entry.at).toString();
  const values = [
    entry.at,
    entry.credentialId,
    entry.role,
    entry.method,
    entry.route,
    entry.electionId,
    entry.action,
    entry.status,
    entry.code,
    entry.detail,
  ];
  if (entry.electionId !== null) {
    await execute(
      s.client,
      s.config,
      `INSERT INTO {ks}.audit_log (scope, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [entry.electionId, id, ...values],
      { idempotent: true },
    );
  } else {
    await execute(
      s.client,
      s.config,
      `INSERT INTO {ks}.audit_global (day, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [auditDay(entry.at), id, ...values],
      { idempotent: true },
    );
  }
  return id;
}

/**
 * One page of a log in time order: an election's (`{electionId}`) or one day's global entries
 * (`{day}`), those after the entry `after` (an id from an earlier page), at most `limit`.
 */
export async function listAudit(
  s: Store,
  where: { readonly electionId: string } | { readonly day: string },
  after: string | undefined,
  limit: number,
): Promise<StoredAuditEntry[]> {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > AUDIT_PAGE_MAX)
    throw new RangeError(`limit must be 1..${AUDIT_PAGE_MAX}`);
  if (after !== undefined && !isAuditId(after)) throw new RangeError('after must be a timeuuid');
  const [table, key, value] =
    'electionId' in where
      ? ['audit_log', 'scope', where.electionId]
      : ['audit_global', 'day', where.day];
  const params: CqlValue[] = [value];
  if (after !== undefined) params.push(after);
  params.push(limit);
  const r = await execute(
    s.client,
    s.config,
    `SELECT ${COLUMNS} FROM {ks}.${table} WHERE ${key} = ?${after !== undefined ? ' AND id > ?' : ''} LIMIT ?`,
    params,
    { idempotent: true },
  );
  return r.rows.map((row: Row) => ({
    id: String(row.get('id')),
    at: row.get('at') as Date,
    credentialId: row.get('credential_id') as string,
    role: row.get('role') as string,
    method: row.get('method') as string,
    route: row.get('route') as string,
    electionId: (row.get('election_id') as string | null) ?? null,
    action: row.get('action') as string,
    status: row.get('status') as number,
    code: (row.get('code') as string | null) ?? null,
    detail: (row.get('detail') as string | null) ?? null,
  }));
}
