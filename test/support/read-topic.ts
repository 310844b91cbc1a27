// Reading a topic whole in a test: @hanpyo/kafka's scanTopic (its end offsets first, then every
// message up to them, so "all of it" is a fact of the broker, not a guess after a sleep), in the
// shape of kafkajs' messages. Checking them is the caller's business, after this resolves.
import type { Kafka, KafkaMessage } from 'kafkajs';
import { scanTopic } from '@hanpyo/kafka';

/** Every message of `topic` up to its end offsets now, by partition in offset order. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  timeoutMs = 30_000,
): Promise<(KafkaMessage & { partition: number })[]> {
  const got: (KafkaMessage & { partition: number })[] = [];
  await scanTopic(
    kafka,
    topic,
    (m) => {
      got.push({
        partition: m.partition,
        offset: String(m.offset),
        key: m.key,
        value: m.value,
        timestamp: String(m.timestamp),
        attributes: 0,
        headers: Object.fromEntries(
          Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v, 'utf8')]),
        ),
      });
    },
    { idleMs: timeoutMs },
  );
  return got.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}
