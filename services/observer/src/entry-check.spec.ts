// The observer's check of one board message: a real cast passes; an entry without a token, a token
// copied with another key's signature, a swapped proof response under a recomputed tracking code and
// re-signed cast, a stated tracking code that is not the ballot's, and messages the persister would
// dead-letter are each refused with their rule and code (alarms, never divergences).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { EncryptedBallot } from '@hanpyo/contracts';
import {
  base64url,
  confirmationClaim,
  deterministicRandom,
  electionContext,
  encryptBallot,
  group,
  initCrypto,
  randomBallotNonces,
  signCast,
  signToken,
  signingKeyFromSeed,
  trackingCode,
} from '@hanpyo/crypto';
import { authorizationContext } from '@hanpyo/counting';
import { FIXTURE_ISSUER, fixtureManifest } from '@hanpyo/crypto-testing';
import { checkBoardRecord } from './entry-check.js';
import type { EntryRules } from './entry-check.js';

const device = signingKeyFromSeed('device', new Uint8Array(32).fill(2));
const stranger = signingKeyFromSeed('device', new Uint8Array(32).fill(3));
const nullifier = new Uint8Array(32).fill(9);

const manifest = fixtureManifest({ electionId: 'obs-unit', options: ['a', 'b', 'c'] });

let rules: EntryRules;
let ballot: EncryptedBallot;
const token = signToken(
  {
    iss: 'registrar',
    aud: 'obs-unit',
    sub: base64url(nullifier),
    dst: 'd1',
    nbf: Date.parse('2026-06-03T00:00:00Z') / 1000,
    exp: Date.parse('2026-06-04T00:00:00Z') / 1000,
    jti: 'j1',
    cnf: confirmationClaim(device.publicKey),
  },
  FIXTURE_ISSUER,
);

before(async () => {
  await initCrypto();
  const rng = deterministicRandom('observer-entry-check');
  rules = {
    election: electionContext(manifest, group().mulBase(rng.scalar())),
    authorization: authorizationContext(manifest),
  };
  ballot = encryptBallot(
    rules.election,
    { districtId: 'd1', nullifier },
    { mayor: ['b'] },
    randomBallotNonces(rng),
  );
});

const at = Date.parse('2026-06-03T01:00:00Z');
const record = (value: string | null) => ({ partition: 2, offset: 41, value, timestamp: at });
/** A cast as the edge writes it: the ballot, the token, the device's signature. */
const cast = (b: EncryptedBallot, signer = device, code = trackingCode(b)) =>
  JSON.stringify({
    trackingCode: code,
    ballot: b,
    token,
    castSignature: signCast(signer, 'obs-unit', code),
  });

describe('checkBoardRecord', () => {
  it('passes an authorized cast with a valid ballot and states its leaf', () => {
    const code = trackingCode(ballot);
    assert.deepEqual(checkBoardRecord(rules, record(cast(ballot))), {
      partition: 2,
      offset: 41,
      trackingCode: code,
      districtId: 'd1',
      refusals: [],
    });
  });

  it('refuses a ballot written with no token or signature, and keeps its leaf', () => {
    const code = trackingCode(ballot);
    const checked = checkBoardRecord(rules, record(JSON.stringify({ trackingCode: code, ballot })));
    assert.equal(checked.trackingCode, code, 'still a leaf: the ledger includes it');
    assert.deepEqual(
      checked.refusals.map((r) => [r.rule, r.code]),
      [['token', 'TOKEN_MISSING']],
    );
  });

  it('refuses a real token copied beside a signature by another key', () => {
    const checked = checkBoardRecord(rules, record(cast(ballot, stranger)));
    assert.deepEqual(
      checked.refusals.map((r) => [r.rule, r.code]),
      [['cast-signature', 'CAST_SIGNATURE_INVALID']],
    );
  });

  it('refuses an authorized entry whose ballot proof is broken (re-signed after tampering)', () => {
    const tampered = structuredClone(ballot);
    const z = tampered.contests[0]!.selections[0]!.proof.z;
    [z[0], z[1]] = [z[1]!, z[0]!];
    const checked = checkBoardRecord(rules, record(cast(tampered)));
    assert.equal(checked.trackingCode, trackingCode(tampered));
    assert.deepEqual(
      checked.refusals.map((r) => [r.rule, r.code, r.path]),
      [['ballot', 'PROOF_INVALID', '$.contests[0].selections[0].proof']],
    );
  });

  it('refuses a stated tracking code that is not the ballot’s, even signed', () => {
    const checked = checkBoardRecord(rules, record(cast(ballot, device, 'ab'.repeat(32))));
    assert.deepEqual(
      checked.refusals.map((r) => r.code),
      ['TRACKING_CODE_MISMATCH'],
    );
    assert.equal(checked.trackingCode, 'ab'.repeat(32));
  });

  it('refuses a cast the board received after closes (a late entry)', () => {
    const late = { ...record(cast(ballot)), timestamp: Date.parse('2026-06-03T12:00:00.001Z') };
    assert.deepEqual(
      checkBoardRecord(rules, late).refusals.map((r) => [r.rule, r.code]),
      [['window', 'RECEIVED_AFTER_CLOSES']],
    );
  });

  it('leaves out what the persister dead-letters, and refuses it under the entry rule', () => {
    for (const value of [null, '', 'not json', '[]', '{"trackingCode":"x"}', '{"extra":1}']) {
      const checked = checkBoardRecord(rules, record(value));
      assert.equal(checked.trackingCode, null, String(value));
      assert.deepEqual(
        checked.refusals.map((r) => r.rule),
        ['entry'],
      );
    }
  });

  it('only decodes a ballot of a district it does not follow (skip), and still refuses junk', () => {
    const value = JSON.stringify({ trackingCode: 'ab'.repeat(32), ballot });
    const skipped = checkBoardRecord(rules, record(value), new Set(['d1']));
    assert.deepEqual(skipped, {
      partition: 2,
      offset: 41,
      trackingCode: 'ab'.repeat(32),
      districtId: 'd1',
      refusals: [],
      outside: true,
    });
    const followed = checkBoardRecord(rules, record(value), new Set(['d2']));
    assert.equal(followed.outside, undefined);
    assert.deepEqual(
      followed.refusals.map((r) => r.code),
      ['TRACKING_CODE_MISMATCH', 'TOKEN_MISSING'],
    );
    assert.deepEqual(
      checkBoardRecord(rules, record('not json'), new Set(['d1'])).refusals.map((r) => r.rule),
      ['entry'],
    );
  });
});
