// Known-answer vectors of SPEC.md, from ../shared/vectors/spec-v1.json (made by an implementation
// written apart from this project, nonces given by role). Every construction is reproduced byte for
// byte, on both group backends.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { parseManifest } from '@hanpyo/contracts';
import type { EncryptedBallot } from '@hanpyo/contracts';
import { checkBallot, encryptBallot, trackingCode } from './ballot.js';
import type { BallotNonceSource } from './ballot.js';
import { fromBase64url, fromHex, toHex } from './bytes.js';
import {
  checkCeremony,
  commitPolynomial,
  evaluatePolynomial,
  jointPublicKey,
  publicShare,
} from './ceremony.js';
import { electionContext, manifestHashHex } from './election.js';
import {
  loadSodiumBackend,
  nobleBackend,
  pointFromText,
  pointToText,
  withBackend,
} from './group.js';
import type { GroupBackend } from './group.js';
import { receiptDigest, signReceipt, verifyReceipt } from './receipt.js';
import { mod, scalarFromText, scalarToText } from './scalar.js';
import { signingKeyFromSeed } from './signature.js';
import {
  combinePartialDecryptions,
  discreteLog,
  lagrangeCoefficient,
  partialDecrypt,
  verifyPartialDecryption,
} from './tally.js';

interface Vectors {
  vectors: {
    manifest: { manifest: unknown; manifestHash: string; ed25519SeedsHex: Record<string, string> };
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
        selections: Record<
          string,
          { r: string; w: string; simulated: Record<string, { c: string; z: string }> }
        >;
        limit: { w: string; simulated?: Record<string, { c: string; z: string }> };
      };
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

export const specVectors = JSON.parse(
  readFileSync(new URL('../../../vectors/spec-v1.json', import.meta.url), 'utf8'),
) as Vectors;
const v = specVectors.vectors;

// vectors/spec-v1.json is a copy of ../shared/vectors/spec-v1.json so a clone runs alone; when the
// shared original sits beside the checkout, the copy must not have drifted from it.
describe('vendored copy of spec-v1.json', () => {
  const upstream = new URL('../../../../shared/vectors/spec-v1.json', import.meta.url);
  it(
    'equals ../shared/vectors/spec-v1.json byte for byte',
    { skip: !existsSync(upstream) && 'no ../shared beside this checkout' },
    () => {
      assert.equal(
        readFileSync(new URL('../../../vectors/spec-v1.json', import.meta.url), 'utf8'),
        readFileSync(upstream, 'utf8'),
      );
    },
  );
});

function vectorNonces(): BallotNonceSource {
  const simulated = (s: Record<string, { c: string; z: string }> | undefined) =>
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

const backends: [string, () => Promise<GroupBackend>][] = [
  ['noble', () => Promise.resolve(nobleBackend)],
  ['sodium', loadSodiumBackend],
];

for (const [name, load] of backends) {
  describe(`SPEC vectors (spec-v1.json) on the ${name} backend`, () => {
    let backend: GroupBackend;
    before(async () => {
      backend = await load();
    });
    const run = <T>(f: () => T) => withBackend(backend, f);
    const manifest = parseManifest(v.manifest.manifest);

    it('§2 manifest hash', () => {
      assert.equal(manifestHashHex(manifest), v.manifest.manifestHash);
    });

    it('§3 ceremony: commitments, proofs, joint key, shares, Q', () =>
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
      }));

    it('§5 ballot encryption reproduces the ballot and its tracking code', () =>
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
      }));

    it('§7 receipt digest and signature', () => {
      const { signature, ...unsigned } = v.receipt.receipt;
      const digest = receiptDigest(unsigned as never);
      assert.equal(toHex(digest), v.receipt.signedDigest);
      const key = signingKeyFromSeed('edge-1', fromHex(v.manifest.ed25519SeedsHex.edge!));
      const { keyId: _k, ...rest } = unsigned as Record<string, unknown>;
      const signed = signReceipt(rest as never, key);
      assert.equal(signed.signature, signature);
      assert.ok(verifyReceipt(v.receipt.receipt as never, manifest.edgeSigners));
    });

    it('§9 partial decryptions, Lagrange coefficients, count', () =>
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
      }));

    it('§9 discrete log up to 10,000,000', () =>
      run(() => {
        assert.equal(discreteLog(pointFromText(v.dlog.M), v.dlog.max), v.dlog.count);
      }));
  });
}
