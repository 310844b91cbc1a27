// docs/vectors/hanpyo-v1.json: current (regenerating gives the same bytes) and self-consistent
// (every vector checks with the library's own verifiers, nonces reproduce every proof).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { EncryptedBallot, Manifest, Receipt } from '@hanpyo/contracts';
import {
  checkBallot,
  checkCeremony,
  discreteLog,
  electionContext,
  encryptBallot,
  fromBase64url,
  fromHex,
  initCrypto,
  pointFromText,
  scalarFromText,
  verifyReceipt,
} from '@hanpyo/crypto';
import type { CryptoError } from '@hanpyo/crypto';
import { assertCommitmentsReproduce, vectorNonceSource } from '@hanpyo/crypto-testing';
import type { PublishedCeremony, PublishedNonces } from '@hanpyo/crypto-testing';
import {
  leafHash,
  verifyBlockSignatures,
  verifyChain,
  verifyConsistency,
  verifyInclusion,
} from '@hanpyo/ledger';
import type { SignedBlock } from '@hanpyo/contracts';
import { buildVectors } from './vectors.js';

const path = new URL('../../../docs/vectors/hanpyo-v1.json', import.meta.url);
type Nonces = Record<string, PublishedNonces>;
interface Published {
  vectors: {
    manifest: { manifest: Manifest; manifestHash: string };
    ceremony: PublishedCeremony;
    ballots: {
      choice: Record<string, string[]>;
      nonces: { selections: Record<string, Nonces>; limits: Nonces };
      ballot: EncryptedBallot;
      trackingCode: string;
    }[];
    receipt: { receipt: Receipt };
    blocks: (SignedBlock & { blockHash: string })[];
    merkle: {
      leaves: string[];
      roots: string[];
      inclusion: { index: number; treeSize: number; proof: string[] }[];
      consistency: { fromSize: number; toSize: number; proof: string[] }[];
    };
    dlog: { M: string; max: number; count: number };
    invalid: {
      points: { text: string; code: string }[];
      scalars: { text: string; code: string }[];
    };
  };
}
const hex = (text: string) => fromHex(text);
const published = JSON.parse(readFileSync(path, 'utf8')) as Published;
const v = published.vectors;

before(async () => {
  await initCrypto();
});

describe('docs/vectors/hanpyo-v1.json', () => {
  it('is what `hanpyo vectors` generates today (run `npm run vectors` after a change)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(buildVectors())), published);
  });

  it('ceremony: published coefficients and nonces reproduce every commitment and proof', () => {
    const mh = fromHex(v.manifest.manifestHash);
    assertCommitmentsReproduce(mh, v.ceremony.trustees);
    assert.deepEqual(checkCeremony(mh, v.manifest.manifest.trustees, v.ceremony), []);
  });

  it('ballots: nonces reproduce each ballot, and each verifies', () => {
    const election = electionContext(v.manifest.manifest, pointFromText(v.ceremony.jointPublicKey));
    for (const b of v.ballots) {
      const source = vectorNonceSource({
        selection: (contestId, optionId) => b.nonces.selections[contestId]?.[optionId],
        limit: (contestId) => b.nonces.limits[contestId],
      });
      const again = encryptBallot(
        election,
        { districtId: b.ballot.districtId, nullifier: fromBase64url(b.ballot.nullifier, 32) },
        b.choice,
        source,
      );
      assert.deepEqual(again, b.ballot);
      assert.deepEqual(checkBallot(election, b.ballot), []);
    }
    assert.ok(verifyReceipt(v.receipt.receipt, v.manifest.manifest.edgeSigners));
  });

  it('blocks: chain and signatures verify', () => {
    assert.deepEqual(
      verifyChain(
        v.blocks.map((b) => b.block),
        v.ceremony.Q,
        { manifest: v.manifest.manifest, requireFinal: true },
      ),
      [],
    );
    for (const b of v.blocks)
      assert.equal(
        verifyBlockSignatures({ block: b.block, signatures: b.signatures }, v.manifest.manifest)
          .valid,
        true,
      );
  });

  it('merkle: every inclusion and consistency proof verifies', () => {
    const root = hex(v.merkle.roots[6]!);
    v.merkle.inclusion.forEach((p, i) => {
      assert.ok(
        verifyInclusion(
          leafHash(hex(v.merkle.leaves[i]!)),
          p.index,
          p.treeSize,
          p.proof.map(hex),
          root,
        ),
      );
    });
    for (const p of v.merkle.consistency) {
      assert.ok(
        verifyConsistency(
          p.fromSize,
          p.toSize,
          hex(v.merkle.roots[p.fromSize - 1]!),
          root,
          p.proof.map(hex),
        ),
      );
    }
  });

  it('dlog and invalid encodings', () => {
    assert.equal(discreteLog(pointFromText(v.dlog.M), v.dlog.max), v.dlog.count);
    for (const p of v.invalid.points) {
      assert.throws(
        () => pointFromText(p.text),
        (e: CryptoError) => e.code === p.code,
      );
    }
    for (const s of v.invalid.scalars) {
      assert.throws(
        () => scalarFromText(s.text),
        (e: CryptoError) => e.code === s.code,
      );
    }
  });
});
