// The per-line work of `hanpyo verify`, run in worker threads: parse one board entry, check its
// ballot (SPEC §5) and tracking code, and later add the counted ones into per-option sums (SPEC §9).
import { ContractError, parseBoardEntry } from '@hanpyo/contracts';
import {
  IDENTITY,
  checkBallot,
  fromBase64url,
  group,
  isIdentity,
  pointToText,
  trackingCode,
} from '@hanpyo/crypto';
import type { ElectionContext, Point } from '@hanpyo/crypto';
import type { Failure } from './failures.js';

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
  /** True when every proof verifies, ids match, and the stated tracking code is the ballot's. */
  readonly valid: boolean;
  readonly failures: Failure[];
}

const FILE = 'ballots.ndjson';

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
    valid: false,
    failures,
  };
}

/** Pass 1 for one line (1-based `line`, 0-based `index` = ballot number). */
export function checkEntryLine(
  election: ElectionContext,
  text: string,
  line: number,
): EntrySummary {
  const failures: Failure[] = [];
  const place = { file: FILE, line, ballot: line - 1 };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    failures.push({ code: 'RECORD_UNPARSEABLE', place, message: 'line is not JSON' });
    return unparsed(line, failures);
  }
  let entry;
  try {
    entry = parseBoardEntry(value);
  } catch (e) {
    const detail =
      e instanceof ContractError
        ? e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')
        : String(e);
    failures.push({ code: 'ENTRY_MALFORMED', place, message: detail });
    return unparsed(line, failures);
  }
  const at = { ...place, partition: entry.partition, district: entry.ballot.districtId };
  for (const issue of checkBallot(election, entry.ballot)) {
    const m = /^\$\.contests\[(\d+)\](?:\.selections\[(\d+)\])?/.exec(issue.path);
    const contest = m ? entry.ballot.contests[Number(m[1])] : undefined;
    const option = m?.[2] !== undefined ? contest?.selections[Number(m[2])]?.optionId : undefined;
    failures.push({
      code: issue.code,
      place: {
        ...at,
        ...(contest ? { contest: contest.contestId } : {}),
        ...(option ? { option } : {}),
        path: issue.path,
      },
      message: issue.message,
    });
  }
  const recomputed = trackingCode(entry.ballot);
  if (recomputed !== entry.trackingCode) {
    failures.push({
      code: 'TRACKING_CODE_MISMATCH',
      place: at,
      message: `tracking code is not H("hanpyo/1/ballot", JCS(ballot)) = ${recomputed}`,
    });
  }
  return {
    line,
    parsed: true,
    partition: entry.partition,
    offset: entry.offset,
    districtId: entry.ballot.districtId,
    nullifier: entry.ballot.nullifier,
    trackingCode: entry.trackingCode,
    valid: failures.length === 0,
    failures,
  };
}

/** Pass 2: sums `(Σα, Σβ)` per `district\0contest\0option` over the counted lines of a batch. */
export function sumCounted(
  texts: readonly string[],
  counted: readonly boolean[],
): Record<string, [string, string]> {
  const g = group();
  const sums = new Map<string, [Point, Point]>();
  texts.forEach((text, i) => {
    if (!counted[i]) return;
    // Counted lines passed pass 1, so they parse and their points are canonical.
    const entry = JSON.parse(text) as {
      ballot: {
        districtId: string;
        contests: {
          contestId: string;
          selections: { optionId: string; alpha: string; beta: string }[];
        }[];
      };
    };
    for (const c of entry.ballot.contests) {
      for (const s of c.selections) {
        const key = `${entry.ballot.districtId}\u0000${c.contestId}\u0000${s.optionId}`;
        const [A, B] = sums.get(key) ?? [IDENTITY, IDENTITY];
        sums.set(key, [
          addPoint(g, A, fromBase64url(s.alpha, 32)),
          addPoint(g, B, fromBase64url(s.beta, 32)),
        ]);
      }
    }
  });
  const out: Record<string, [string, string]> = {};
  for (const [k, [A, B]] of sums) out[k] = [pointToText(A), pointToText(B)];
  return out;
}

function addPoint(g: ReturnType<typeof group>, a: Point, b: Point): Point {
  return isIdentity(a) ? b : g.add(a, b);
}
