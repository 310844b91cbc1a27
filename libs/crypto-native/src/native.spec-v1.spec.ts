// Known-answer vectors of SPEC.md (vectors/spec-v1.json, a copy of ../shared/vectors/spec-v1.json made by an implementation
// written apart from this project) reproduced byte for byte with the native backend active, as
// libs/crypto/src/spec-v1.spec.ts does for noble and sodium. Skipped, with the reason, when the
// addon is not built.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseManifest } from '@hanpyo/contracts';
import type { EncryptedBallot } from '@hanpyo/contracts';
import {
  checkBallot,
  checkCeremony,
  combinePartialDecryptions,
  commitPolynomial,
  discreteLog,
  electionContext,
  encryptBallot,
  evaluatePolynomial,
  fromBase64url,
  fromHex,
  jointPublicKey,
  mod,
  partialDecrypt,
  pointFromText,
  pointToText,
  publicShare,
  scalarFromText,
  scalarToText,
  toHex,
  trackingCode,
  verifyPartialDecryption,
  withBackend,
} from '@hanpyo/crypto';
import type { BallotNonceSource } from '@hanpyo/crypto';
import { loadNativeBackend, nativeUnavailableReason } from './index.js';
import type { NativeBackend } from './index.js';

type Simulated = Record<string, { c: string; z: string }>;
interface Vectors {
  vectors: {
    manifest: { manifest: unknown; manifestHash: string };
    ceremony: {
      trustees: {
        index: number;
        coefficients: string[];
        pokNonces: string[];
        commitments: string[];
        proofs: { c: string; z: string }[];
      }[];
      jointPublicKey: string;
      secretShares: Record<string, string>;
      publicShares: Record<string, string>;
      Q: string;
    };
    ballot: {
      choice: Record<string, string[]>;
      nonces: {
        selections: Record<string, { r: string; w: string; simulated: Simulated }>;
        limit: { w: string; simulated?: Simulated };
      };
      ballot: EncryptedBallot;
      trackingCode: string;
    };
    decryption: {
      A: string;
      B: string;
      shares: { trustee: number; nonce: string; D: string; c: string; z: string }[];
      count: number;
    };
    dlog: { M: string; max: number; count: number };
  };
}

const v = (
  JSON.parse(
    readFileSync(new URL('../../../vectors/spec-v1.json', import.meta.url), 'utf8'),
  ) as Vectors
).vectors;

const loaded = await loadNativeBackend();
const skip: false | string = loaded
  ? false
  : `native backend unavailable (${nativeUnavailableReason() ?? 'unknown'}); build it with node libs/crypto-native/build.mjs`;
const native = loaded as NativeBackend;
const run = <T>(f: () => T) => withBackend(native, f);

function vectorNonces(): BallotNonceSource {
  const simulated = (s: Simulated | undefined) =>
    new Map(
      Object.entries(s ?? {}).map(([k, x]) => [
        Number(k),
        { c: scalarFromText(x.c), z: scalarFromText(x.z) },
      ]),
    );
  return {
    selection: (_contestId, optionId) => {
      const n = v.ballot.nonces.selections[optionId]!;
      return { r: scalarFromText(n.r), w: scalarFromText(n.w), simulated: simulated(n.simulated) };
    },
    limit: () => ({
      w: scalarFromText(v.ballot.nonces.limit.w),
      simulated: simulated(v.ballot.nonces.limit.simulated),
    }),
  };
}

describe('SPEC vectors (spec-v1.json) on the native backend', () => {
  const manifest = parseManifest(v.manifest.manifest);

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
        vectorNonces(),
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

  it('§3 ceremony: commitments, proofs, joint key, shares, Q', { skip }, () =>
    run(() => {
      const mh = fromHex(v.manifest.manifestHash);
      for (const t of v.ceremony.trustees) {
        const f = t.coefficients.map(scalarFromText);
        const published = commitPolynomial(mh, t.index, f, t.pokNonces.map(scalarFromText));
        assert.deepEqual(published.commitments, t.commitments);
        assert.deepEqual(published.proofs, t.proofs);
      }
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

  it('§9 partial decryptions, combination and count', { skip }, () =>
    run(() => {
      const d = v.decryption;
      const Q = fromHex(v.ceremony.Q);
      const A = pointFromText(d.A, { allowIdentity: true });
      const B = pointFromText(d.B, { allowIdentity: true });
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

  it('§9 discrete log up to the vector maximum', { skip }, () =>
    run(() => {
      assert.equal(discreteLog(pointFromText(v.dlog.M), v.dlog.max), v.dlog.count);
    }),
  );
});
