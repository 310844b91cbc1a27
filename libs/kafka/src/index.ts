// @hanpyo/kafka: the only package that imports kafkajs.
export { KafkaConfigError, kafkaConfigFromEnv } from './config.js';
export type { KafkaConfig, KafkaSasl, KafkaTls } from './config.js';
export { Secret } from '@hanpyo/secrets';
export { KafkaAdapterError, classifyKafkaError } from './errors.js';
export type { KafkaErrorCode } from './errors.js';
export { TOPIC_SAFE, endOffsets, ensureTopics, topicNames } from './topics.js';
export type { TopicNames, TopicReport } from './topics.js';
export { DISTRICT_HEADER, boardPartition, districtPartitioner } from './partitioner.js';
export { createBoardProducer, createKafka } from './client.js';
export { GroupConsumer } from './group-consumer.js';
export { TopicScanError, scanTopic } from './scan.js';
export type { ScannedMessage } from './scan.js';
export type { GroupRunOptions, TopicSubscription } from './group-consumer.js';
export type { KafkaLogger } from './client.js';
