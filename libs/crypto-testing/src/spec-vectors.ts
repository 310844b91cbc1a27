// Known-answer vectors of SPEC.md (vectors/spec-v1.json, a copy of ../shared/vectors/spec-v1.json
// made by an implementation written apart from this project, nonces given by role), as a suite run
// against each group backend: every construction is reproduced byte for byte with it active.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseManifest } from '@hanpyo/contracts';
import type { EncryptedBallot } from '@hanpyo/contracts';
import {
  checkBallot,
  checkCeremony,
  combinePartialDecryptions,
  discreteLog,
  electionContext,
  encryptBallot,
  evaluatePolynomial,
  fromBase64url,
  fromHex,
  jointPublicKey,
  lagrangeCoefficient,
  manifestHashHex,
  mod,
  partialDecrypt,
  pointFromText,
  pointToText,
  publicShare,
  receiptDigest,
  scalarFromText,
  scalarToText,
  signReceipt,
  signingKeyFromSeed,
  toHex,
  trackingCode,
  verifyPartialDecryption,
  verifyReceipt,
  withBackend,
} from '@hanpyo/crypto';
import { loadBackendUnderTest } from './backend.js';
import type { BackendLoader } from './backend.js';
import { assertCommitmentsReproduce, vectorNonceSource } from './published.js';
import type { PublishedCeremony, PublishedNonces } from './published.js';

/** The parts of spec-v1.json the suite reads. */
export interface SpecVectors {
  vectors: {
    hash: {
      tag: string;
      parts: ({ utf8: string } | { u64: number | string } | { hex: string })[];
      H: string;
      Hs: string;
    };
    manifest: { manifest: unknown; manifestHash: string; ed25519SeedsHex: Record<string, string> };
    ceremony: PublishedCeremony & {
      secretShares: Record<string, string>;
      publicShares: Record<string, string>;
    };
    ballot: {
      choice: Record<string, string[]>;
      /** One contest: selection nonces by option id, and the contest limit's. */
      nonces: { selections: Record<string, PublishedNonces>; limit: PublishedNonces };
      ballot: EncryptedBallot;
      trackingCode: string;
    };
    receipt: { receipt: { signature: string } & Record<string, unknown>; signedDigest: string };
    decryption: {
      A: string;
      B: string;
      trusteesUsed: number[];
      lagrange: Record<string, string>;
      shares: { trustee: number; nonce: string; D: string; c: string; z: string }[];
      count: number;
    };
    dlog: { M: string; max: number; count: number };
  };
}

/** The vendored vectors/spec-v1.json at the repository root. */
export const SPEC_VECTORS_URL = new URL('../../../vectors/spec-v1.json', import.meta.url);

export const specVectors = JSON.parse(readFileSync(SPEC_VECTORS_URL, 'utf8')) as SpecVectors;

/** Registers "SPEC vectors (spec-v1.json) on the <name> backend". */
export function describeSpecVectorConformance(name: string, load: BackendLoader): void {
  const v = specVectors.vectors;
  describe(`SPEC vectors (spec-v1.json) on the ${name} backend`, async () => {
    const { backend, skip } = await loadBackendUnderTest(load);
    const run = <T>(f: () => T) => withBackend(backend, f);
    const manifest = parseManifest(v.manifest.manifest);
    const nonces = () =>
      vectorNonceSource({
        selection: (_contestId, optionId) => v.ballot.nonces.selections[optionId],
        limit: () => v.ballot.nonces.limit,
      });

    it('§2 manifest hash', { skip }, () => {
      assert.equal(manifestHashHex(manifest), v.manifest.manifestHash);
    });

    it('§3 ceremony: commitments, proofs, joint key, shares, Q', { skip }, () =>
      run(() => {
        const mh = fromHex(v.manifest.manifestHash);
        assertCommitmentsReproduce(mh, v.ceremony.trustees);
        const record = {
          trustees: v.ceremony.trustees.map(({ index, commitments, proofs }) => ({
            index,
            commitments,
            proofs,
          })),
          jointPublicKey: v.ceremony.jointPublicKey,
        };
        assert.deepEqual(checkCeremony(mh, manifest.trustees, record), []);
        assert.equal(pointToText(jointPublicKey(record)), v.ceremony.jointPublicKey);
        for (const [j, expected] of Object.entries(v.ceremony.secretShares)) {
          const s = mod(
            v.ceremony.trustees.reduce(
              (acc, t) => acc + evaluatePolynomial(t.coefficients.map(scalarFromText), Number(j)),
              0n,
            ),
          );
          assert.equal(scalarToText(s), expected);
          assert.equal(pointToText(publicShare(record, Number(j))), v.ceremony.publicShares[j]);
        }
        const election = electionContext(manifest, pointFromText(v.ceremony.jointPublicKey));
        assert.equal(toHex(election.Q), v.ceremony.Q);
      }),
    );

    it('§5 ballot encryption reproduces the ballot and its tracking code', { skip }, () =>
      run(() => {
        const election = electionContext(manifest, pointFromText(v.ceremony.jointPublicKey));
        const ballot = encryptBallot(
          election,
          {
            districtId: v.ballot.ballot.districtId,
            nullifier: fromBase64url(v.ballot.ballot.nullifier, 32),
          },
          v.ballot.choice,
          nonces(),
        );
        assert.deepEqual(ballot, v.ballot.ballot);
        assert.equal(trackingCode(ballot), v.ballot.trackingCode);
        assert.deepEqual(checkBallot(election, v.ballot.ballot), []);
      }),
    );

    it('§5 the vector ballot with two selections swapped is rejected', { skip }, () =>
      run(() => {
        const election = electionContext(manifest, pointFromText(v.ceremony.jointPublicKey));
        const tampered = structuredClone(v.ballot.ballot);
        const selections = tampered.contests[0]!.selections;
        const [s0, s1] = [selections[0]!, selections[1]!];
        // Each proof is bound to its own ciphertext: exchanging the ciphertexts breaks both.
        [s0.alpha, s1.alpha] = [s1.alpha, s0.alpha];
        [s0.beta, s1.beta] = [s1.beta, s0.beta];
        assert.notDeepEqual(checkBallot(election, tampered), []);
      }),
    );

    it('§7 receipt digest and signature', { skip }, () =>
      run(() => {
        const { signature, ...unsigned } = v.receipt.receipt;
        const digest = receiptDigest(unsigned as never);
        assert.equal(toHex(digest), v.receipt.signedDigest);
        const key = signingKeyFromSeed('edge-1', fromHex(v.manifest.ed25519SeedsHex.edge!));
        const { keyId: _k, ...rest } = unsigned as Record<string, unknown>;
        const signed = signReceipt(rest as never, key);
        assert.equal(signed.signature, signature);
        assert.ok(verifyReceipt(v.receipt.receipt as never, manifest.edgeSigners));
      }),
    );

    it('§9 partial decryptions, Lagrange coefficients, combination and count', { skip }, () =>
      run(() => {
        const d = v.decryption;
        const Q = fromHex(v.ceremony.Q);
        const A = pointFromText(d.A, { allowIdentity: true });
        const B = pointFromText(d.B, { allowIdentity: true });
        for (const [i, expected] of Object.entries(d.lagrange)) {
          assert.equal(scalarToText(lagrangeCoefficient(Number(i), d.trusteesUsed)), expected);
        }
        const record = { trustees: v.ceremony.trustees };
        for (const share of d.shares) {
          const s = scalarFromText(v.ceremony.secretShares[String(share.trustee)]!);
          const p = partialDecrypt(Q, share.trustee, s, A, scalarFromText(share.nonce));
          assert.equal(pointToText(p.D), share.D);
          assert.equal(scalarToText(p.c), share.c);
          assert.equal(scalarToText(p.z), share.z);
          assert.ok(verifyPartialDecryption(Q, publicShare(record, share.trustee), A, p));
        }
        const M = combinePartialDecryptions(
          B,
          d.shares.map((s) => ({ trustee: s.trustee, D: pointFromText(s.D) })),
        );
        assert.equal(discreteLog(M, 100), d.count);
      }),
    );

    it(`§9 discrete log up to the vector maximum (${v.dlog.max})`, { skip }, () =>
      run(() => {
        assert.equal(discreteLog(pointFromText(v.dlog.M), v.dlog.max), v.dlog.count);
      }),
    );
  });
}
