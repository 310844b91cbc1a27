// docs/vectors/hanpyo-v1.json: current (regenerating gives the same bytes) and self-consistent
// (every vector checks with the library's own verifiers, nonces reproduce every proof).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import type { EncryptedBallot, Manifest, Receipt } from '@hanpyo/contracts';
import { parseBoardEntry } from '@hanpyo/contracts';
import { authorizationContext, authorizeEntry } from '@hanpyo/counting';
import {
  castDigest,
  isEd25519PublicKey,
  signCast,
  signingKeyFromSeed,
  toHex,
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
    revision2: {
      deviceSeedHex: string;
      token: string;
      castDigest: string;
      castSignature: string;
      authorizedEntry: unknown;
      refusedEntries: { why: string; rule: string; code: string; entry: unknown }[];
      invalidDeviceKeys: { x: string; why: string }[];
    };
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

  it('revision 2: the token, cast digest and signature rebuild, each entry is judged as stated', () => {
    const r = v.revision2;
    const manifest = v.manifest.manifest;
    const context = authorizationContext(manifest);
    const device = signingKeyFromSeed('device', fromHex(r.deviceSeedHex, 32));
    const entry = parseBoardEntry(r.authorizedEntry);
    assert.equal(entry.token, r.token);
    assert.equal(toHex(castDigest(manifest.electionId, entry.trackingCode)), r.castDigest);
    assert.equal(signCast(device, manifest.electionId, entry.trackingCode), r.castSignature);
    assert.equal(authorizeEntry(context, entry).authorized, true);
    assert.ok(r.refusedEntries.length >= 8);
    for (const x of r.refusedEntries) {
      const a = authorizeEntry(context, parseBoardEntry(x.entry));
      assert.equal(a.authorized, false, x.why);
      if (!a.authorized)
        assert.deepEqual(
          a.refusals.map((f) => [f.rule, f.code]),
          [[x.rule, x.code]],
          x.why,
        );
    }
    for (const k of r.invalidDeviceKeys)
      assert.equal(isEd25519PublicKey(fromBase64url(k.x, 32)), false, k.why);
  });
});
