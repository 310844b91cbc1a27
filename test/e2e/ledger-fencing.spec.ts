// Fenced, atomic block publication against the real broker (docs/ledger.md, "Fenced
// publication"): two publishers of one election's blocks topic with the same transactionalId, as
// two ledger replicas after a lease outlasted by a build. The newer one fences the older: the
// zombie's publication fails with KAFKA_FENCED and leaves nothing visible, and read_committed
// consumers see exactly one block per height. The published height is the marker committed in the
// same transaction, never the end offset (commit markers take offsets), and a scan of the topic
// ends although its last offset is a marker. A restarted publisher reads the marker back: the
// height and the digest of the block already there, so the ledger publishes nothing twice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import {
  FencedPublisher,
  KafkaFencedError,
  createKafka,
  endOffsets,
  publishedMarker,
  valueDigest,
} from '@hanpyo/kafka';
import { readTopic } from '../support/read-topic.js';
import { testKafkaConfig, uniqueName } from '../support/env.js';
import { until } from '../support/wait.js';

describe('fenced block publication (real Kafka)', () => {
  const config = testKafkaConfig();
  const topic = `${config.topicPrefix}${uniqueName('fence')}.hanpyo.blocks.v1`;
  const options = {
    transactionalId: `${config.topicPrefix}hanpyo-ledger.blocks.fence`,
    markerGroupId: `${config.topicPrefix}hanpyo-ledger.published.fence`,
    topic,
  };
  let kafka: Kafka;
  let admin: Admin;
  const opened: FencedPublisher[] = [];
  const publisher = () => {
    const p = new FencedPublisher(kafka, options);
    opened.push(p);
    return p;
  };
  const block = (height: number, variant = 'a') => ({
    key: String(height),
    value: JSON.stringify({ block: { height, variant }, signatures: { height } }),
  });

  before(async () => {
    kafka = createKafka(config);
    admin = kafka.admin();
    await admin.connect();
    // Not kafkajs' waitForLeaders: it fails on UNKNOWN_TOPIC_OR_PARTITION for a topic just made.
    await admin.createTopics({
      waitForLeaders: false,
      topics: [{ topic, numPartitions: 1, replicationFactor: config.replicationFactor }],
    });
    await until('the topic to have a leader', async () => {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        return (
          topics[0]?.partitions[0]?.leader !== undefined && topics[0].partitions[0].leader >= 0
        );
      } catch {
        return false;
      }
    });
  });
  after(async () => {
    await Promise.all(opened.map((p) => p.close()));
    await admin.deleteGroups([options.markerGroupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('the newer publisher fences the older; one block per height is visible; the marker is the height', async () => {
    const zombie = publisher();
    await zombie.connect();
    await zombie.publish([block(1)], 1);
    assert.deepEqual(await publishedMarker(admin, options.markerGroupId, topic), {
      height: 1,
      digest: valueDigest(block(1).value),
    });

    // A second replica takes the lease while the first is still building block 2.
    const leader = publisher();
    await leader.connect();
    await assert.rejects(
      zombie.publish([block(2, 'zombie')], 2),
      (e: unknown) => e instanceof KafkaFencedError && e.code === 'KAFKA_FENCED',
    );
    assert.equal(zombie.isFenced, true);
    await assert.rejects(zombie.publish([block(2, 'zombie')], 2), KafkaFencedError);

    // The leader reads what is published, then goes on from there.
    const seen = await publishedMarker(admin, options.markerGroupId, topic);
    assert.equal(seen.height, 1);
    await leader.publish([block(2), block(3)], 3);

    const messages = await readTopic(kafka, topic);
    assert.deepEqual(
      messages.map((m) => m.key?.toString()),
      ['1', '2', '3'],
      'each height once, none of the zombie’s',
    );
    assert.ok(messages.every((m) => !m.value!.toString().includes('zombie')));
    // Commit markers take offsets: the end offset is no height.
    const [end] = await endOffsets(admin, topic);
    assert.ok(end! > 3, `end offset ${end} with three blocks`);
    assert.notDeepEqual(
      messages.map((m) => Number(m.offset)),
      [0, 1, 2],
      'offsets are not contiguous',
    );
    assert.deepEqual(await publishedMarker(admin, options.markerGroupId, topic), {
      height: 3,
      digest: valueDigest(block(3).value),
    });
  });

  it('a restarted publisher fences the last one and finds the height and digest already there', async () => {
    const restarted = publisher();
    await restarted.connect();
    const marker = await publishedMarker(admin, options.markerGroupId, topic);
    assert.equal(marker.height, 3);
    assert.equal(marker.digest, valueDigest(block(3).value), 'block 3 there is byte-identical');
    await restarted.publish([block(4)], 4);
    const heights = (await readTopic(kafka, topic)).map((m) => m.key?.toString());
    assert.deepEqual(heights, ['1', '2', '3', '4']);
  });

  it('an aborted transaction leaves nothing a read_committed consumer sees', async () => {
    const producer = kafka.producer({
      transactionalId: `${config.topicPrefix}fence-abort`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic, messages: [{ partition: 0, ...block(5, 'aborted') }] });
    await txn.abort();
    await producer.disconnect();
    const messages = await readTopic(kafka, topic, 20_000);
    assert.deepEqual(
      messages.map((m) => m.key?.toString()),
      ['1', '2', '3', '4'],
    );
  });
});
