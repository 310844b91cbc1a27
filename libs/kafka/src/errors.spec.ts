// classifyKafkaError on the failures of a secured cluster: refused credentials and refused ACLs are
// not retriable and have codes of their own, so a misconfigured deployment says so at once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { classifyKafkaError } from './errors.js';

const {
  KafkaJSAggregateError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSNumberOfRetriesExceeded,
} = kafkajs;
// kafkajs' typings declare no constructor argument; the class takes its message (scram.js does).
const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (
  message: string,
) => Error;

/** A broker's error response as kafkajs raises it (its protocol error table's shape). */
function protocolError(type: string, code: number): Error {
  const response = Object.assign(new Error(`${type} (broker)`), { type, code, retriable: false });
  return new KafkaJSProtocolError(response);
}

describe('classifyKafkaError: authentication and authorization', () => {
  it('a refused SCRAM exchange is KAFKA_AUTHENTICATION_FAILED, not retriable', () => {
    const e = classifyKafkaError(
      new KafkaJSSASLAuthenticationError(
        'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
      ),
    );
    assert.equal(e.code, 'KAFKA_AUTHENTICATION_FAILED');
    assert.equal(e.retriable, false);
    assert.match(e.message, /SCRAM SHA512 authentication failed/);
  });

  for (const [type, code] of [
    ['SASL_AUTHENTICATION_FAILED', 58],
    ['UNSUPPORTED_SASL_MECHANISM', 33],
    ['ILLEGAL_SASL_STATE', 34],
  ] as const)
    it(`${type} is KAFKA_AUTHENTICATION_FAILED`, () => {
      const e = classifyKafkaError(protocolError(type, code));
      assert.equal(e.code, 'KAFKA_AUTHENTICATION_FAILED');
      assert.equal(e.retriable, false);
    });

  for (const [type, code] of [
    ['TOPIC_AUTHORIZATION_FAILED', 29],
    ['GROUP_AUTHORIZATION_FAILED', 30],
    ['CLUSTER_AUTHORIZATION_FAILED', 31],
    ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 53],
  ] as const)
    it(`${type} is KAFKA_NOT_AUTHORIZED, also wrapped as kafkajs wraps it`, () => {
      for (const error of [
        protocolError(type, code),
        new KafkaJSNumberOfRetriesExceeded(protocolError(type, code), {
          retryCount: 5,
          retryTime: 1000,
        }),
        // A producer's metadata refusal (messageProducer.js) and createTopics' per-topic errors.
        Object.assign(new KafkaJSNonRetriableError('Not authorized to access topics'), {
          cause: protocolError(type, code),
        }),
        new KafkaJSAggregateError('Topic creation errors', [
          protocolError(type, code),
          protocolError(type, code),
        ]),
      ]) {
        const e = classifyKafkaError(error);
        assert.equal(e.code, 'KAFKA_NOT_AUTHORIZED');
        assert.equal(e.retriable, false);
      }
    });

  it('other refusals stay what they were', () => {
    assert.equal(classifyKafkaError(protocolError('MESSAGE_TOO_LARGE', 10)).code, 'KAFKA_REJECTED');
    const mixed = new KafkaJSAggregateError('Topic creation errors', [
      protocolError('TOPIC_AUTHORIZATION_FAILED', 29),
      protocolError('INVALID_TOPIC_EXCEPTION', 17),
    ]);
    assert.equal(classifyKafkaError(mixed).code, 'KAFKA_UNKNOWN');
  });
});
