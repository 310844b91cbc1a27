// What a tally retry or reset needs beside the tally's own reads and writes (tally.ts), on the
// columns of migration 6: when the aggregation started, a combination's failure, and the reset
// that deletes every row of the tally so it can start again with a new trustee set.
import { execute } from './client.js';
import type { Row, Store } from './rows.js';
import type { TallyStatus } from './tally.js';

/** The tally row's retry state. */
export interface TallyRetryState {
  readonly status: TallyStatus;
  readonly startedAt: Date | null;
  readonly failureCode: string | null;
  readonly failureMessage: string | null;
}

export async function getTallyRetryState(
  s: Store,
  electionId: string,
): Promise<TallyRetryState | undefined> {
  const r = await execute(
    s.client,
    s.config,
    'SELECT status, started_at, failure_code, failure_message FROM {ks}.tallies WHERE election_id = ?',
    [electionId],
    { idempotent: true },
  );
  const first = r.first() as Row | null;
  if (!first) return undefined;
  return {
    status: first.get('status') as TallyStatus,
    startedAt: (first.get('started_at') as Date | null) ?? null,
    failureCode: (first.get('failure_code') as string | null) ?? null,
    failureMessage: (first.get('failure_message') as string | null) ?? null,
  };
}

/**
 * Records when this aggregation started, and clears an earlier attempt's failure (the row exists:
 * startTally made it).
 */
export async function markTallyStarted(s: Store, electionId: string, now: Date): Promise<void> {
  await execute(
    s.client,
    s.config,
    'UPDATE {ks}.tallies SET started_at = ?, failure_code = null, failure_message = null WHERE election_id = ?',
    [now, electionId],
    { idempotent: true },
  );
}

/** Records an aggregation's or a combination's failure; it stays until a retry or a reset. */
export async function markTallyFailed(
  s: Store,
  electionId: string,
  code: string,
  message: string,
): Promise<void> {
  await execute(
    s.client,
    s.config,
    'UPDATE {ks}.tallies SET failure_code = ?, failure_message = ? WHERE election_id = ?',
    [code, message, electionId],
    { idempotent: true },
  );
}

/**
 * Deletes the tally of an election if it is still in `expected` (never a complete one): the state
 * row first, conditionally, so a tally that moved on meanwhile is left alone (false), then every
 * district's aggregates and results and the shares of trustees 1..`trustees`.
 */
export async function resetTally(
  s: Store,
  electionId: string,
  expected: Exclude<TallyStatus, 'complete'>,
  trustees: number,
): Promise<boolean> {
  const r = await execute(
    s.client,
    s.config,
    'DELETE FROM {ks}.tallies WHERE election_id = ? IF status = ?',
    [electionId, expected],
  );
  if (!(r.first().get('[applied]') as boolean)) return false;
  await execute(
    s.client,
    s.config,
    'DELETE FROM {ks}.tally_districts WHERE election_id = ?',
    [electionId],
    { idempotent: true },
  );
  for (let trustee = 1; trustee <= trustees; trustee++) {
    await execute(
      s.client,
      s.config,
      'DELETE FROM {ks}.tally_shares WHERE election_id = ? AND trustee = ?',
      [electionId, trustee],
      { idempotent: true },
    );
  }
  return true;
}
