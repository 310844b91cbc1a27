// One streaming pass over a board that decides and sums what counts (SPEC §6, §9): each entry,
// offered in the counting order of the policy, is authorized or refused, offered to the counted set
// (its ballot checked only while its voter has no counted ballot), and a counted ballot is added to
// the aggregates. The registrar's tally and `hanpyo bench tally` both run exactly this.
import type { BoardEntry } from '@hanpyo/contracts';
import { checkBallot } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';
import { Aggregates } from './aggregates.js';
import { authorizationContext, authorizeEntry } from './authorization.js';
import type { AuthorizationContext, Ed25519Verify } from './authorization.js';
import { CountedSet, countingOrder } from './counted-set.js';
import type { DistrictConflict, Offer } from './counted-set.js';
import type { EntryVerdict } from './entry.js';

/** Options of a pass. */
export interface CountingPassOptions {
  /** Ed25519 verification for tokens and cast signatures (default: the reference). */
  readonly verify?: Ed25519Verify;
  /** Voters expected, to size the counted set (it grows past it). */
  readonly expectedVoters?: number;
  /**
   * Whether an authorized entry's ballot is valid (default: `checkBallot` finds no issue). Only a
   * benchmark replaces it, to time the pass without proofs.
   */
  readonly validBallot?: (entry: BoardEntry) => boolean;
}

/** The counted set and aggregates of one election, built entry by entry. */
export class CountingPass {
  readonly aggregates = new Aggregates();
  /** Entries never counted, by the first rule they fail (`ballot`: authorized, invalid ballot). */
  readonly refused: Record<string, number> = {};
  /** The order entries must be added in: board order, or its reverse (SPEC §9, "first"/"last"). */
  readonly order: 'board' | 'reverse';
  private readonly set: CountedSet;
  private readonly authorization: AuthorizationContext;
  private readonly validBallot: (entry: BoardEntry) => boolean;

  constructor(
    private readonly election: ElectionContext,
    options: CountingPassOptions = {},
  ) {
    const { manifest } = election;
    this.order = countingOrder(manifest.revotePolicy);
    this.authorization = authorizationContext(
      manifest,
      options.verify ? { verify: options.verify } : {},
    );
    this.set = new CountedSet(
      manifest.revotePolicy,
      manifest.districts.map((d) => d.districtId),
      options.expectedVoters,
    );
    this.validBallot =
      options.validBallot ?? ((e) => checkBallot(this.election, e.ballot).length === 0);
  }

  /** Adds the next board entry in `order`. */
  add(entry: BoardEntry): void {
    const verdict = authorizeEntry(this.authorization, entry);
    if (!verdict.authorized) {
      this.refuse(verdict.refusals[0]!.rule);
      return;
    }
    const offer = this.set.offer(verdict.nullifier, verdict.districtId, () =>
      this.validBallot(entry),
    );
    if (offer === 'counted') this.aggregates.add(entry.ballot);
    else if (offer === 'invalid') this.refuse('ballot');
  }

  /**
   * Adds the next entry in `order` by its verdict, judged elsewhere (`judgeEntry`, on a worker
   * thread: the same rules, the ballot checked eagerly). The caller adds a `counted` entry's
   * ballot to the aggregates itself (`aggregates.merge` of sums made where the ballot is).
   */
  addVerdict(verdict: EntryVerdict): Offer | 'refused' {
    if (!verdict.authorized || !verdict.voter) {
      this.refuse(verdict.refusals[0]?.rule ?? 'entry');
      return 'refused';
    }
    const offer = this.set.offer(
      verdict.voter.nullifier,
      verdict.voter.districtId,
      () => verdict.refusals.length === 0,
    );
    if (offer === 'invalid') this.refuse('ballot');
    return offer;
  }

  /** Records a stored row that does not form a board entry at all (never counted). */
  addMalformed(): void {
    this.refuse('entry');
  }

  /** Voters counted. */
  get counted(): number {
    return this.set.counted;
  }

  /** Nullifiers whose authorized entries name two districts (the record is then invalid). */
  get conflicts(): readonly DistrictConflict[] {
    return this.set.conflicts;
  }

  get conflictTotal(): number {
    return this.set.conflictTotal;
  }

  private refuse(rule: string): void {
    this.refused[rule] = (this.refused[rule] ?? 0) + 1;
  }
}
