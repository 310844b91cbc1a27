// One board message, checked the way an observer must: decoded by the rule every reader of the
// board shares (@hanpyo/contracts `decodeBoardMessage`), then judged by the counting core
// (@hanpyo/counting `judgeEntry`: SPEC §6 authorization, and for authorized entries the ballot's
// proofs). A refused entry is not a divergence: anyone able to write to Kafka can add one, the
// ledger rightly puts it in the logs, and it is never counted. The observer raises an alarm for it
// and still cosigns. Pure; runs in the worker threads.
import { decodeBoardMessage } from '@hanpyo/contracts';
import type { ElectionContext } from '@hanpyo/crypto';
import { judgeEntry } from '@hanpyo/counting';
import type { AuthorizationContext, Refusal } from '@hanpyo/counting';

/** A message of the board topic, as read from Kafka. */
export interface BoardRecord {
  readonly partition: number;
  readonly offset: number;
  /** The value as UTF-8 text; null when the message has no value or is not UTF-8. */
  readonly value: string | null;
  /** The broker's append time, ms since the epoch. */
  readonly timestamp: number;
}

/** The outcome of checking one board message. */
export interface CheckedEntry {
  readonly partition: number;
  readonly offset: number;
  /**
   * The tracking code the entry states, and the ballot's district: its leaf in the district logs.
   * Null when the message does not decode to a board entry; the ledger leaves such a message out
   * of the logs (the persister dead-letters it), and so does the replay.
   */
  readonly trackingCode: string | null;
  readonly districtId: string | null;
  /** Why the entry will never be counted (empty: it is countable). Alarms, not divergences. */
  readonly refusals: readonly Refusal[];
  /**
   * True when the ballot is of a district the observer does not follow: decoded, not judged, and
   * left out of the replay.
   */
  readonly outside?: boolean;
}

/** What the worker holds per election: the ballot context and the authorization rules. */
export interface EntryRules {
  readonly election: ElectionContext;
  readonly authorization: AuthorizationContext;
}

/**
 * Checks one board message against the election; never throws on bad input. A ballot of a district
 * in `skip` (manifest districts the observer does not follow) is only decoded (`outside`).
 */
export function checkBoardRecord(
  rules: EntryRules,
  record: BoardRecord,
  skip?: ReadonlySet<string>,
): CheckedEntry {
  const decoded = decodeBoardMessage(record);
  if (!decoded.ok) {
    return {
      partition: record.partition,
      offset: record.offset,
      trackingCode: null,
      districtId: null,
      refusals: [{ rule: 'entry', code: decoded.reason, message: decoded.detail }],
    };
  }
  const { entry } = decoded;
  const leaf = {
    partition: entry.partition,
    offset: entry.offset,
    trackingCode: entry.trackingCode,
    districtId: entry.ballot.districtId,
  };
  if (skip?.has(entry.ballot.districtId)) return { ...leaf, refusals: [], outside: true };
  return { ...leaf, refusals: judgeEntry(rules.election, rules.authorization, entry).refusals };
}
