// Which driver errors mean "a newer publisher of this transactionalId exists", without a broker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { KafkaFencedError, isFencingError, valueDigest } from './fenced-publisher.js';

const { KafkaJSProtocolError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } = kafkajs;
/** A protocol error as kafkajs makes one from a broker's error code (its runtime shape). */
const protocolError = (fields: { type: string; code: number; message: string }) =>
  new KafkaJSProtocolError({ ...fields, retriable: false } as unknown as Error);
const protocol = (type: string, code: number) => protocolError({ type, code, message: type });

describe('isFencingError', () => {
  it('knows INVALID_PRODUCER_EPOCH, PRODUCER_FENCED and code 90, also wrapped', () => {
    assert.equal(isFencingError(protocol('INVALID_PRODUCER_EPOCH', 47)), true);
    assert.equal(isFencingError(protocol('PRODUCER_FENCED', 90)), true);
    assert.equal(
      isFencingError(
        protocolError({
          type: 'KAFKAJS_UNKNOWN_ERROR_CODE',
          code: -99,
          message: 'Unknown error code 90',
        }),
      ),
      true,
    );
    assert.equal(
      isFencingError(
        // kafkajs keeps the wrapped error only as `cause` (KafkaJSNonRetriableError(e, { cause })).
        Object.assign(new KafkaJSNonRetriableError('fenced'), {
          cause: protocol('INVALID_PRODUCER_EPOCH', 47),
        }),
      ),
      true,
    );
    assert.equal(
      isFencingError(
        new KafkaJSNumberOfRetriesExceeded(protocol('INVALID_PRODUCER_EPOCH', 47), {
          retryCount: 5,
          retryTime: 100,
        }),
      ),
      true,
    );
    assert.equal(isFencingError(new KafkaFencedError('fenced')), true);
  });

  it('is false for other failures', () => {
    assert.equal(isFencingError(protocol('NOT_ENOUGH_REPLICAS', 19)), false);
    assert.equal(isFencingError(protocol('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 53)), false);
    assert.equal(isFencingError(new Error('connection refused')), false);
    assert.equal(isFencingError('INVALID_PRODUCER_EPOCH'), false);
  });
});

describe('valueDigest', () => {
  it('is SHA-256 in hex, the same for a string and its bytes', () => {
    assert.equal(
      valueDigest('abc'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    assert.equal(valueDigest(Buffer.from('abc')), valueDigest('abc'));
  });
});
