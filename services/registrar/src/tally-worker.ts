// A worker thread of the tally (a @hanpyo/worker-pool task module): the expensive part of counting,
// on every core. `judge` parses stored board rows and judges each entry by @hanpyo/counting's
// judgeEntry (SPEC §6 authorization with native Ed25519, then the ballot's proofs for authorized
// entries); `sum` adds up the ballots the main thread's counted set chose. The decision itself (which
// entry counts) stays on the main thread, in board order: CountingPass.addVerdict.
import { ContractError, parseBoardEntry } from '@hanpyo/contracts';
import type { BoardEntry } from '@hanpyo/contracts';
import type { ElectionContext } from '@hanpyo/crypto';
import { NativeEd25519, initFastestBackend } from '@hanpyo/crypto-native';
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
}

/** One row's verdict: a placeholder (no entry), a row that forms no entry, or a judged entry. */
export type RowVerdict =
  | { readonly kind: 'placeholder' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'entry'; readonly verdict: EntryVerdict };

await initFastestBackend();
const ed25519 = new NativeEd25519();
const elections = new ContextCache<{
  election: ElectionContext;
  authorization: AuthorizationContext;
}>();

const rulesOf = (e: ElectionTask) =>
  elections.get(e.key, () => {
    const { manifest, election } = electionOf(e);
    return { election, authorization: authorizationContext(manifest, { verify: ed25519.verify }) };
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

/** Each row's verdict, in the order given. */
export function judge(task: { election: ElectionTask; rows: StoredRow[] }): RowVerdict[] {
  const { election, authorization } = rulesOf(task.election);
  return task.rows.map((row): RowVerdict => {
    // Dead-letter placeholders hold an offset but no entry (docs/storage.md).
    if (row.trackingCode === null || row.ballot === null) return { kind: 'placeholder' };
    const entry = boardEntryOf(row);
    if (!entry) return { kind: 'malformed' };
    return { kind: 'entry', verdict: judgeEntry(election, authorization, entry) };
  });
}

/** The aggregates of counted ballots (their stored JSON, judged valid by `judge`). */
export function sum(task: { ballots: string[] }): PartialAggregates {
  const aggregates = new Aggregates();
  for (const text of task.ballots) aggregates.add(JSON.parse(text) as CountedBallot);
  return aggregates.partial();
}
