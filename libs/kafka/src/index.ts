// @hanpyo/kafka: the only package that imports kafkajs.
export { KafkaConfigError, kafkaConfigFromEnv } from './config.js';
export type { KafkaConfig, KafkaSasl, KafkaTls } from './config.js';
export { Secret } from '@hanpyo/secrets';
export { KafkaAdapterError, classifyKafkaError, producerBroken, rootKafkaError } from './errors.js';
export type { KafkaErrorCode } from './errors.js';
export { TOPIC_SAFE, endOffsets, ensureTopics, topicConfigProblems, topicNames } from './topics.js';
export type { TopicNames, TopicReport, TopicState } from './topics.js';
export { DISTRICT_HEADER, boardPartition, districtPartitioner } from './partitioner.js';
export { createBoardProducer, createKafka } from './client.js';
export { PRODUCER_ACKS } from './config.js';
export { GroupConsumer } from './group-consumer.js';
export {
  FencedPublisher,
  KafkaFencedError,
  isFencingError,
  publishedMarker,
  valueDigest,
} from './fenced-publisher.js';
export type { FencedPublisherOptions, PublishedMarker } from './fenced-publisher.js';
export { TopicScanError, scanTopic } from './scan.js';
export type { ScannedMessage } from './scan.js';
export type { GroupRunOptions, TopicSubscription } from './group-consumer.js';
export type { KafkaLogger } from './client.js';
