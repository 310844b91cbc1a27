// Client setup from validated config: one Kafka instance per process, a producer with the
// board's guarantees (acks=all, idempotent), and a logger bridge that never logs message values.
import kafkajs from 'kafkajs';
import type { Kafka, LogEntry, Producer, SASLOptions } from 'kafkajs';
import { verifiedTlsOptions } from '@hanpyo/secrets';
import type { KafkaConfig } from './config.js';

const { Kafka: KafkaClient, Partitioners, logLevel } = kafkajs;

/** The narrow logger the adapter writes to (services bridge it to their structured logger). */
export interface KafkaLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A kafkajs client for the configured brokers, with the configured SASL and TLS; driver warnings
 * and errors go to `logger`. The only place a kafkajs client is built (docs/security.md).
 */
export function createKafka(config: KafkaConfig, logger?: KafkaLogger): Kafka {
  return new KafkaClient({
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    // kafkajs sends each broker's host as SNI; a configured servername replaces it for every broker.
    ssl: config.tls === undefined ? false : verifiedTlsOptions(config.tls),
    sasl: saslOptions(config),
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      // kafkajs log entries carry driver metadata only (broker, topic, error text), never payloads.
      const { message, ...fields } = entry.log;
      // Some kafkajs entries carry no namespace (the partitioner notice, for one).
      const text = entry.namespace
        ? `kafkajs ${entry.namespace}: ${message}`
        : `kafkajs: ${message}`;
      if (entry.level === logLevel.ERROR) logger.error(text, fields);
      else logger.warn(text, fields);
    },
  });
}

function saslOptions(config: Pick<KafkaConfig, 'sasl'>): SASLOptions | undefined {
  const sasl = config.sasl;
  if (sasl === undefined) return undefined;
  const credentials = { username: sasl.username, password: sasl.password.reveal() };
  return sasl.mechanism === 'scram-sha-512'
    ? { mechanism: 'scram-sha-512', ...credentials }
    : { mechanism: 'scram-sha-256', ...credentials };
}

/**
 * The board producer (DESIGN.md failure model): idempotent, so a retried send is written once;
 * acks=all on every send (`send({acks: -1})` is kafkajs' default); one request in flight per
 * broker, as KIP-98 asks of an idempotent producer, so sequence numbers never reorder.
 */
export function createBoardProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Board messages carry an explicit partition; naming the partitioner silences kafkajs'
    // notice about its v2.0 default change.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}
