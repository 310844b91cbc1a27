// The per-line work of `hanpyo verify`, run in worker threads: parse one board entry and judge it
// with the counting core (SPEC §6 authorization; for an authorized entry, its ballot's structure
// and every proof), and later add the counted ones into partial aggregates (SPEC §9).
import { ContractError, parseBoardEntry } from '@hanpyo/contracts';
import type { ElectionContext } from '@hanpyo/crypto';
import { Aggregates, judgeEntry } from '@hanpyo/counting';
import type { AuthorizationContext, PartialAggregates, Refusal } from '@hanpyo/counting';
import type { Failure, Place } from '../failures.js';
import { RECORD_FILES } from '../record-io.js';

/** What the main thread keeps of one board entry after pass 1. */
export interface EntrySummary {
  readonly line: number;
  /** False when the line is not a well-formed board entry (then the fields below are absent). */
  readonly parsed: boolean;
  readonly partition: number;
  readonly offset: number;
  readonly districtId: string;
  readonly nullifier: string;
  /** The tracking code the entry states (hex); its leaf in the district log. */
  readonly trackingCode: string;
  /** SPEC §6: the entry is authorized. */
  readonly authorized: boolean;
  /** Authorized and its ballot valid: it may be counted (SPEC §9). */
  readonly countable: boolean;
  /** Why it may not be counted (empty when countable). */
  readonly refusals: Refusal[];
  /** Failures of the record at this line (an unparseable line). */
  readonly failures: Failure[];
}

/** The summary of a line that is not a well-formed board entry. */
function unparsed(line: number, failures: Failure[]): EntrySummary {
  return {
    line,
    parsed: false,
    partition: -1,
    offset: -1,
    districtId: '',
    nullifier: '',
    trackingCode: '',
    authorized: false,
    countable: false,
    refusals: [],
    failures,
  };
}

/** Where a refusal is, down to the contest and option of a ballot problem. */
export function refusalPlace(
  summary: Pick<EntrySummary, 'line' | 'partition' | 'districtId'>,
  refusal: Refusal,
  ballot?: {
    contests: readonly { contestId: string; selections: readonly { optionId: string }[] }[];
  },
): Place {
  const place: Place = {
    file: RECORD_FILES.ballots,
    line: summary.line,
    ballot: summary.line - 1,
    partition: summary.partition,
    district: summary.districtId,
  };
  if (!refusal.path) return place;
  const m = /^\$\.contests\[(\d+)\](?:\.selections\[(\d+)\])?/.exec(refusal.path);
  const contest = m && ballot ? ballot.contests[Number(m[1])] : undefined;
  const option = m?.[2] !== undefined ? contest?.selections[Number(m[2])]?.optionId : undefined;
  return {
    ...place,
    ...(contest ? { contest: contest.contestId } : {}),
    ...(option ? { option } : {}),
    path: refusal.path,
  };
}

/** Pass 1 for one line (1-based `line`, 0-based `index` = ballot number). */
export function checkEntryLine(
  election: ElectionContext,
  authorization: AuthorizationContext,
  text: string,
  line: number,
): EntrySummary & { readonly places: Place[] } {
  const place = { file: RECORD_FILES.ballots, line, ballot: line - 1 };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ...unparsed(line, [{ code: 'RECORD_UNPARSEABLE', place, message: 'line is not JSON' }]),
      places: [],
    };
  }
  let entry;
  try {
    entry = parseBoardEntry(value);
  } catch (e) {
    const detail =
      e instanceof ContractError
        ? e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')
        : String(e);
    return {
      ...unparsed(line, [{ code: 'ENTRY_MALFORMED', place, message: detail }]),
      places: [],
    };
  }
  const verdict = judgeEntry(election, authorization, entry);
  const summary = {
    line,
    partition: entry.partition,
    districtId: entry.ballot.districtId,
  };
  return {
    ...summary,
    parsed: true,
    offset: entry.offset,
    nullifier: entry.ballot.nullifier,
    trackingCode: entry.trackingCode,
    authorized: verdict.authorized,
    countable: verdict.refusals.length === 0,
    refusals: [...verdict.refusals],
    failures: [],
    // Computed here, where the ballot is at hand, so the main thread keeps summaries only.
    places: verdict.refusals.map((r) => refusalPlace(summary, r, entry.ballot)),
  };
}

/** Pass 2: partial aggregates over the counted lines of a batch (they passed pass 1). */
export function sumCounted(
  texts: readonly string[],
  counted: readonly boolean[],
): PartialAggregates {
  const aggregates = new Aggregates();
  texts.forEach((text, i) => {
    if (counted[i]) aggregates.add(parseBoardEntry(JSON.parse(text)).ballot);
  });
  return aggregates.partial();
}
