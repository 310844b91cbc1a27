// One board message, checked the way an observer must (SPEC §5, §6): decoded by the same rule as
// the persister (UTF-8 JSON {"trackingCode","ballot"}, the broker's time as receivedAt), then the
// ballot's structure and every proof checked against the election, and its tracking code
// recomputed as H("hanpyo/1/ballot", JCS(ballot)). Pure; runs in the worker threads.
import { ContractError, parseBoardEntry } from '@hanpyo/contracts';
import { checkBallot, trackingCode } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';

/** A message of the board topic, as read from Kafka. */
export interface BoardRecord {
  readonly partition: number;
  readonly offset: number;
  /** The value as UTF-8 text; null when the message has no value or is not UTF-8. */
  readonly value: string | null;
  /** The broker's append time, ms since the epoch. */
  readonly timestamp: number;
}

/** Why an entry is wrong: a ballot issue code of @hanpyo/crypto, or one of the observer's. */
export interface EntryProblem {
  readonly code: string;
  readonly message: string;
  readonly path?: string;
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
  /** Empty when the ballot is valid and its tracking code is the stated one. */
  readonly problems: readonly EntryProblem[];
  /**
   * True when the ballot is of a district the observer does not follow: decoded, not checked
   * (no proof, no tracking code), and left out of the replay.
   */
  readonly outside?: boolean;
}

const VALUE_KEYS = new Set(['trackingCode', 'ballot']);

function undecodable(record: BoardRecord, message: string): CheckedEntry {
  return {
    partition: record.partition,
    offset: record.offset,
    trackingCode: null,
    districtId: null,
    problems: [{ code: 'ENTRY_MALFORMED', message }],
  };
}

/**
 * Checks one board message against the election; never throws on bad input. A ballot of a district
 * in `skip` (manifest districts the observer does not follow) is only decoded (`outside`); an
 * undecodable message, or a ballot of a district the manifest lacks, is checked and reported.
 */
export function checkBoardRecord(
  election: ElectionContext,
  record: BoardRecord,
  skip?: ReadonlySet<string>,
): CheckedEntry {
  if (record.value === null || record.value.length === 0) {
    return undecodable(record, 'the message has no value (or it is not UTF-8)');
  }
  let value: unknown;
  try {
    value = JSON.parse(record.value);
  } catch {
    return undecodable(record, 'the value is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undecodable(record, 'the value is not a JSON object');
  }
  if (Object.keys(value).some((k) => !VALUE_KEYS.has(k))) {
    return undecodable(record, 'the value has members other than trackingCode and ballot');
  }
  const { trackingCode: stated, ballot } = value as { trackingCode?: unknown; ballot?: unknown };
  let entry;
  try {
    entry = parseBoardEntry({
      partition: record.partition,
      offset: record.offset,
      receivedAt: new Date(record.timestamp).toISOString(),
      trackingCode: stated,
      ballot,
    });
  } catch (e) {
    if (!(e instanceof ContractError) && !(e instanceof RangeError)) throw e;
    const detail =
      e instanceof ContractError
        ? e.issues
            .slice(0, 5)
            .map((i) => `${i.path}: ${i.message}`)
            .join('; ')
        : 'the message has no valid timestamp';
    return undecodable(record, `not a board entry: ${detail}`);
  }
  if (skip?.has(entry.ballot.districtId)) {
    return {
      partition: entry.partition,
      offset: entry.offset,
      trackingCode: entry.trackingCode,
      districtId: entry.ballot.districtId,
      problems: [],
      outside: true,
    };
  }
  const problems: EntryProblem[] = checkBallot(election, entry.ballot).map((issue) => ({
    code: issue.code,
    message: issue.message,
    path: issue.path,
  }));
  const recomputed = trackingCode(entry.ballot);
  if (recomputed !== entry.trackingCode) {
    problems.push({
      code: 'TRACKING_CODE_MISMATCH',
      message: `the stated tracking code is not H("hanpyo/1/ballot", JCS(ballot)) = ${recomputed}`,
    });
  }
  return {
    partition: entry.partition,
    offset: entry.offset,
    trackingCode: entry.trackingCode,
    districtId: entry.ballot.districtId,
    problems,
  };
}
