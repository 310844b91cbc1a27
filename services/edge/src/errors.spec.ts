// The edge's error mappings: every token refusal, ballot issue class and board failure gets its
// stable code and status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BallotIssue } from '@hanpyo/crypto';
import type { Refusal } from '@hanpyo/counting';
import { KafkaAdapterError } from '@hanpyo/kafka';
import { HTTP_STATUS, RETRY_AFTER_MAX_SECONDS, RETRY_AFTER_MIN_SECONDS } from '@hanpyo/service-kit';
import { BoardWriterError } from './board-writer.js';
import { ballotError, boardError, refusalError } from './errors.js';

describe('refusalError', () => {
  const token = (code: string): Refusal => ({ rule: 'token', code, message: 'why' });
  const cases: [Refusal, string, number][] = [
    [token('TOKEN_MALFORMED'), 'TOKEN_INVALID', 401],
    [token('TOKEN_UNKNOWN_KEY'), 'TOKEN_INVALID', 401],
    [token('TOKEN_SIGNATURE'), 'TOKEN_INVALID', 401],
    [token('TOKEN_DISTRICT'), 'TOKEN_INVALID', 401],
    [token('TOKEN_MISSING'), 'TOKEN_MISSING', 401],
    [token('TOKEN_EXPIRED'), 'TOKEN_EXPIRED', 401],
    [token('TOKEN_NOT_YET_VALID'), 'TOKEN_NOT_YET_VALID', 401],
    [token('TOKEN_AUDIENCE'), 'TOKEN_AUDIENCE', 401],
    [token('TOKEN_CNF'), 'TOKEN_CNF', 401],
    [token('DISTRICT_MISMATCH'), 'DISTRICT_MISMATCH', 403],
    [token('VOTER_MISMATCH'), 'VOTER_MISMATCH', 403],
    [
      { rule: 'cast-signature', code: 'CAST_SIGNATURE_MISSING', message: 'why' },
      'CAST_SIGNATURE_MISSING',
      400,
    ],
    [
      { rule: 'cast-signature', code: 'CAST_SIGNATURE_MALFORMED', message: 'why' },
      'CAST_SIGNATURE_MALFORMED',
      400,
    ],
    [
      { rule: 'cast-signature', code: 'CAST_SIGNATURE_INVALID', message: 'why' },
      'CAST_SIGNATURE_INVALID',
      401,
    ],
    [
      { rule: 'window', code: 'RECEIVED_AFTER_CLOSES', message: 'why' },
      'RECEIVED_OUTSIDE_WINDOW',
      403,
    ],
  ];
  for (const [refusal, to, status] of cases) {
    it(`${refusal.code} → ${status} ${to}`, () => {
      const e = refusalError(refusal);
      assert.equal(e.code, to);
      assert.equal(HTTP_STATUS[e.code], status);
    });
  }

  it('after the write, any refusal is RECEIVED_OUTSIDE_WINDOW and says the ballot will not count', () => {
    for (const code of ['RECEIVED_AFTER_CLOSES', 'TOKEN_EXPIRED']) {
      const e = refusalError({ rule: 'window', code, message: 'why' }, true);
      assert.equal(e.code, 'RECEIVED_OUTSIDE_WINDOW');
      assert.match(e.message, /not be counted/);
    }
  });
});

describe('ballotError', () => {
  const issue = (code: BallotIssue['code'], path = '$.x'): BallotIssue => ({
    code,
    path,
    message: 'bad',
  });

  it('reports an invalid proof as 400 PROOF_INVALID with where it is', () => {
    const e = ballotError([issue('PROOF_INVALID', '$.contests[0].selections[1].proof')]);
    assert.equal(e.code, 'PROOF_INVALID');
    assert.equal(HTTP_STATUS[e.code], 400);
    assert.equal(e.message, '$.contests[0].selections[1].proof: bad');
  });

  for (const code of [
    'POINT_INVALID',
    'POINT_IDENTITY',
    'SCALAR_NONCANONICAL',
    'BASE64URL_INVALID',
    'LENGTH_INVALID',
  ] as const) {
    it(`reports ${code} as 400 ENCODING_INVALID`, () => {
      assert.equal(ballotError([issue(code)]).code, 'ENCODING_INVALID');
    });
  }

  for (const code of [
    'BALLOT_STRUCTURE',
    'BALLOT_STYLE',
    'BALLOT_DISTRICT',
    'BALLOT_ELECTION',
  ] as const) {
    it(`reports ${code} as 400 BALLOT_INVALID`, () => {
      assert.equal(ballotError([issue(code)]).code, 'BALLOT_INVALID');
    });
  }

  it('reports the unparseable before the invalid, and counts the rest', () => {
    const e = ballotError([issue('PROOF_INVALID', '$.a'), issue('POINT_INVALID', '$.b')]);
    assert.equal(e.code, 'ENCODING_INVALID');
    assert.equal(e.message, '$.b: bad (and 1 more issue(s))');
  });

  it('needs an issue', () => {
    assert.throws(() => ballotError([]), RangeError);
  });
});

describe('boardError', () => {
  /** `retryAfter` 1: a jittered Retry-After of 1–3 s (service-kit retry-after.ts). */
  const check = (e: unknown, code: string, retryAfter: number | undefined) => {
    const api = boardError(e);
    assert.equal(api.code, code);
    if (retryAfter === undefined) assert.equal(api.retryAfterSeconds, undefined);
    else
      assert.ok(
        api.retryAfterSeconds !== undefined &&
          api.retryAfterSeconds >= RETRY_AFTER_MIN_SECONDS &&
          api.retryAfterSeconds <= RETRY_AFTER_MAX_SECONDS,
        `Retry-After ${api.retryAfterSeconds}`,
      );
  };

  it('sheds a full queue as 503 OVERLOADED with Retry-After', () => {
    check(new BoardWriterError('QUEUE_FULL', 'x'), 'OVERLOADED', 1);
    assert.equal(HTTP_STATUS.OVERLOADED, 503);
  });

  it('asks for a retry when shutting down or when the broker is slow', () => {
    check(new BoardWriterError('CLOSED', 'x'), 'UNAVAILABLE', 1);
    check(new BoardWriterError('TIMEOUT', 'x'), 'UNAVAILABLE', 1);
    assert.equal(HTTP_STATUS.UNAVAILABLE, 503);
  });

  it('maps a retriable Kafka failure to 503 UNAVAILABLE and any other to INTERNAL', () => {
    check(new KafkaAdapterError('KAFKA_NOT_ENOUGH_REPLICAS', true, 'x'), 'UNAVAILABLE', 1);
    check(new KafkaAdapterError('KAFKA_REJECTED', false, 'x'), 'INTERNAL', undefined);
    check(new Error('unknown'), 'INTERNAL', undefined);
    check(new BoardWriterError('ACK_MISSING', 'x'), 'UNAVAILABLE', 1);
  });
});
