// The edge's error mappings: every token refusal, ballot issue class and board failure gets its
// stable code and status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenError } from '@hanpyo/crypto';
import type { BallotIssue, TokenErrorCode } from '@hanpyo/crypto';
import { KafkaAdapterError } from '@hanpyo/kafka';
import { HTTP_STATUS } from '@hanpyo/service-kit';
import { BoardWriterError } from './board-writer.js';
import { ballotError, boardError, tokenError } from './errors.js';

describe('tokenError', () => {
  const cases: [TokenErrorCode, string][] = [
    ['TOKEN_MALFORMED', 'TOKEN_INVALID'],
    ['TOKEN_UNKNOWN_KEY', 'TOKEN_INVALID'],
    ['TOKEN_SIGNATURE', 'TOKEN_INVALID'],
    ['TOKEN_DISTRICT', 'TOKEN_INVALID'],
    ['TOKEN_EXPIRED', 'TOKEN_EXPIRED'],
    ['TOKEN_NOT_YET_VALID', 'TOKEN_NOT_YET_VALID'],
    ['TOKEN_AUDIENCE', 'TOKEN_AUDIENCE'],
  ];
  for (const [from, to] of cases) {
    it(`${from} → 401 ${to}`, () => {
      const e = tokenError(new TokenError(from, 'why'));
      assert.equal(e.code, to);
      assert.equal(HTTP_STATUS[e.code], 401);
      assert.equal(e.message, 'why');
    });
  }
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
  const check = (e: unknown, code: string, retryAfter: number | undefined) => {
    const api = boardError(e);
    assert.equal(api.code, code);
    assert.equal(api.retryAfterSeconds, retryAfter);
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
    check(new BoardWriterError('ACK_MISSING', 'x'), 'INTERNAL', undefined);
  });
});
