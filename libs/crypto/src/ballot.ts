// SPEC §5: ballot encryption (client and edge share this code), verification and tracking codes.
import type { EncryptedBallot, EncryptedContest, PlaintextSelections } from '@hanpyo/contracts';
import { fromBase64url, base64url, toHex } from './bytes.js';
import type { ElectionContext } from './election.js';
import { CryptoError } from './errors.js';
import type { CryptoErrorCode } from './errors.js';
import { G, VARTIME_MAX_BASES, decodePoint, group, pointToText } from './group.js';
import type { GroupBackend, Point } from './group.js';
import { H } from './hash.js';
import { jcs } from './jcs.js';
import { proveRange, randomRangeNonces, verifyRange } from './proofs.js';
import type { RangeNonces, RangeProof } from './proofs.js';
import { mod, scalarFromText, scalarToText } from './scalar.js';
import type { RandomSource, Scalar } from './scalar.js';

/** Nonces of one selection: the encryption nonce `r` and its range proof's nonces. */
export interface SelectionNonces extends RangeNonces {
  readonly r: Scalar;
}

/** Where a ballot's randomness comes from; injectable so known-answer vectors reproduce. */
export interface BallotNonceSource {
  selection(contestId: string, optionId: string, m: number): SelectionNonces;
  limit(contestId: string, total: number, lo: number, hi: number): RangeNonces;
}

/** Nonces drawn from a random source (production: the system CSPRNG). */
export function randomBallotNonces(rng: RandomSource): BallotNonceSource {
  return {
    selection: (_contestId, _optionId, m) => ({
      r: rng.scalar(),
      ...randomRangeNonces(rng, m, 0, 1),
    }),
    limit: (_contestId, total, lo, hi) => randomRangeNonces(rng, total, lo, hi),
  };
}

/** Who the ballot is for: the token's district and nullifier (SPEC §4, §5). */
export interface BallotVoter {
  readonly districtId: string;
  readonly nullifier: Uint8Array;
}

/**
 * Checks plaintext selections against the district's ballot style and returns, per contest of the
 * style in order, the 0/1 value of each option in manifest order. Throws SELECTION_INVALID.
 */
export function selectionVector(
  election: ElectionContext,
  districtId: string,
  selections: PlaintextSelections,
): { contestId: string; values: number[] }[] {
  const district = election.districts.get(districtId);
  if (!district) throw new CryptoError('SELECTION_INVALID', `unknown district '${districtId}'`);
  const style = election.styles.get(district.ballotStyleId)!;
  const styleContests = new Set(style.contestIds);
  for (const contestId of Object.keys(selections)) {
    if (!styleContests.has(contestId)) {
      throw new CryptoError(
        'SELECTION_INVALID',
        `contest '${contestId}' is not on this district's ballot`,
      );
    }
  }
  return style.contestIds.map((contestId) => {
    const contest = election.contests.get(contestId)!;
    const chosen = selections[contestId] ?? [];
    const known = new Set(contest.options.map((o) => o.optionId));
    const picked = new Set<string>();
    for (const optionId of chosen) {
      if (!known.has(optionId)) {
        throw new CryptoError(
          'SELECTION_INVALID',
          `contest '${contestId}' has no option '${optionId}'`,
        );
      }
      if (picked.has(optionId)) {
        throw new CryptoError(
          'SELECTION_INVALID',
          `option '${optionId}' chosen twice in '${contestId}'`,
        );
      }
      picked.add(optionId);
    }
    if (picked.size < contest.minSelections || picked.size > contest.maxSelections) {
      throw new CryptoError(
        'SELECTION_INVALID',
        `contest '${contestId}' needs ${contest.minSelections}..${contest.maxSelections} selections`,
      );
    }
    return { contestId, values: contest.options.map((o) => (picked.has(o.optionId) ? 1 : 0)) };
  });
}

/** Encrypts and proves a whole ballot (SPEC §5) for `voter` with the given selections. */
export function encryptBallot(
  election: ElectionContext,
  voter: BallotVoter,
  selections: PlaintextSelections,
  nonces: BallotNonceSource,
): EncryptedBallot {
  if (voter.nullifier.length !== 32)
    throw new CryptoError('LENGTH_INVALID', 'a nullifier is 32 bytes');
  const g = group();
  const district = election.districts.get(voter.districtId);
  const vector = selectionVector(election, voter.districtId, selections);
  const contests: EncryptedContest[] = vector.map(({ contestId, values }) => {
    const contest = election.contests.get(contestId)!;
    let betaSum: Point | undefined;
    let rSum = 0n;
    const encrypted = contest.options.map((option, i) => {
      const m = values[i]!;
      const n = nonces.selection(contestId, option.optionId, m);
      // Encryption of m with nonce r: alpha = r·G, beta = m·G + r·K.
      const alpha = g.mulBase(n.r);
      const rK = election.K.mul(n.r);
      const beta = m === 1 ? g.add(rK, G) : rK;
      const proof = proveRange(
        {
          tag: 'hanpyo/1/selection',
          Q: election.Q,
          ctx: [voter.nullifier, contestId, option.optionId],
          K: election.K,
          alpha,
          beta,
          lo: 0,
          hi: 1,
        },
        m,
        n.r,
        n,
      );
      betaSum = betaSum ? g.add(betaSum, beta) : beta;
      rSum += n.r;
      return {
        optionId: option.optionId,
        alpha: pointToText(alpha),
        beta: pointToText(beta),
        proof: proofToJson(proof),
      };
    });
    const total = values.reduce((a, b) => a + b, 0);
    // Σα = (Σr)·G: one fixed-base multiplication instead of a chain of additions.
    const alphaSum = g.mulBase(mod(rSum));
    const limitProof = proveRange(
      {
        tag: 'hanpyo/1/limit',
        Q: election.Q,
        ctx: [voter.nullifier, contestId],
        K: election.K,
        alpha: alphaSum,
        beta: betaSum!,
        lo: contest.minSelections,
        hi: contest.maxSelections,
      },
      total,
      mod(rSum),
      nonces.limit(contestId, total, contest.minSelections, contest.maxSelections),
    );
    return { contestId, selections: encrypted, limitProof: proofToJson(limitProof) };
  });
  return {
    electionId: election.manifest.electionId,
    ballotStyleId: district!.ballotStyleId,
    districtId: voter.districtId,
    nullifier: base64url(voter.nullifier),
    contests,
  };
}

function proofToJson(p: RangeProof): { c: string[]; z: string[] } {
  return { c: p.c.map(scalarToText), z: p.z.map(scalarToText) };
}

/** One reason a ballot is invalid, with where it is (a JSON path into the ballot). */
export interface BallotIssue {
  readonly code:
    | CryptoErrorCode
    | 'BALLOT_ELECTION'
    | 'BALLOT_DISTRICT'
    | 'BALLOT_STYLE'
    | 'BALLOT_STRUCTURE'
    | 'BALLOT_VOTER';
  readonly path: string;
  readonly message: string;
}

/**
 * Checks a shape-validated ballot against the election (SPEC §5): ids, structure in ballot-style and
 * manifest order, canonical non-identity points, canonical scalars, every proof. `voter`, when
 * given, must match the ballot's district and nullifier (the token's `dst` and `sub`). Returns every
 * issue found; empty means valid.
 */
export function checkBallot(
  election: ElectionContext,
  ballot: EncryptedBallot,
  voter?: BallotVoter,
): BallotIssue[] {
  const issues: BallotIssue[] = [];
  const add = (code: BallotIssue['code'], path: string, message: string) =>
    issues.push({ code, path, message });
  if (ballot.electionId !== election.manifest.electionId)
    add('BALLOT_ELECTION', '$.electionId', 'ballot is for another election');
  const district = election.districts.get(ballot.districtId);
  if (!district) {
    add('BALLOT_DISTRICT', '$.districtId', `unknown district '${ballot.districtId}'`);
    return issues;
  }
  if (ballot.ballotStyleId !== district.ballotStyleId) {
    add('BALLOT_STYLE', '$.ballotStyleId', "ballot style is not the district's");
    return issues;
  }
  let nullifier: Uint8Array;
  try {
    nullifier = fromBase64url(ballot.nullifier, 32);
  } catch (e) {
    add((e as CryptoError).code, '$.nullifier', 'nullifier is not 32 bytes of canonical base64url');
    return issues;
  }
  if (
    voter &&
    (voter.districtId !== ballot.districtId || base64url(voter.nullifier) !== ballot.nullifier)
  ) {
    add('BALLOT_VOTER', '$', "ballot's district or nullifier differs from the token's");
  }
  const style = election.styles.get(district.ballotStyleId)!;
  if (ballot.contests.length !== style.contestIds.length) {
    add('BALLOT_STRUCTURE', '$.contests', `expected ${style.contestIds.length} contests`);
    return issues;
  }
  const g = group();
  ballot.contests.forEach((ec, ci) => {
    const cpath = `$.contests[${ci}]`;
    const contestId = style.contestIds[ci]!;
    if (ec.contestId !== contestId) {
      add('BALLOT_STRUCTURE', `${cpath}.contestId`, `expected contest '${contestId}' here`);
      return;
    }
    const contest = election.contests.get(contestId)!;
    if (ec.selections.length !== contest.options.length) {
      add(
        'BALLOT_STRUCTURE',
        `${cpath}.selections`,
        `expected ${contest.options.length} selections`,
      );
      return;
    }
    const alphas: Point[] = [];
    const betas: Point[] = [];
    let sumsValid = true;
    ec.selections.forEach((sel, si) => {
      const spath = `${cpath}.selections[${si}]`;
      const optionId = contest.options[si]!.optionId;
      if (sel.optionId !== optionId) {
        add('BALLOT_STRUCTURE', `${spath}.optionId`, `expected option '${optionId}' here`);
        sumsValid = false;
        return;
      }
      let alpha: Point;
      let beta: Point;
      let proof: RangeProof;
      try {
        alpha = decodePoint(fromBase64url(sel.alpha, 32));
        // beta may legitimately be any element; alpha is non-identity (SPEC §5).
        beta = decodePoint(fromBase64url(sel.beta, 32), { allowIdentity: true });
        proof = parseProof(sel.proof);
      } catch (e) {
        add(codeOf(e), spath, (e as Error).message);
        sumsValid = false;
        return;
      }
      const ok = verifyRange(
        {
          tag: 'hanpyo/1/selection',
          Q: election.Q,
          ctx: [nullifier, contestId, optionId],
          K: election.K,
          alpha,
          beta,
          lo: 0,
          hi: 1,
        },
        proof,
      );
      if (!ok) add('PROOF_INVALID', `${spath}.proof`, 'selection proof does not verify');
      alphas.push(alpha);
      betas.push(beta);
    });
    if (!sumsValid || alphas.length === 0) return;
    const alphaSum = publicSum(g, alphas);
    const betaSum = publicSum(g, betas);
    let limit: RangeProof;
    try {
      limit = parseProof(ec.limitProof);
    } catch (e) {
      add(codeOf(e), `${cpath}.limitProof`, (e as Error).message);
      return;
    }
    const ok = verifyRange(
      {
        tag: 'hanpyo/1/limit',
        Q: election.Q,
        ctx: [nullifier, contestId],
        K: election.K,
        alpha: alphaSum,
        beta: betaSum,
        lo: contest.minSelections,
        hi: contest.maxSelections,
      },
      limit,
    );
    if (!ok) add('PROOF_INVALID', `${cpath}.limitProof`, 'limit proof does not verify');
  });
  return issues;
}

/**
 * Σ points of a ballot (public: they are on the board), for the limit proof's statement: one
 * variable-time call where the backend has it (each point decoded once, one encoding), else a chain
 * of additions.
 */
function publicSum(g: GroupBackend, points: readonly Point[]): Point {
  if (g.linearCombinationsVartime && points.length <= VARTIME_MAX_BASES) {
    return g.linearCombinationsVartime(points, [points.map(() => 1n)])[0]!;
  }
  return points.reduce((sum, p) => g.add(sum, p));
}

function parseProof(p: { c: string[]; z: string[] }): RangeProof {
  return { c: p.c.map(scalarFromText), z: p.z.map(scalarFromText) };
}

function codeOf(e: unknown): CryptoErrorCode {
  return e instanceof CryptoError ? e.code : 'BALLOT_INVALID';
}

/** Throws CryptoError BALLOT_INVALID/PROOF_INVALID naming the first issue, if any. */
export function assertBallotValid(
  election: ElectionContext,
  ballot: EncryptedBallot,
  voter?: BallotVoter,
): void {
  const issues = checkBallot(election, ballot, voter);
  const first = issues[0];
  if (first) {
    const code = first.code === 'PROOF_INVALID' ? 'PROOF_INVALID' : 'BALLOT_INVALID';
    throw new CryptoError(code, `${first.path}: ${first.message}`);
  }
}

/** `trackingCode = H("hanpyo/1/ballot", JCS(ballot))`, hex (SPEC §5). */
export function trackingCode(ballot: EncryptedBallot): string {
  return toHex(H('hanpyo/1/ballot', jcs(ballot)));
}
