// Reads a whole topic once, from each partition's first offset to its end as of the call, with a
// consumer group of its own that is deleted afterwards: what an auditor with read access to the
// board does (`hanpyo audit`). Never commits offsets; stops when every partition is read to where
// it ended, and fails with a clear error when no message arrives for `idleMs` before that.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** One message of a scanned topic. */
export interface ScannedMessage {
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The broker's append time, ms since the epoch. */
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** The topic could not be read to its end. */
export class TopicScanError extends Error {
  override readonly name = 'TopicScanError';
  readonly code = 'TOPIC_SCAN_STALLED';
}

/**
 * Calls `onMessage` for every message of `topic` below each partition's end offset at the time of
 * the call, in offset order within a partition; resolves with the number of messages read.
 */
export async function scanTopic(
  kafka: Kafka,
  topic: string,
  onMessage: (message: ScannedMessage) => void,
  options: { readonly idleMs?: number } = {},
): Promise<number> {
  const idleMs = options.idleMs ?? 30_000;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `hanpyo-scan-${randomUUID()}`;
  let joined = false;
  try {
    // Last offset to read per partition; an empty partition has nothing to read.
    const last = new Map<number, number>();
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (Number(o.high) > Number(o.low)) last.set(o.partition, Number(o.high) - 1);
    }
    if (last.size === 0) return 0;
    // read_committed (kafkajs' default): aborted messages and transaction control records are
    // never handed over, so offsets are not contiguous and the last offset may be a commit marker.
    const consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      readUncommitted: false,
    });
    await consumer.connect();
    joined = true;
    let count = 0;
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        let timer = setTimeout(stalled, idleMs);
        function stalled() {
          reject(
            new TopicScanError(
              `${topic}: no message for ${idleMs} ms with ${last.size} partitions not read to their end`,
            ),
          );
        }
        /** A partition is read once the fetch position passed its end, markers included. */
        function reached(partition: number, lastOffset: number): void {
          const end = last.get(partition);
          if (end === undefined || lastOffset < end) return;
          last.delete(partition);
          consumer.pause([{ topic, partitions: [partition] }]);
          if (last.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        }
        // A fetch holding only control records (or aborted messages) never reaches eachBatch;
        // kafkajs still reports its last offset in this event (runner.js, kafkajs#1256).
        consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
          const { partition, lastOffset } = event.payload as {
            partition: number;
            lastOffset: string;
          };
          clearTimeout(timer);
          if (last.size > 0) timer = setTimeout(stalled, idleMs);
          reached(partition, Number(lastOffset));
        });
        consumer
          .run({
            autoCommit: false,
            eachBatch: async (payload) => {
              const { batch } = payload;
              clearTimeout(timer);
              timer = setTimeout(stalled, idleMs);
              const end = last.get(batch.partition);
              for (const m of batch.messages) {
                const offset = Number(m.offset);
                if (end === undefined || offset > end) break;
                const headers: Record<string, string> = {};
                for (const [k, v] of Object.entries(m.headers ?? {})) {
                  if (v !== undefined)
                    headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
                }
                onMessage({
                  partition: batch.partition,
                  offset,
                  key: m.key,
                  value: m.value,
                  timestamp: Number(m.timestamp),
                  headers,
                });
                count++;
              }
              await payload.heartbeat();
              // The batch's last offset counts control records the consumer skipped.
              reached(batch.partition, Number(batch.lastOffset()));
            },
          })
          .catch((e: unknown) => {
            clearTimeout(timer);
            reject(e instanceof Error ? e : new TopicScanError(`${topic}: the consumer failed`));
          });
      });
    } finally {
      await consumer.disconnect();
    }
    return count;
  } finally {
    if (joined) await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
