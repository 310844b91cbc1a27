// A worker thread of the tally (a @hanpyo/worker-pool task module): the expensive part of counting,
// on every core. `judge` parses stored board rows and judges each entry by @hanpyo/counting's
// judgeEntry (SPEC §6 authorization with native Ed25519, then the ballot's proofs for authorized
// entries), or takes the verdict stored for exactly that row while the election ran (`prejudge`,
// services/registrar/README.md, "Judging while voting runs"); `sum` adds up the ballots the main
// thread's counted set chose. The decision itself (which entry counts) stays on the main thread, in
// board order: CountingPass.addVerdict.
import { createHash } from 'node:crypto';
import { ContractError, parseBoardEntry } from '@hanpyo/contracts';
import type { BoardEntry } from '@hanpyo/contracts';
import { bytesEqual } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';
import { initFastestBackend } from '@hanpyo/crypto-native';
import { Aggregates, authorizationContext, judgeEntry } from '@hanpyo/counting';
import type {
  AuthorizationContext,
  CountedBallot,
  EntryVerdict,
  PartialAggregates,
} from '@hanpyo/counting';
import { ContextCache, electionOf } from '@hanpyo/worker-pool';
import type { ElectionTask } from '@hanpyo/worker-pool';

/** A board row as the registrar reads it (libs/cassandra BoardRow), its partition included. */
export interface StoredRow {
  readonly partition: number;
  readonly offset: number;
  readonly receivedAt: Date | null;
  readonly trackingCode: string | null;
  /** The ballot's JSON as the persister stored it; null for a dead-letter placeholder. */
  readonly ballot: string | null;
  readonly token: string | null;
  readonly castSignature: string | null;
  /** The verdict stored for this place while the election ran, if any (board_verdicts). */
  readonly judged?: { readonly digest: Uint8Array; readonly verdict: string };
}

/** A verdict to store for a row (`prejudge`): its offset, the row's digest, the verdict's JSON. */
export interface PrejudgedRow {
  readonly offset: number;
  readonly digest: Uint8Array;
  readonly verdict: string;
}

/** A page judged: each row's verdict, and how many were stored verdicts taken as they are. */
export interface JudgedPage {
  readonly verdicts: RowVerdict[];
  readonly reused: number;
}

/** One row's verdict: a placeholder (no entry), a row that forms no entry, or a judged entry. */
export type RowVerdict =
  | { readonly kind: 'placeholder' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'entry'; readonly verdict: EntryVerdict };

await initFastestBackend();
const elections = new ContextCache<{
  election: ElectionContext;
  authorization: AuthorizationContext;
}>();

const rulesOf = (e: ElectionTask) =>
  elections.get(e.key, () => {
    const { manifest, election } = electionOf(e);
    return { election, authorization: authorizationContext(manifest) };
  });

/** The SPEC §6 board entry of a stored row, or undefined when the row does not form one. */
export function boardEntryOf(row: StoredRow): BoardEntry | undefined {
  try {
    return parseBoardEntry({
      partition: row.partition,
      offset: row.offset,
      receivedAt: row.receivedAt!.toISOString(),
      trackingCode: row.trackingCode,
      ballot: JSON.parse(row.ballot!) as unknown,
      ...(row.token !== null ? { token: row.token } : {}),
      ...(row.castSignature !== null ? { castSignature: row.castSignature } : {}),
    });
  } catch (e) {
    if (e instanceof SyntaxError || e instanceof ContractError) return undefined;
    throw e;
  }
}

/**
 * The version of the judging rules a stored verdict was made under. Bump it whenever what
 * judgeEntry decides changes (a SPEC revision, a new check): verdicts stored under another
 * version then no longer match any row, and every row is judged again at the tally.
 */
export const VERDICT_RULES = 'hanpyo/registrar/verdict/1';

/**
 * SHA-256 over everything a verdict depends on: the rules' version, the election (its manifest
 * hash, which fixes its id, window, issuers and contests), the row's place and every stored column
 * of it, as the JSON of one array of strings, numbers and nulls, so the encoding is unambiguous. A
 * verdict is used only for a row with this same digest.
 */
export function rowDigest(
  election: Pick<ElectionContext, 'manifestHash'>,
  row: StoredRow,
): Uint8Array {
  const fields = [
    VERDICT_RULES,
    Buffer.from(election.manifestHash).toString('hex'),
    row.partition,
    row.offset,
    row.receivedAt?.getTime() ?? null,
    row.trackingCode,
    row.ballot,
    row.token,
    row.castSignature,
  ];
  return new Uint8Array(createHash('sha256').update(JSON.stringify(fields)).digest());
}

function verdictOf(
  election: ElectionContext,
  authorization: AuthorizationContext,
  row: StoredRow,
): RowVerdict {
  // Dead-letter placeholders hold an offset but no entry (docs/storage.md).
  if (row.trackingCode === null || row.ballot === null) return { kind: 'placeholder' };
  const entry = boardEntryOf(row);
  if (!entry) return { kind: 'malformed' };
  return { kind: 'entry', verdict: judgeEntry(election, authorization, entry) };
}

/** A stored verdict's JSON as a RowVerdict, or undefined when it is not one (then: judge again). */
function parseStoredVerdict(text: string): RowVerdict | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = v as { kind?: unknown; verdict?: { authorized?: unknown; refusals?: unknown } } | null;
  if (r === null || typeof r !== 'object') return undefined;
  if (r.kind === 'malformed') return { kind: 'malformed' };
  if (
    r.kind === 'entry' &&
    typeof r.verdict === 'object' &&
    r.verdict !== null &&
    typeof r.verdict.authorized === 'boolean' &&
    Array.isArray(r.verdict.refusals)
  )
    return r as RowVerdict;
  return undefined;
}

/**
 * Each row's verdict, in the order given: the stored one when it was made for this very row (same
 * digest) and parses, otherwise judged now.
 */
export function judge(task: { election: ElectionTask; rows: StoredRow[] }): JudgedPage {
  const { election, authorization } = rulesOf(task.election);
  let reused = 0;
  const verdicts = task.rows.map((row): RowVerdict => {
    if (row.judged && row.trackingCode !== null && row.ballot !== null) {
      const stored = bytesEqual(row.judged.digest, rowDigest(election, row))
        ? parseStoredVerdict(row.judged.verdict)
        : undefined;
      if (stored) {
        reused++;
        return stored;
      }
    }
    return verdictOf(election, authorization, row);
  });
  return { verdicts, reused };
}

/**
 * While the election runs: the verdict of each row to store (placeholders have none), with the
 * digest it is bound to.
 */
export function prejudge(task: { election: ElectionTask; rows: StoredRow[] }): PrejudgedRow[] {
  const { election, authorization } = rulesOf(task.election);
  const out: PrejudgedRow[] = [];
  for (const row of task.rows) {
    const verdict = verdictOf(election, authorization, row);
    if (verdict.kind === 'placeholder') continue;
    out.push({
      offset: row.offset,
      digest: rowDigest(election, row),
      verdict: JSON.stringify(verdict),
    });
  }
  return out;
}

/** The aggregates of counted ballots (their stored JSON, judged valid by `judge`). */
export function sum(task: { ballots: string[] }): PartialAggregates {
  const aggregates = new Aggregates();
  for (const text of task.ballots) aggregates.add(JSON.parse(text) as CountedBallot);
  return aggregates.partial();
}
