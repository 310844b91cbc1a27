// Known answers of SPEC revision 2 (../shared/vectors/spec-v1-rev2.json, vendored under vectors/):
// the cnf-bound token verifies, the cast digest and signature are rebuilt from the device seed, the
// authorized entry is authorized and countable, and each refused entry is refused for exactly the
// rule its "why" states. Also the spec-v1 manifest and ballot the revision builds on.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseBoardEntry, parseManifest } from '@hanpyo/contracts';
import type { BoardEntry, Manifest } from '@hanpyo/contracts';
import {
  castDigest,
  electionContext,
  fromHex,
  manifestHashHex,
  pointFromText,
  signCast,
  signingKeyFromSeed,
  base64url,
  toHex,
  trackingCode,
  verifyToken,
} from '@hanpyo/crypto';
import { authorizationContext, authorizeEntry } from './authorization.js';
import type { Refusal } from './authorization.js';
import { judgeEntry } from './entry.js';

const REV2_URL = new URL('../../../vectors/spec-v1-rev2.json', import.meta.url);
const V1_URL = new URL('../../../vectors/spec-v1.json', import.meta.url);

interface Rev2 {
  spec: string;
  vectors: {
    manifestWindow: { opens: string; closes: string; manifestHash: string };
    deviceSeedHex: string;
    token: string;
    claims: Record<string, unknown>;
    castDigest: string;
    castSignature: string;
    authorizedEntry: unknown;
    refusedEntries: { why: string; entry: unknown }[];
  };
}

const rev2 = (JSON.parse(readFileSync(REV2_URL, 'utf8')) as Rev2).vectors;
const v1 = (
  JSON.parse(readFileSync(V1_URL, 'utf8')) as {
    vectors: {
      manifest: { manifest: unknown };
      ceremony: { jointPublicKey: string };
      ballot: { ballot: unknown; trackingCode: string };
    };
  }
).vectors;
const manifest: Manifest = parseManifest({
  ...(v1.manifest.manifest as object),
  opens: rev2.manifestWindow.opens,
  closes: rev2.manifestWindow.closes,
});
const context = authorizationContext(manifest);
const election = electionContext(manifest, pointFromText(v1.ceremony.jointPublicKey));
const authorized = parseBoardEntry(rev2.authorizedEntry);

/** What each refused vector's "why" means in SPEC §6 terms: its rule and our stable code. */
const EXPECTED: Record<string, Pick<Refusal, 'rule' | 'code'>> = {
  'no token': { rule: 'token', code: 'TOKEN_MISSING' },
  'cast signed by another key': { rule: 'cast-signature', code: 'CAST_SIGNATURE_INVALID' },
  'token signed by an unknown issuer': { rule: 'token', code: 'TOKEN_SIGNATURE' },
  'token for another district': { rule: 'token', code: 'TOKEN_DISTRICT' },
  'token for another voter': { rule: 'token', code: 'VOTER_MISMATCH' },
  'received after closes': { rule: 'window', code: 'RECEIVED_AFTER_CLOSES' },
  'received before the token nbf': { rule: 'token', code: 'TOKEN_NOT_YET_VALID' },
};

describe('vendored copy of spec-v1-rev2.json', () => {
  const upstream = new URL('../../../../shared/vectors/spec-v1-rev2.json', import.meta.url);
  it(
    'equals ../shared/vectors/spec-v1-rev2.json byte for byte',
    { skip: !existsSync(upstream) && 'no ../shared beside this checkout' },
    () => {
      assert.equal(readFileSync(REV2_URL, 'utf8'), readFileSync(upstream, 'utf8'));
    },
  );
});

describe('SPEC revision 2 known answers (spec-v1-rev2.json)', () => {
  it('is the spec-v1 manifest with the given window and hash', () => {
    assert.equal(manifestHashHex(manifest), rev2.manifestWindow.manifestHash);
  });

  it('verifies the cnf-bound token (SPEC §4) and yields its claims and the device key', () => {
    const device = signingKeyFromSeed('device', fromHex(rev2.deviceSeedHex, 32));
    const { claims, deviceKey } = verifyToken(rev2.token, {
      issuers: manifest.tokenIssuers,
      audience: manifest.electionId,
      districts: new Set(manifest.districts.map((d) => d.districtId)),
      nowSeconds: Date.parse(authorized.receivedAt) / 1000,
    });
    assert.deepEqual(claims, rev2.claims);
    assert.equal(base64url(deviceKey), base64url(device.publicKey));
  });

  it('rebuilds the cast digest and signature (SPEC §5) from the device seed', () => {
    const device = signingKeyFromSeed('device', fromHex(rev2.deviceSeedHex, 32));
    assert.equal(trackingCode(authorized.ballot), authorized.trackingCode);
    assert.equal(toHex(castDigest(manifest.electionId, authorized.trackingCode)), rev2.castDigest);
    assert.equal(
      signCast(device, manifest.electionId, authorized.trackingCode),
      rev2.castSignature,
    );
    assert.equal(authorized.castSignature, rev2.castSignature);
    assert.equal(authorized.token, rev2.token);
  });

  it('authorizes the authorized entry (SPEC §6), and its ballot is valid: it is countable', () => {
    assert.deepEqual(authorizeEntry(context, authorized), {
      authorized: true,
      nullifier: authorized.ballot.nullifier,
      districtId: authorized.ballot.districtId,
    });
    assert.deepEqual(judgeEntry(election, context, authorized), {
      authorized: true,
      voter: { nullifier: authorized.ballot.nullifier, districtId: authorized.ballot.districtId },
      refusals: [],
    });
  });

  it('has a vector for every refusal we map, and no other', () => {
    assert.deepEqual(rev2.refusedEntries.map((r) => r.why).sort(), Object.keys(EXPECTED).sort());
  });

  for (const { why, entry } of rev2.refusedEntries) {
    it(`refuses "${why}" for that rule alone`, () => {
      const parsed: BoardEntry = parseBoardEntry(entry);
      const a = authorizeEntry(context, parsed);
      assert.equal(a.authorized, false);
      if (a.authorized) return;
      assert.deepEqual(
        a.refusals.map((r) => ({ rule: r.rule, code: r.code })),
        [EXPECTED[why]],
      );
      // A refused entry is never countable, and its ballot is not even looked at.
      assert.deepEqual(judgeEntry(election, context, parsed).refusals, a.refusals);
    });
  }

  it('keeps the spec-v1 ballot inside the entries', () => {
    assert.deepEqual(authorized.ballot, v1.ballot.ballot);
    assert.equal(authorized.trackingCode, v1.ballot.trackingCode);
  });
});
