// Decoding board messages, the one rule of the persister and the observer: what decodes to a
// SPEC §6 entry (revision 2: with the token and cast signature, each optional), and each reason a
// message is not one (grouped by reason; the persister dead-letters those).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { boardValueText, decodeBoardMessage } from './ballot.js';

type BoardMessage = Parameters<typeof decodeBoardMessage>[0];

const b64 = () => randomBytes(32).toString('base64url');
const ballot = {
  electionId: 'e1',
  ballotStyleId: 's1',
  districtId: 'd1',
  nullifier: b64(),
  contests: [
    {
      contestId: 'c1',
      selections: [{ optionId: 'a', alpha: b64(), beta: b64(), proof: { c: [b64()], z: [b64()] } }],
      limitProof: { c: [b64()], z: [b64()] },
    },
  ],
};
const code = 'ab'.repeat(32);
const at = Date.parse('2026-06-03T01:02:03.456Z');

function message(value: string | Uint8Array | null, timestamp = at): BoardMessage {
  return {
    partition: 3,
    offset: 42,
    value: typeof value === 'string' ? new Uint8Array(Buffer.from(value)) : value,
    timestamp,
  };
}

describe('decodeBoardMessage', () => {
  it('decodes {trackingCode, ballot} with the place and broker time into a board entry', () => {
    const d = decodeBoardMessage(message(JSON.stringify({ trackingCode: code, ballot })));
    assert.ok(d.ok);
    assert.deepEqual(d.entry, {
      partition: 3,
      offset: 42,
      receivedAt: '2026-06-03T01:02:03.456Z',
      trackingCode: code,
      ballot,
    });
  });

  it('decodes the token and cast signature beside the ballot (SPEC §6 revision 2)', () => {
    const token = 'h.p.s';
    const castSignature = 'A'.repeat(86);
    const d = decodeBoardMessage(
      message(JSON.stringify({ trackingCode: code, ballot, token, castSignature })),
    );
    assert.ok(d.ok);
    assert.equal(d.entry.token, token);
    assert.equal(d.entry.castSignature, castSignature);
  });

  it('reads back what boardValueText writes, with and without the token and signature', () => {
    const token = 'h.p.s';
    const castSignature = 'A'.repeat(86);
    const signed = boardValueText({ trackingCode: code, ballot, token, castSignature });
    assert.equal(signed, JSON.stringify({ trackingCode: code, ballot, token, castSignature }));
    const d = decodeBoardMessage(message(signed));
    assert.ok(d.ok);
    assert.deepEqual(
      [d.entry.trackingCode, d.entry.token, d.entry.castSignature],
      [code, token, castSignature],
    );
    const bare = boardValueText({ trackingCode: code, ballot });
    assert.equal(bare, JSON.stringify({ trackingCode: code, ballot }));
  });

  it('takes text as well as bytes', () => {
    const d = decodeBoardMessage({
      partition: 0,
      offset: 0,
      value: JSON.stringify({ trackingCode: code, ballot }),
      timestamp: at,
    });
    assert.ok(d.ok);
  });

  it('leaves the tracking code unchecked against the ballot (SPEC §6 rule 1 is the counting core’s)', () => {
    const d = decodeBoardMessage(
      message(JSON.stringify({ trackingCode: 'cd'.repeat(32), ballot })),
    );
    assert.ok(d.ok);
  });

  describe('dead-letters, by reason', () => {
    const reason = (m: BoardMessage) => {
      const d = decodeBoardMessage(m);
      assert.ok(!d.ok);
      assert.ok(d.detail.length > 0 && d.detail.length <= 500);
      return d.reason;
    };

    it('ENTRY_EMPTY: no value, or an empty one', () => {
      assert.equal(reason(message(null)), 'ENTRY_EMPTY');
      assert.equal(reason(message('')), 'ENTRY_EMPTY');
    });

    it('ENTRY_NOT_JSON: invalid UTF-8, or not JSON', () => {
      assert.equal(reason(message(new Uint8Array([0x7b, 0xff, 0x7d]))), 'ENTRY_NOT_JSON');
      assert.equal(reason(message('{"trackingCode":')), 'ENTRY_NOT_JSON');
      assert.equal(reason(message('ballot')), 'ENTRY_NOT_JSON');
    });

    it('ENTRY_MALFORMED: not an object, extra or missing members, a bad shape, no time', () => {
      assert.equal(reason(message('[1,2]')), 'ENTRY_MALFORMED');
      assert.equal(reason(message('null')), 'ENTRY_MALFORMED');
      assert.equal(
        reason(message(JSON.stringify({ trackingCode: code, ballot, offset: 1 }))),
        'ENTRY_MALFORMED',
      );
      assert.equal(reason(message(JSON.stringify({ ballot }))), 'ENTRY_MALFORMED');
      // A token or signature that is not a string, or far too long to be one.
      assert.equal(
        reason(message(JSON.stringify({ trackingCode: code, ballot, token: 7 }))),
        'ENTRY_MALFORMED',
      );
      assert.equal(
        reason(message(JSON.stringify({ trackingCode: code, ballot, token: 'x'.repeat(5000) }))),
        'ENTRY_MALFORMED',
      );
      assert.equal(
        reason(message(JSON.stringify({ trackingCode: code, ballot, castSignature: {} }))),
        'ENTRY_MALFORMED',
      );
      assert.equal(
        reason(message(JSON.stringify({ trackingCode: code.toUpperCase(), ballot }))),
        'ENTRY_MALFORMED',
      );
      assert.equal(
        reason(
          message(JSON.stringify({ trackingCode: code, ballot: { ...ballot, contests: [] } })),
        ),
        'ENTRY_MALFORMED',
      );
      assert.equal(
        reason(message(JSON.stringify({ trackingCode: code, ballot }), Number.NaN)),
        'ENTRY_MALFORMED',
      );
    });

    it('never quotes the value in the detail', () => {
      const d = decodeBoardMessage(message('SECRET-selection'));
      assert.ok(!d.ok);
      assert.doesNotMatch(d.detail, /SECRET/);
    });

    it('names paths, never ballot values, in the detail', () => {
      const secretish = { ...ballot, nullifier: 'not-a-nullifier-SECRET' };
      const d = decodeBoardMessage(
        message(JSON.stringify({ trackingCode: code, ballot: secretish })),
      );
      assert.ok(!d.ok);
      assert.match(d.detail, /\$\.ballot\.nullifier/);
      assert.doesNotMatch(d.detail, /SECRET/);
    });
  });
});
