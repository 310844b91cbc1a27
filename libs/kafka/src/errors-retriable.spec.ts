// classifyKafkaError on the failures of a broker that is down, restarting or electing: each one,
// also wrapped as kafkajs' retrier wraps it, is retriable (503 at the edge, never 500); a wrong
// request stays not retriable. Real kafkajs error classes and its protocol error table.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { classifyKafkaError, producerBroken, rootKafkaError } from './errors.js';

// Constructed as kafkajs constructs them; its typings declare fewer arguments and classes.
type ErrorClass = new (...args: unknown[]) => Error;
const classes = kafkajs as unknown as Record<string, ErrorClass>;
const KafkaJSError = classes.KafkaJSError!;
const KafkaJSConnectionError = classes.KafkaJSConnectionError!;
const KafkaJSConnectionClosedError = classes.KafkaJSConnectionClosedError!;
const KafkaJSNonRetriableError = classes.KafkaJSNonRetriableError!;
const KafkaJSNumberOfRetriesExceeded = classes.KafkaJSNumberOfRetriesExceeded!;
const KafkaJSProtocolError = classes.KafkaJSProtocolError!;
const KafkaJSRequestTimeoutError = classes.KafkaJSRequestTimeoutError!;
const KafkaJSLockTimeout = classes.KafkaJSLockTimeout!;
const KafkaJSNoBrokerAvailableError = classes.KafkaJSNoBrokerAvailableError!;
// kafkajs' own table of broker error codes (the one its decoders use).
const { createErrorFromCode } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
  createErrorFromCode: (code: number) => Error & { type: string; retriable: boolean };
};

/** A broker error response exactly as kafkajs raises it. */
const protocol = (code: number) => new KafkaJSProtocolError(createErrorFromCode(code));

/** The three ways kafkajs hands one failure to its caller. */
function wrapped(e: Error): Error[] {
  const exceeded = new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 5, retryTime: 1000 });
  return [
    e,
    exceeded,
    // The retrier's wrapper (retry/index.js: new KafkaJSNonRetriableError(e, { cause })).
    new KafkaJSNonRetriableError(e, { cause: e }),
    // Nested retriers: the cluster's retrier inside the producer's.
    new KafkaJSNumberOfRetriesExceeded(exceeded, { retryCount: 5, retryTime: 1000 }),
    new KafkaJSNonRetriableError(exceeded, { cause: exceeded }),
  ];
}

const RETRIABLE: [string, () => Error, string][] = [
  [
    'connection refused',
    () =>
      new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', {
        broker: '127.0.0.1:9092',
        code: 'ECONNREFUSED',
      }),
    'KAFKA_UNAVAILABLE',
  ],
  [
    'connection closed',
    () => new KafkaJSConnectionClosedError('Closed connection', { host: 'h', port: 1 }),
    'KAFKA_UNAVAILABLE',
  ],
  [
    'request timeout',
    () => new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'),
    'KAFKA_TIMEOUT',
  ],
  ['lock timeout', () => new KafkaJSLockTimeout('Timeout while acquiring lock'), 'KAFKA_TIMEOUT'],
  ['no broker', () => new KafkaJSNoBrokerAvailableError(), 'KAFKA_UNAVAILABLE'],
  [
    'producer disconnected',
    () => new KafkaJSError('The producer is disconnected'),
    'KAFKA_UNAVAILABLE',
  ],
  ['NOT_ENOUGH_REPLICAS', () => protocol(19), 'KAFKA_NOT_ENOUGH_REPLICAS'],
  ['NOT_ENOUGH_REPLICAS_AFTER_APPEND', () => protocol(20), 'KAFKA_NOT_ENOUGH_REPLICAS'],
  ['LEADER_NOT_AVAILABLE', () => protocol(5), 'KAFKA_UNAVAILABLE'],
  ['NOT_LEADER_FOR_PARTITION', () => protocol(6), 'KAFKA_UNAVAILABLE'],
  ['REQUEST_TIMED_OUT', () => protocol(7), 'KAFKA_TIMEOUT'],
  ['NETWORK_EXCEPTION', () => protocol(13), 'KAFKA_UNAVAILABLE'],
  ['KAFKA_STORAGE_ERROR', () => protocol(56), 'KAFKA_UNAVAILABLE'],
  ['OUT_OF_ORDER_SEQUENCE_NUMBER', () => protocol(45), 'KAFKA_UNAVAILABLE'],
  ['UNKNOWN_PRODUCER_ID', () => protocol(59), 'KAFKA_UNAVAILABLE'],
  [
    'a socket error',
    () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    'KAFKA_UNAVAILABLE',
  ],
];

describe('classifyKafkaError: a broker that is down or moving is retriable', () => {
  for (const [what, make, code] of RETRIABLE)
    it(`${what}, bare and wrapped, is ${code}`, () => {
      for (const error of wrapped(make())) {
        const e = classifyKafkaError(error);
        assert.equal(e.code, code, `${error.name}: ${error.message}`);
        assert.equal(e.retriable, true, `${error.name}: ${error.message}`);
        assert.equal(e.cause, error);
      }
    });

  it('a wrong request stays not retriable, wrapped or not', () => {
    for (const code of [
      10 /* MESSAGE_TOO_LARGE */, 17 /* INVALID_TOPIC_EXCEPTION */, 2 /* CORRUPT_MESSAGE */,
    ]) {
      for (const error of wrapped(protocol(code))) {
        const e = classifyKafkaError(error);
        assert.equal(e.retriable, code === 2, `${error.name} of ${code}`);
      }
    }
    assert.equal(classifyKafkaError(protocol(10)).code, 'KAFKA_REJECTED');
    // A transactional producer fenced by a newer one (fenced-publisher.ts): final, not retriable.
    assert.equal(classifyKafkaError(protocol(47 /* INVALID_PRODUCER_EPOCH */)).retriable, false);
    assert.equal(classifyKafkaError(new TypeError('bug')).code, 'KAFKA_UNKNOWN');
    assert.equal(classifyKafkaError(new TypeError('bug')).retriable, false);
  });

  it('rootKafkaError peels every retry wrapper down to the failure', () => {
    const root = protocol(5);
    for (const error of wrapped(root)) assert.equal(rootKafkaError(error), root);
    const plain = new Error('x');
    assert.equal(rootKafkaError(plain), plain);
  });
});

describe('producerBroken', () => {
  it('is true for a disconnected producer or a producer id the broker forgot', () => {
    for (const error of [
      ...wrapped(new KafkaJSError('The producer is disconnected')),
      ...wrapped(protocol(45)),
      ...wrapped(protocol(59)),
    ]) {
      assert.equal(producerBroken(error), true, error.message);
      assert.equal(producerBroken(classifyKafkaError(error)), true, error.message);
    }
  });

  it('is false for a broker that is merely unreachable or slow', () => {
    for (const error of [
      ...wrapped(new KafkaJSRequestTimeoutError('timed out')),
      ...wrapped(protocol(19)),
      new Error('The producer is disconnected'),
    ])
      assert.equal(producerBroken(error), false, error.message);
  });
});
