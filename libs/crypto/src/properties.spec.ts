// Property tests of the protocol core (STYLE.md §12), drawn by fast-check: decrypt∘encrypt,
// homomorphic sums, t-of-n threshold decryption (SPEC §3, §9), range proofs and their soundness
// against tampering and out-of-range provers (SPEC §5), and whole ballots (SPEC §5). Every property
// runs on the sodium backend, and with fewer runs on the noble reference backend.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseEncryptedBallot, parseManifest } from '@hanpyo/contracts';
import type { EncryptedBallot, PlaintextSelections } from '@hanpyo/contracts';
import { checkBallot, encryptBallot, randomBallotNonces } from './ballot.js';
import type { BallotIssue } from './ballot.js';
import { base64url, fromBase64url } from './bytes.js';
import {
  checkCeremony,
  combinePrivateShares,
  commitPolynomial,
  evaluatePolynomial,
  jointPublicKey,
  publicShare,
  randomPolynomial,
  verifyPrivateShare,
} from './ceremony.js';
import { deterministicRandom } from './drbg.js';
import { electionBaseHash, electionContext } from './election.js';
import type { ElectionContext } from './election.js';
import { CryptoError } from './errors.js';
import {
  G,
  IDENTITY,
  group,
  loadSodiumBackend,
  nobleBackend,
  pointFromText,
  pointToText,
  smallMulBase,
  withBackend,
} from './group.js';
import type { GroupBackend, Point } from './group.js';
import { Hs } from './hash.js';
import type { HashPart } from './hash.js';
import { proveRange, randomRangeNonces, verifyRange } from './proofs.js';
import type { ProofStatement, RangeProof } from './proofs.js';
import { L, mod } from './scalar.js';
import type { Scalar } from './scalar.js';
import {
  combinePartialDecryptions,
  discreteLog,
  partialDecrypt,
  verifyPartialDecryption,
} from './tally.js';
import type { PartialDecryption } from './tally.js';

let sodium: GroupBackend | undefined;
before(async () => {
  sodium = await loadSodiumBackend();
});

/**
 * Registers `property` once per backend: `sodium` runs on libsodium, `noble` on the reference
 * backend (slower, so fewer runs). The property reads the backend through `group()`.
 */
function onBothBackends(
  name: string,
  runs: { sodium: number; noble: number },
  property: (numRuns: number) => void,
): void {
  for (const which of ['sodium', 'noble'] as const) {
    void it(`${name} [${which}]`, () => {
      const backend = which === 'sodium' ? sodium : nobleBackend;
      assert.ok(backend, 'the sodium backend is loaded in before()');
      withBackend(backend, () => {
        assert.equal(group().name, which);
        property(runs[which]);
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries and helpers.

/** A non-zero scalar. */
const scalar = fc.bigInt({ min: 1n, max: L - 1n });
/** A seed for deterministicRandom (the only randomness of a run besides fast-check's own). */
const seed = fc.string({ minLength: 1, maxLength: 16 });
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const bit = fc.integer({ min: 0, max: 1 });

const text = (p: Point) => pointToText(p);

/** ElGamal under `K` with nonce `r`: `(r·G, m·G + r·K)` (SPEC §5). */
function encrypt(K: Point, m: number, r: Scalar): { alpha: Point; beta: Point } {
  const g = group();
  return { alpha: g.mulBase(r), beta: g.add(smallMulBase(m), g.mul(r, K)) };
}

/** `β − s·α`, the plaintext point under a single secret key `s`. */
function decrypt(s: Scalar, alpha: Point, beta: Point): Point {
  const g = group();
  return g.sub(beta, g.mul(s, alpha));
}

/** The count behind `M`, or undefined when there is none in [0, max] (DLOG_NOT_FOUND). */
function countOrNone(M: Point, max: number): number | undefined {
  try {
    return discreteLog(M, max);
  } catch (e) {
    assert.ok(e instanceof CryptoError && e.code === 'DLOG_NOT_FOUND', String(e));
    return undefined;
  }
}

/** Every k-element subset of `items`, in order. */
function* subsets<T>(items: readonly T[], k: number, from = 0): Generator<T[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = from; i <= items.length - k; i++) {
    for (const rest of subsets(items, k - 1, i + 1)) yield [items[i]!, ...rest];
  }
}

const range1 = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

// ---------------------------------------------------------------------------------------------

void describe('ElGamal: decrypt∘encrypt', () => {
  onBothBackends(
    'β − s·α = m·G for K = s·G, α = r·G, β = m·G + r·K',
    { sodium: 50, noble: 10 },
    (numRuns) => {
      fc.assert(
        fc.property(scalar, scalar, bit, (s, r, m) => {
          const K = group().mulBase(s);
          const { alpha, beta } = encrypt(K, m, r);
          assert.notEqual(text(alpha), text(IDENTITY), 'alpha is non-identity');
          const M = decrypt(s, alpha, beta);
          assert.equal(text(M), text(smallMulBase(m)));
          assert.equal(discreteLog(M, 1), m);
          // Another key does not decrypt: β − (s+1)·α = (m·G) − α.
          assert.notEqual(text(decrypt(mod(s + 1n), alpha, beta)), text(smallMulBase(m)));
        }),
        { numRuns },
      );
    },
  );
});

void describe('ElGamal: homomorphic sums', () => {
  const votes = fc.array(fc.tuple(bit, scalar), { minLength: 1, maxLength: 24 });
  onBothBackends('Σ of n ciphertexts decrypts to Σ m', { sodium: 50, noble: 5 }, (numRuns) => {
    fc.assert(
      fc.property(scalar, votes, (s, vs) => {
        const g = group();
        const K = g.mulBase(s);
        let A: Point = IDENTITY;
        let B: Point = IDENTITY;
        for (const [m, r] of vs) {
          const c = encrypt(K, m, r);
          A = g.add(A, c.alpha);
          B = g.add(B, c.beta);
        }
        const expected = vs.reduce((sum, [m]) => sum + m, 0);
        assert.equal(discreteLog(decrypt(s, A, B), vs.length), expected);
        // A sum missing one β (its α still in) decrypts to (Σm − m0 − r0·s)·G: no count in
        // [0, n] unless that scalar happens to land there (only for tiny r0·s, which fast-check
        // likes to try), so the expectation is computed, not assumed.
        const [m0, r0] = vs[0]!;
        const Bpartial = g.sub(B, encrypt(K, m0, r0).beta);
        const residue = mod(BigInt(expected - m0) - r0 * s);
        const landing = residue <= BigInt(vs.length) ? Number(residue) : undefined;
        assert.equal(countOrNone(decrypt(s, A, Bpartial), vs.length), landing);
      }),
      { numRuns },
    );
  });
});

// ---------------------------------------------------------------------------------------------

void describe('threshold decryption (t of n)', () => {
  const params = fc
    .integer({ min: 2, max: 6 })
    .chain((n) => fc.record({ n: fc.constant(n), t: fc.integer({ min: 2, max: n }) }));
  const MAX_COUNT = 1000;

  onBothBackends(
    'a random ceremony verifies, and any t partial decryptions recover the count; t−1 do not',
    { sodium: 40, noble: 3 },
    (numRuns) => {
      fc.assert(
        fc.property(params, seed, fc.integer({ min: 0, max: MAX_COUNT }), ({ n, t }, sd, count) => {
          const g = group();
          const rng = deterministicRandom(sd);
          const manifestHash = rng.bytes(32);
          const trusteeIndices = range1(n);

          // SPEC §3: every trustee draws f_i and publishes its commitments with proofs.
          const polynomials = trusteeIndices.map(() => randomPolynomial(rng, t));
          const trustees = polynomials.map((f, k) =>
            commitPolynomial(
              manifestHash,
              k + 1,
              f,
              f.map(() => rng.scalar()),
            ),
          );
          const K = jointPublicKey({ trustees });
          const record = { trustees, jointPublicKey: text(K) };
          assert.deepEqual(checkCeremony(manifestHash, { count: n, threshold: t }, record), []);
          // K = (Σ_i a_{i,0})·G
          const jointSecret = combinePrivateShares(polynomials.map((f) => f[0]!));
          assert.equal(text(K), text(g.mulBase(jointSecret)));

          // Private shares f_i(j): each checks against i's commitments; the secret share s_j
          // matches the public share P_j anyone computes.
          const secretShares = new Map<number, Scalar>();
          const publicShares = new Map<number, Point>();
          for (const j of trusteeIndices) {
            const received = polynomials.map((f) => evaluatePolynomial(f, j));
            received.forEach((share, i) => {
              assert.ok(verifyPrivateShare(trustees[i]!.commitments, j, share), `f_${i + 1}(${j})`);
            });
            // A wrong share is caught (one per receiving trustee, from the trustee j itself).
            assert.ok(
              !verifyPrivateShare(trustees[j - 1]!.commitments, j, mod(received[j - 1]! + 1n)),
            );
            const sj = combinePrivateShares(received);
            const Pj = publicShare(record, j);
            assert.equal(text(Pj), text(g.mulBase(sj)), `P_${j}`);
            secretShares.set(j, sj);
            publicShares.set(j, Pj);
          }

          // An aggregate ciphertext of `count` under K, and every trustee's partial decryption.
          const { alpha: A, beta: B } = encrypt(K, count, rng.scalar());
          const Q = electionBaseHash(manifestHash, K);
          const shares: PartialDecryption[] = trusteeIndices.map((i) => {
            const share = partialDecrypt(Q, i, secretShares.get(i)!, A, rng.scalar());
            assert.ok(verifyPartialDecryption(Q, publicShares.get(i)!, A, share), `D_${i}`);
            // The proof binds the trustee: it fails against another trustee's public share.
            const other = (i % n) + 1;
            assert.ok(!verifyPartialDecryption(Q, publicShares.get(other)!, A, share));
            return share;
          });

          for (const subset of subsets(shares, t)) {
            const M = combinePartialDecryptions(B, subset);
            assert.equal(
              discreteLog(M, MAX_COUNT),
              count,
              `trustees ${subset.map((s) => s.trustee).join(',')}`,
            );
          }
          for (const subset of subsets(shares, t - 1)) {
            const M = combinePartialDecryptions(B, subset);
            assert.notEqual(
              countOrNone(M, MAX_COUNT),
              count,
              `t−1 trustees ${subset.map((s) => s.trustee).join(',')} recovered the count`,
            );
          }
        }),
        { numRuns },
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------

void describe('range proofs (disjunctive Chaum–Pedersen)', () => {
  /** lo ≤ m ≤ hi in [0, 5]. */
  const bounds = fc
    .integer({ min: 0, max: 5 })
    .chain((lo) => fc.integer({ min: lo, max: 5 }).map((hi) => ({ lo, hi })));
  const inRange = bounds.chain(({ lo, hi }) =>
    fc.integer({ min: lo, max: hi }).map((m) => ({ lo, hi, m })),
  );
  /** A value the ciphertext really holds, outside [lo, hi], and a branch the prover pretends. */
  const outOfRange = bounds.chain(({ lo, hi }) => {
    const outside = [0, 1, 2, 3, 4, 5, 6, 7].filter((v) => v < lo || v > hi);
    return fc.record({
      lo: fc.constant(lo),
      hi: fc.constant(hi),
      m: fc.constantFrom(...outside),
      pretend: fc.integer({ min: lo, max: hi }),
    });
  });
  const tag = fc.constantFrom('hanpyo/1/selection' as const, 'hanpyo/1/limit' as const);
  const ctx = fc.array(fc.oneof(bytes32, fc.string({ maxLength: 12 })), {
    minLength: 1,
    maxLength: 3,
  });

  function statement(
    t: ProofStatement['tag'],
    Q: Uint8Array,
    parts: readonly HashPart[],
    s: Scalar,
    m: number,
    r: Scalar,
    lo: number,
    hi: number,
  ): ProofStatement {
    const K = group().mulBase(s);
    const { alpha, beta } = encrypt(K, m, r);
    return { tag: t, Q, ctx: parts, K: group().prepare(K), alpha, beta, lo, hi };
  }

  /**
   * SPEC §5 verification written from the spec text alone, apart from verifyRange: recompute
   * A_v = z_v·G − c_v·α and B_v = z_v·K − c_v·(β − v·G), accept iff Σ c_v = Hs(tag, Q, ctx…, α, β,
   * A_lo, B_lo, …, A_hi, B_hi).
   */
  function specAccepts(st: ProofStatement, proof: RangeProof): boolean {
    const g = group();
    if (proof.c.length !== st.hi - st.lo + 1 || proof.z.length !== proof.c.length) return false;
    const commitments: Point[] = [];
    let sum = 0n;
    for (let v = st.lo; v <= st.hi; v++) {
      const c = proof.c[v - st.lo]!;
      const z = proof.z[v - st.lo]!;
      commitments.push(g.sub(g.mulBase(z), g.mul(c, st.alpha)));
      commitments.push(g.sub(g.mul(z, st.K.point), g.mul(c, g.sub(st.beta, smallMulBase(v)))));
      sum += c;
    }
    return mod(sum) === Hs(st.tag, st.Q, ...st.ctx, st.alpha, st.beta, ...commitments);
  }

  /** Every single-element change of a proof or its statement that must make it fail. */
  function tamperings(
    st: ProofStatement,
    proof: RangeProof,
    delta: Scalar,
  ): [string, ProofStatement, RangeProof][] {
    const g = group();
    const out: [string, ProofStatement, RangeProof][] = [];
    for (let i = 0; i < proof.c.length; i++) {
      const c = [...proof.c];
      c[i] = mod(c[i]! + delta);
      out.push([`c[${i}]`, st, { c, z: proof.z }]);
      const z = [...proof.z];
      z[i] = mod(z[i]! + delta);
      out.push([`z[${i}]`, st, { c: proof.c, z }]);
    }
    const otherTag = st.tag === 'hanpyo/1/selection' ? 'hanpyo/1/limit' : 'hanpyo/1/selection';
    out.push(['tag', { ...st, tag: otherTag }, proof]);
    st.ctx.forEach((part, j) => {
      let changed: HashPart;
      if (part instanceof Uint8Array) {
        const b = part.slice();
        b[Number(delta % 32n)]! ^= 1;
        changed = b;
      } else changed = `${String(part)}x`;
      const parts = [...st.ctx];
      parts[j] = changed;
      out.push([`ctx[${j}]`, { ...st, ctx: parts }, proof]);
    });
    // Framing: an extra empty part is a different statement.
    out.push(['ctx + ""', { ...st, ctx: [...st.ctx, ''] }, proof]);
    const Q = st.Q.slice();
    Q[0]! ^= 0x80;
    out.push(['Q', { ...st, Q }, proof]);
    out.push(['alpha', { ...st, alpha: g.add(st.alpha, G) }, proof]);
    out.push(['beta', { ...st, beta: g.add(st.beta, G) }, proof]);
    out.push(['K', { ...st, K: g.prepare(g.add(st.K.point, G)) }, proof]);
    out.push(['range shifted by one', { ...st, lo: st.lo + 1, hi: st.hi + 1 }, proof]);
    return out;
  }

  onBothBackends(
    'an honest proof verifies; changing any c, z, the tag, a ctx part, Q, α, β or K breaks it',
    { sodium: 50, noble: 6 },
    (numRuns) => {
      fc.assert(
        fc.property(
          inRange,
          tag,
          bytes32,
          ctx,
          scalar,
          scalar,
          seed,
          scalar,
          ({ lo, hi, m }, t, Q, parts, s, r, sd, delta) => {
            const st = statement(t, Q, parts, s, m, r, lo, hi);
            const nonces = randomRangeNonces(deterministicRandom(sd), m, lo, hi);
            const proof = proveRange(st, m, r, nonces);
            assert.equal(proof.c.length, hi - lo + 1);
            assert.equal(proof.z.length, hi - lo + 1);
            assert.ok(verifyRange(st, proof), 'honest proof');
            assert.ok(specAccepts(st, proof), 'honest proof, by the SPEC §5 equation');
            for (const [what, st2, proof2] of tamperings(st, proof, delta)) {
              assert.ok(!verifyRange(st2, proof2), `accepted after changing ${what}`);
            }
          },
        ),
        { numRuns },
      );
    },
  );

  onBothBackends(
    'a prover whose ciphertext holds a value outside [lo, hi] cannot make a proof that verifies',
    { sodium: 50, noble: 6 },
    (numRuns) => {
      fc.assert(
        fc.property(
          outOfRange,
          tag,
          bytes32,
          ctx,
          scalar,
          scalar,
          seed,
          ({ lo, hi, m, pretend }, t, Q, parts, s, r, sd) => {
            const rng = deterministicRandom(sd);
            const st = statement(t, Q, parts, s, m, r, lo, hi);
            const width = hi - lo + 1;
            // (a) The prover runs the honest algorithm with its true m: every branch of [lo, hi]
            // is simulated (nonces for all of them), and m's challenge lands outside the proof.
            const simulatedAll = randomRangeNonces(rng, m, lo, hi);
            assert.equal(simulatedAll.simulated.size, width);
            const raw = proveRange(st, m, r, simulatedAll);
            const truncated = { c: raw.c.slice(0, width), z: raw.z.slice(0, width) };
            assert.ok(truncated.c.every((c) => typeof c === 'bigint'));
            assert.ok(!verifyRange(st, raw), 'the untruncated proof');
            assert.ok(!verifyRange(st, truncated), 'all branches simulated');
            assert.ok(
              !specAccepts(st, truncated),
              'all branches simulated, by the SPEC §5 equation',
            );
            // (b) The prover pretends its value is some v in [lo, hi] and proves that branch.
            const pretended = proveRange(st, pretend, r, randomRangeNonces(rng, pretend, lo, hi));
            assert.equal(pretended.c.length, width);
            assert.ok(!verifyRange(st, pretended), `pretending ${pretend}`);
            assert.ok(
              !specAccepts(st, pretended),
              `pretending ${pretend}, by the SPEC §5 equation`,
            );
            // Control: the same pretence is accepted when it is the truth.
            const honest = statement(t, Q, parts, s, pretend, r, lo, hi);
            assert.ok(
              verifyRange(
                honest,
                proveRange(honest, pretend, r, randomRangeNonces(rng, pretend, lo, hi)),
              ),
            );
          },
        ),
        { numRuns },
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------

void describe('whole ballots', () => {
  const mayorOptions = ['kim', 'lee', 'park', 'choi', 'jung'];
  const councilOptions = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
  const manifest = parseManifest({
    spec: 'hanpyo/1',
    electionId: 'properties-1',
    title: 'Property tests',
    opens: '2026-06-03T00:00:00Z',
    closes: '2026-06-03T12:00:00Z',
    revotePolicy: 'last',
    encryptionModes: ['client', 'edge'],
    commitmentIntervalSeconds: 3600,
    contests: [
      {
        contestId: 'mayor',
        title: 'Mayor',
        options: mayorOptions.map((optionId) => ({ optionId, title: optionId })),
        minSelections: 1,
        maxSelections: 1,
      },
      {
        contestId: 'council',
        title: 'Council',
        options: councilOptions.map((optionId) => ({ optionId, title: optionId })),
        minSelections: 0,
        maxSelections: 3,
      },
    ],
    ballotStyles: [
      { ballotStyleId: 'full', contestIds: ['mayor', 'council'] },
      { ballotStyleId: 'mayor-only', contestIds: ['mayor'] },
    ],
    districts: [
      { districtId: 'd-full', name: 'Full', ballotStyleId: 'full', registeredVoters: 100 },
      {
        districtId: 'd-mayor',
        name: 'Mayor only',
        ballotStyleId: 'mayor-only',
        registeredVoters: 100,
      },
    ],
    trustees: { count: 1, threshold: 1 },
    tokenIssuers: [],
    edgeSigners: [],
    ledgerSigners: [],
    witnesses: [],
  });

  interface Choice {
    districtId: 'd-full' | 'd-mayor';
    selections: PlaintextSelections;
  }
  /** Valid selections: one mayor, 0..3 council members (on the full style), any order. */
  const validChoice: fc.Arbitrary<Choice> = fc
    .record({
      full: fc.boolean(),
      mayor: fc.constantFrom(...mayorOptions),
      council: fc.shuffledSubarray(councilOptions, { maxLength: 3 }),
      omitEmptyCouncil: fc.boolean(),
    })
    .map(({ full, mayor, council, omitEmptyCouncil }): Choice => {
      if (!full) return { districtId: 'd-mayor', selections: { mayor: [mayor] } };
      if (council.length === 0 && omitEmptyCouncil)
        return { districtId: 'd-full', selections: { mayor: [mayor] } };
      return { districtId: 'd-full', selections: { mayor: [mayor], council } };
    });

  /** The 0/1 value each selection of the ballot must decrypt to. */
  function expectedValues(c: Choice): number[][] {
    const mayor = mayorOptions.map((o) => (c.selections['mayor']!.includes(o) ? 1 : 0));
    if (c.districtId === 'd-mayor') return [mayor];
    const council = c.selections['council'] ?? [];
    return [mayor, councilOptions.map((o) => (council.includes(o) ? 1 : 0))];
  }

  function contextFor(s: Scalar): ElectionContext {
    return electionContext(manifest, group().mulBase(s));
  }

  type FieldKind =
    'alpha' | 'beta' | 'proof.c' | 'proof.z' | 'limitProof.c' | 'limitProof.z' | 'nullifier';
  interface FieldPick {
    readonly kind: FieldKind;
    readonly contest: number;
    readonly selection: number;
    readonly branch: number;
    readonly bit: number;
  }
  const fieldPick: fc.Arbitrary<FieldPick> = fc.record({
    kind: fc.constantFrom<FieldKind>(
      'alpha',
      'beta',
      'proof.c',
      'proof.z',
      'limitProof.c',
      'limitProof.z',
      'nullifier',
    ),
    contest: fc.nat(),
    selection: fc.nat(),
    branch: fc.nat(),
    bit: fc.integer({ min: 0, max: 255 }),
  });

  /** Decodes 32 bytes of base64url, flips one bit, re-encodes (canonically). */
  function flipBit(value: string, bitIndex: number): string {
    const bytes = fromBase64url(value, 32);
    bytes[bitIndex >> 3]! ^= 1 << (bitIndex & 7);
    return base64url(bytes);
  }

  /**
   * A copy of `ballot` with one bit of the picked field flipped; `owner` is the JSON path under
   * which checkBallot must report it (the selection, or the limit proof).
   */
  function withFlippedBit(
    ballot: EncryptedBallot,
    p: FieldPick,
  ): { tampered: EncryptedBallot; field: string; owner: string } {
    const b = structuredClone(ballot);
    if (p.kind === 'nullifier') {
      b.nullifier = flipBit(b.nullifier, p.bit);
      return { tampered: b, field: '$.nullifier', owner: '$' };
    }
    const ci = p.contest % b.contests.length;
    const contest = b.contests[ci]!;
    const cpath = `$.contests[${ci}]`;
    if (p.kind === 'limitProof.c' || p.kind === 'limitProof.z') {
      const list = p.kind === 'limitProof.c' ? contest.limitProof.c : contest.limitProof.z;
      const k = p.branch % list.length;
      list[k] = flipBit(list[k]!, p.bit);
      return { tampered: b, field: `${cpath}.${p.kind}[${k}]`, owner: `${cpath}.limitProof` };
    }
    const si = p.selection % contest.selections.length;
    const sel = contest.selections[si]!;
    const spath = `${cpath}.selections[${si}]`;
    switch (p.kind) {
      case 'alpha':
        sel.alpha = flipBit(sel.alpha, p.bit);
        return { tampered: b, field: `${spath}.alpha`, owner: spath };
      case 'beta':
        sel.beta = flipBit(sel.beta, p.bit);
        return { tampered: b, field: `${spath}.beta`, owner: spath };
      case 'proof.c':
      case 'proof.z': {
        const list = p.kind === 'proof.c' ? sel.proof.c : sel.proof.z;
        const k = p.branch % list.length;
        list[k] = flipBit(list[k]!, p.bit);
        return { tampered: b, field: `${spath}.${p.kind}[${k}]`, owner: spath };
      }
    }
  }

  const describeIssues = (issues: readonly BallotIssue[]) => JSON.stringify(issues);

  onBothBackends(
    'a valid ballot checks clean and decrypts to its selections; flipping any bit of any field is reported',
    { sodium: 50, noble: 5 },
    (numRuns) => {
      fc.assert(
        fc.property(
          validChoice,
          scalar,
          bytes32,
          seed,
          fieldPick,
          (choice, s, nullifier, sd, pick) => {
            const election = contextFor(s);
            const voter = { districtId: choice.districtId, nullifier };
            const ballot = encryptBallot(
              election,
              voter,
              choice.selections,
              randomBallotNonces(deterministicRandom(sd)),
            );
            // The ballot matches its contract and passes every check, with and without the voter.
            assert.deepEqual(parseEncryptedBallot(ballot), ballot);
            assert.deepEqual(checkBallot(election, ballot), []);
            assert.deepEqual(checkBallot(election, ballot, voter), []);
            // Each selection decrypts (single-trustee key s) to its 0/1 value.
            const expected = expectedValues(choice);
            assert.deepEqual(
              ballot.contests.map((c) =>
                c.selections.map((sel) =>
                  discreteLog(
                    decrypt(
                      s,
                      pointFromText(sel.alpha),
                      pointFromText(sel.beta, { allowIdentity: true }),
                    ),
                    1,
                  ),
                ),
              ),
              expected,
            );

            // One flipped bit anywhere is reported where it is, never thrown.
            const { tampered, field, owner } = withFlippedBit(ballot, pick);
            const issues = checkBallot(election, tampered);
            assert.ok(issues.length > 0, `flipped bit ${pick.bit} of ${field} went unnoticed`);
            assert.ok(
              issues.some((i) => i.path.startsWith(owner)),
              `${field}: no issue under ${owner}: ${describeIssues(issues)}`,
            );
            if (pick.kind === 'nullifier') {
              // Binding the nullifier: every selection proof and every limit proof now fails.
              const proofs = ballot.contests.reduce((n, c) => n + c.selections.length + 1, 0);
              assert.equal(issues.length, proofs, describeIssues(issues));
              assert.ok(
                issues.every((i) => i.code === 'PROOF_INVALID'),
                describeIssues(issues),
              );
            }
          },
        ),
        { numRuns },
      );
    },
  );

  onBothBackends(
    "a ballot checked for another voter's token is reported as BALLOT_VOTER",
    { sodium: 20, noble: 3 },
    (numRuns) => {
      fc.assert(
        fc.property(
          validChoice,
          scalar,
          bytes32,
          bytes32,
          seed,
          (choice, s, nullifier, other, sd) => {
            fc.pre(base64url(nullifier) !== base64url(other));
            const election = contextFor(s);
            const ballot = encryptBallot(
              election,
              { districtId: choice.districtId, nullifier },
              choice.selections,
              randomBallotNonces(deterministicRandom(sd)),
            );
            const issues = checkBallot(election, ballot, {
              districtId: choice.districtId,
              nullifier: other,
            });
            assert.deepEqual(
              issues.map((i) => [i.code, i.path]),
              [['BALLOT_VOTER', '$']],
            );
          },
        ),
        { numRuns },
      );
    },
  );

  onBothBackends(
    'aggregates of encrypted ballots decrypt to the per-option counts',
    { sodium: 20, noble: 2 },
    (numRuns) => {
      const fullChoice = validChoice.filter((c) => c.districtId === 'd-full');
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fullChoice, bytes32), { minLength: 1, maxLength: 4 }),
          scalar,
          seed,
          (voters, s, sd) => {
            const g = group();
            const election = contextFor(s);
            const rng = deterministicRandom(sd);
            const A = [mayorOptions.map(() => IDENTITY), councilOptions.map(() => IDENTITY)];
            const B = [mayorOptions.map(() => IDENTITY), councilOptions.map(() => IDENTITY)];
            const counts = [mayorOptions.map(() => 0), councilOptions.map(() => 0)];
            for (const [choice, nullifier] of voters) {
              const ballot = encryptBallot(
                election,
                { districtId: choice.districtId, nullifier },
                choice.selections,
                randomBallotNonces(rng),
              );
              expectedValues(choice).forEach((values, ci) =>
                values.forEach((v, oi) => (counts[ci]![oi]! += v)),
              );
              ballot.contests.forEach((c, ci) =>
                c.selections.forEach((sel, oi) => {
                  A[ci]![oi] = g.add(A[ci]![oi]!, pointFromText(sel.alpha));
                  B[ci]![oi] = g.add(B[ci]![oi]!, pointFromText(sel.beta, { allowIdentity: true }));
                }),
              );
            }
            const decrypted = A.map((row, ci) =>
              row.map((a, oi) => discreteLog(decrypt(s, a, B[ci]![oi]!), voters.length)),
            );
            assert.deepEqual(decrypted, counts);
            assert.equal(
              counts[0]!.reduce((x, y) => x + y, 0),
              voters.length,
              'one mayor per ballot',
            );
          },
        ),
        { numRuns },
      );
    },
  );

  /** Selections that break the ballot style, each with the reason. */
  const invalidChoice: fc.Arbitrary<Choice & { reason: string }> = fc.oneof(
    fc
      .string({ maxLength: 8 })
      .filter((x) => !mayorOptions.includes(x))
      .map((x) => ({
        districtId: 'd-full' as const,
        selections: { mayor: [x] },
        reason: 'unknown option',
      })),
    fc
      .tuple(fc.constantFrom(...mayorOptions), fc.constantFrom(...councilOptions))
      .map(([mayor, council]) => ({
        districtId: 'd-full' as const,
        selections: { mayor: [council], council: [mayor] },
        reason: 'options of the other contest',
      })),
    fc.shuffledSubarray(councilOptions, { minLength: 4 }).map((council) => ({
      districtId: 'd-full' as const,
      selections: { mayor: ['kim'], council },
      reason: 'more than maxSelections',
    })),
    fc.shuffledSubarray(mayorOptions, { minLength: 2 }).map((mayor) => ({
      districtId: 'd-mayor' as const,
      selections: { mayor },
      reason: 'two mayors',
    })),
    fc.constantFrom<Choice['districtId']>('d-full', 'd-mayor').map((districtId) => ({
      districtId,
      selections: { mayor: [] },
      reason: 'fewer than minSelections',
    })),
    fc.constantFrom<Choice['districtId']>('d-full', 'd-mayor').map((districtId) => ({
      districtId,
      selections: {},
      reason: 'a contest left out that needs one selection',
    })),
    fc
      .tuple(
        fc.constantFrom(...mayorOptions),
        fc.shuffledSubarray(councilOptions, { minLength: 1, maxLength: 2 }),
        fc.nat(),
      )
      .map(([mayor, council, i]) => ({
        districtId: 'd-full' as const,
        selections: { mayor: [mayor], council: [...council, council[i % council.length]!] },
        reason: 'a duplicate option',
      })),
    fc.constantFrom(...mayorOptions).map((mayor) => ({
      districtId: 'd-full' as const,
      selections: { mayor: [mayor, mayor] },
      reason: 'the same mayor twice',
    })),
    fc
      .tuple(
        fc.constantFrom(...mayorOptions),
        fc.shuffledSubarray(councilOptions, { maxLength: 3 }),
      )
      .map(([mayor, council]) => ({
        districtId: 'd-mayor' as const,
        selections: { mayor: [mayor], council },
        reason: "a contest not on the district's ballot",
      })),
    fc.constantFrom(...mayorOptions).map((mayor) => ({
      districtId: 'd-full' as const,
      selections: { mayor: [mayor], senate: [] },
      reason: 'a contest not in the manifest',
    })),
  );

  onBothBackends(
    'selections that break the ballot style throw SELECTION_INVALID',
    { sodium: 200, noble: 50 },
    (numRuns) => {
      // Nothing is encrypted before the selections are checked: one context serves every run.
      const election = contextFor(0x5eedn);
      fc.assert(
        fc.property(invalidChoice, bytes32, seed, (choice, nullifier, sd) => {
          assert.throws(
            () =>
              encryptBallot(
                election,
                { districtId: choice.districtId, nullifier },
                choice.selections,
                randomBallotNonces(deterministicRandom(sd)),
              ),
            (e: unknown) => e instanceof CryptoError && e.code === 'SELECTION_INVALID',
            choice.reason,
          );
        }),
        { numRuns },
      );
    },
  );
});
