// Reading a topic whole in a test: its end offsets first, then every message up to them, so "all
// of it" is a fact of the broker, not a guess after a sleep. Messages are only collected while the
// consumer runs; checking them is the caller's business, after this resolves (an assertion inside a
// kafkajs callback becomes a retry and then a timeout, losing its message).
import type { Kafka, KafkaMessage } from 'kafkajs';
import { uniqueName } from './env.js';

/** Every message of `topic` up to its end offsets now, by partition in offset order. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 30_000,
): Promise<(KafkaMessage & { partition: number })[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]),
  );
  await admin.disconnect();
  const wanted = [...ends.values()].reduce((a, b) => a + b, 0);
  const got: (KafkaMessage & { partition: number })[] = [];
  if (wanted === 0) return got;
  const consumer = kafka.consumer({ groupId: uniqueName('read-topic-') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${got.length} of the ${wanted} messages of ${topic}`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: ({ partition, message }) => {
            if (Number(message.offset) < (ends.get(partition) ?? 0))
              got.push({ ...message, partition });
            if (got.length >= wanted) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}
