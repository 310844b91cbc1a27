// One board entry judged for counting: SPEC §6 authorization, then — for an authorized entry only —
// SPEC §9's "carries a valid ballot" (structure, ids, every proof). A refused entry costs no
// elliptic-curve work on its ballot: it never counts, whatever its proofs say.
import type { BoardEntry } from '@hanpyo/contracts';
import { checkBallot } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';
import { authorizeEntry } from './authorization.js';
import type { AuthorizationContext, AuthorizedVoter, Refusal } from './authorization.js';

/** The verdict on one entry: countable iff `refusals` is empty. */
export interface EntryVerdict {
  /** SPEC §6: authorized (whatever its ballot). */
  readonly authorized: boolean;
  /** The voter an authorized entry is of (its token's nullifier and district). */
  readonly voter?: AuthorizedVoter;
  /** Why it is not countable: failed SPEC §6 rules, or its ballot's problems (rule `ballot`). */
  readonly refusals: readonly Refusal[];
}

/** The problems of a ballot as refusals under the `ballot` rule. */
export function ballotRefusals(election: ElectionContext, entry: BoardEntry): Refusal[] {
  return checkBallot(election, entry.ballot).map((issue) => ({
    rule: 'ballot' as const,
    code: issue.code,
    message: issue.message,
    path: issue.path,
  }));
}

/** Authorization first; the ballot is checked only when the entry is authorized. */
export function judgeEntry(
  election: ElectionContext,
  authorization: AuthorizationContext,
  entry: BoardEntry,
): EntryVerdict {
  const a = authorizeEntry(authorization, entry);
  if (!a.authorized) return { authorized: false, refusals: a.refusals };
  return {
    authorized: true,
    voter: { nullifier: a.nullifier, districtId: a.districtId },
    refusals: ballotRefusals(election, entry),
  };
}
