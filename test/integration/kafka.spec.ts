// @hanpyo/kafka against the real local Kafka broker (`npm run infra -- up kafka`).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import type { Admin, Kafka } from 'kafkajs';
import {
  DISTRICT_HEADER,
  GroupConsumer,
  boardPartition,
  classifyKafkaError,
  createBoardProducer,
  createKafka,
  districtPartitioner,
  ensureTopics,
  kafkaConfigFromEnv,
  topicNames,
} from '@hanpyo/kafka';
import type { TopicNames, KafkaAdapterError } from '@hanpyo/kafka';
import { partitionLayout } from '@hanpyo/ledger';
import { testKafkaConfig, uniqueName } from '../support/env.js';
import { groupAssignment } from '../support/groups.js';
import { until } from '../support/wait.js';

/** Every topic of one prefix, for clean-up. */
const topicsOf = (t: TopicNames) => [t.ballots, t.blocks, t.deadLetter];

const manifest = {
  districts: [
    { districtId: 'gangnam', registeredVoters: 150_000 },
    { districtId: 'jongno', registeredVoters: 20_000 },
    { districtId: 'mapo', registeredVoters: 30_000 },
  ],
};
const layout = partitionLayout(manifest, { votersPerPartition: 50_000, maxPartitions: 16 });

/** Reads every message of `topic` from the beginning with a fresh group, until `count` arrived. */
type Received = kafkajs.KafkaMessage & { partition: number };

async function readAll(kafka: Kafka, topic: string, count: number): Promise<Received[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('it-read-') });
  const got: Received[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${got.length}/${count} messages after 30 s`)),
      30_000,
    );
    consumer
      .run({
        eachMessage: ({ partition, message }) => {
          got.push({ ...message, partition });
          if (got.length >= count) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return got;
}

describe('Kafka adapter (real broker)', () => {
  const config = testKafkaConfig();
  const names = topicNames(config);
  let kafka: Kafka;
  let admin: Admin;

  before(async () => {
    kafka = createKafka(config);
    admin = kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin.deleteTopics({ topics: topicsOf(names) }).catch(() => undefined);
    await admin.disconnect();
  });

  it("creates the board with the layout's partitions, idempotently, and refuses another layout", async () => {
    // gangnam spans 3 partitions; jongno and mapo (50,000 together) share the fourth.
    assert.equal(layout.partitionCount, 4);
    const first = await ensureTopics(admin, config, layout);
    assert.deepEqual(
      first.map((t) => [t.topic, t.partitions, t.created]),
      [
        [names.ballots, 4, true],
        [names.blocks, 1, true],
        [names.deadLetter, 1, true],
      ],
    );
    const again = await ensureTopics(admin, config, layout);
    assert.deepEqual(
      again.map((t) => t.created),
      [false, false, false],
    );
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name: names.ballots,
          configNames: ['retention.ms', 'cleanup.policy', 'message.timestamp.type'],
        },
      ],
    });
    const entries = Object.fromEntries(
      described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]),
    );
    assert.deepEqual(entries, {
      'retention.ms': '-1',
      'cleanup.policy': 'delete',
      'message.timestamp.type': 'LogAppendTime',
    });
    await assert.rejects(
      ensureTopics(admin, config, { partitionCount: 7 }),
      (e: KafkaAdapterError) => e.code === 'KAFKA_TOPIC_LAYOUT_MISMATCH' && !e.retriable,
    );
  });

  it('creates the topics of several elections at once, each with a leader on every partition', async () => {
    // kafkajs' own waitForLeaders failed the second of two concurrent creations with
    // UNKNOWN_TOPIC_OR_PARTITION (seen as 503 on election create in the tally e2e).
    const ids = ['at-once-1', 'at-once-2', 'at-once-3'];
    try {
      const reports = await Promise.all(
        ids.map((id) => ensureTopics(admin, config, { partitionCount: 9 }, id)),
      );
      for (const report of reports) {
        assert.deepEqual(
          report.map((t) => [t.partitions, t.created]),
          [
            [9, true],
            [1, true],
            [1, true],
          ],
        );
      }
      const { topics } = await admin.fetchTopicMetadata({
        topics: ids.map((id) => topicNames(config, id).ballots),
      });
      assert.ok(topics.every((t) => t.partitions.every((p) => p.leader >= 0)));
    } finally {
      await admin
        .deleteTopics({ topics: ids.flatMap((id) => topicsOf(topicNames(config, id))) })
        .catch(() => undefined);
    }
  });

  it('produces with acks=all on the district partitions and reads every message back in order', async () => {
    await ensureTopics(admin, config, layout);
    const producer = createBoardProducer(kafka);
    await producer.connect();
    const sent: { district: string; nullifier: Buffer; partition: number; value: string }[] = [];
    for (let i = 0; i < 60; i++) {
      const district = manifest.districts[i % 3]!.districtId;
      const nullifier = randomBytes(32);
      sent.push({
        district,
        nullifier,
        partition: boardPartition(layout, district, nullifier),
        value: `ballot-${i}`,
      });
    }
    const metadata = await producer.send({
      topic: names.ballots,
      acks: -1,
      messages: sent.map((s) => ({
        key: s.nullifier,
        value: s.value,
        partition: s.partition,
        headers: { [DISTRICT_HEADER]: s.district },
      })),
    });
    await producer.disconnect();
    assert.ok(metadata.every((m) => m.errorCode === 0));
    const got = await readAll(kafka, names.ballots, sent.length);
    assert.equal(got.length, sent.length);
    for (const s of sent) {
      const m = got.find((g) => g.value?.toString() === s.value)!;
      assert.equal(m.partition, s.partition, `${s.value} on its district's partition`);
      const range = layout.ranges.find((r) => r.districtId === s.district)!;
      assert.ok(m.partition >= range.first && m.partition < range.first + range.width);
    }
    // Offsets are dense from 0 on each partition, in send order.
    for (let p = 0; p < layout.partitionCount; p++) {
      const offsets = got.filter((g) => g.partition === p).map((g) => Number(g.offset));
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
      );
      const values = got.filter((g) => g.partition === p).map((g) => g.value?.toString());
      assert.deepEqual(
        values,
        sent.filter((s) => s.partition === p).map((s) => s.value),
      );
    }
  });

  it('the kafkajs district partitioner puts each message in its district range', async () => {
    const topicConfig = testKafkaConfig();
    const t = topicNames(topicConfig);
    await ensureTopics(admin, topicConfig, layout);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: districtPartitioner(layout),
    });
    await producer.connect();
    const nullifiers = Array.from({ length: 20 }, () => randomBytes(32));
    await producer.send({
      topic: t.ballots,
      messages: nullifiers.map((n, i) => ({
        key: n,
        value: String(i),
        headers: { [DISTRICT_HEADER]: 'gangnam' },
      })),
    });
    await assert.rejects(
      producer.send({
        topic: t.ballots,
        messages: [{ key: randomBytes(32), value: 'no district' }],
      }),
      /hanpyo-district/,
    );
    await producer.disconnect();
    const got = await readAll(kafka, t.ballots, 20);
    for (const m of got)
      assert.equal(
        m.partition,
        boardPartition(layout, 'gangnam', nullifiers[Number(m.value!.toString())]!),
      );
    await admin.deleteTopics({ topics: topicsOf(t) });
  });

  it('a consumer group resumes from its committed offsets after its process is killed', async () => {
    const topicConfig = testKafkaConfig();
    const t = topicNames(topicConfig);
    await ensureTopics(admin, topicConfig, { partitionCount: 5 });
    const producer = createBoardProducer(kafka);
    await producer.connect();
    const total = 300;
    await producer.send({
      topic: t.ballots,
      messages: Array.from({ length: total }, (_, i) => ({ value: String(i), partition: i % 5 })),
    });
    await producer.disconnect();

    const dir = await mkdtemp(join(tmpdir(), 'hanpyo-group-'));
    const group = uniqueName('it-group-');
    const child = fileURLToPath(new URL('../support/consumer-child.js', import.meta.url));
    const runChild = (log: string) =>
      spawn(process.execPath, [child, t.ballots, group, join(dir, log)], {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: process.env,
      });
    const count = async (log: string) =>
      (await readFile(join(dir, log), 'utf8').catch(() => '')).split('\n').filter(Boolean);

    // First process: killed with SIGKILL once it has handled part of the board.
    const first = runChild('first.log');
    for (let i = 0; i < 600 && (await count('first.log')).length < 100; i++)
      await new Promise((r) => setTimeout(r, 50));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const before = await count('first.log');
    assert.ok(
      before.length >= 100 && before.length < total,
      `first consumer handled ${before.length}`,
    );

    // Second process, same group: must continue where the first committed, and finish.
    const second = runChild('second.log');
    for (let i = 0; i < 600; i++) {
      const seen = new Set([...before, ...(await count('second.log'))]);
      if (seen.size >= total) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
    const afterRestart = await count('second.log');
    const all = new Set([...before, ...afterRestart]);
    assert.equal(all.size, total, 'no gap: every message handled by one of the two processes');
    // Commit after each message: at most the one in flight per partition is handled twice.
    const again = afterRestart.filter((x) => before.includes(x));
    assert.ok(again.length <= 5, `${again.length} messages re-handled after the restart`);
    assert.ok(
      afterRestart.length <= total - before.length + 5,
      'the second process did not start from the beginning',
    );
    await rm(dir, { recursive: true, force: true });
    await admin.deleteTopics({ topics: topicsOf(t) });
  });

  it('one group member reads many elections’ topics, each batch to its owner, and follows changes of the set', async () => {
    // Five elections' boards (2 partitions each) with 10 messages per partition.
    const elections = Array.from({ length: 5 }, (_, i) => topicNames(config, `gc-${i}`).ballots);
    await admin.createTopics({
      waitForLeaders: true,
      topics: elections.map((topic) => ({ topic, numPartitions: 2 })),
    });
    const producer = createBoardProducer(kafka);
    await producer.connect();
    for (const topic of elections) {
      for (const partition of [0, 1]) {
        await producer.send({
          topic,
          messages: Array.from({ length: 10 }, (_, i) => ({
            partition,
            value: `${topic}/${partition}/${i}`,
          })),
        });
      }
    }
    const groupId = uniqueName('it-group-');
    const member = new GroupConsumer(
      kafka,
      { groupId, maxWaitTimeInMs: 100 },
      { autoCommit: false },
    );
    // Received values by subscription key; a batch of another key's topic is a failure.
    const got = new Map<string, string[]>();
    const misrouted: string[] = [];
    const subscription = (key: string, topic: string, seekTo?: number) => ({
      topics: [topic],
      eachBatch: async ({ batch }: kafkajs.EachBatchPayload) => {
        if (batch.topic !== topic) misrouted.push(`${key} got ${batch.topic}`);
        got.set(key, [...(got.get(key) ?? []), ...batch.messages.map((m) => m.value!.toString())]);
        await Promise.resolve();
      },
      ...(seekTo === undefined
        ? {}
        : {
            started: (c: kafkajs.Consumer) => {
              for (const partition of [0, 1]) c.seek({ topic, partition, offset: String(seekTo) });
            },
          }),
    });
    try {
      // Four subscriptions at once fold into few member generations, not one each after the other.
      await Promise.all(
        [0, 1, 2, 3].map((i) =>
          member.subscribe(`e${i}`, subscription(`e${i}`, elections[i]!, i === 3 ? 7 : undefined)),
        ),
      );
      await until('every message of the four boards', () =>
        Promise.resolve(
          [0, 1, 2].every((i) => got.get(`e${i}`)?.length === 20) && got.get('e3')?.length === 6
            ? true
            : undefined,
        ),
      );
      assert.ok(
        member.generations <= 2,
        `${member.generations} member generations for 4 subscriptions`,
      );
      assert.deepEqual(misrouted, []);
      // The `started` hook's seeks hold: e3 read from offset 7 of each partition.
      assert.deepEqual(
        got.get('e3')!.sort(),
        ['0', '1'].flatMap((p) => [7, 8, 9].map((i) => `${elections[3]}/${p}/${i}`)),
      );
      let g = await groupAssignment(admin, groupId);
      assert.equal(g.members, 1);
      assert.deepEqual([...g.topics.keys()].sort(), elections.slice(0, 4).sort());

      // Unsubscribed: its topic is assigned to nobody; its new messages reach nobody.
      await member.unsubscribe('e0');
      g = await groupAssignment(admin, groupId);
      assert.equal(g.members, 1);
      assert.equal(g.topics.has(elections[0]!), false);
      await producer.send({ topic: elections[0]!, messages: [{ partition: 0, value: 'late' }] });
      // A topic created later is read once subscribed (a RegExp subscription would miss it).
      await member.subscribe('e4', subscription('e4', elections[4]!));
      await until('the new board read', () =>
        Promise.resolve(got.get('e4')?.length === 20 ? true : undefined),
      );
      assert.equal(got.get('e0')!.includes('late'), false);
      assert.deepEqual(misrouted, []);

      // Without subscriptions the member leaves the group.
      for (const k of member.keys()) await member.unsubscribe(k);
      g = await groupAssignment(admin, groupId);
      assert.equal(g.members, 0);
    } finally {
      await member.stop();
      await producer.disconnect();
      await admin.deleteTopics({ topics: elections }).catch(() => undefined);
    }
  });

  it('classifies an unreachable broker as retriable KAFKA_UNAVAILABLE', async () => {
    const dead = createKafka(
      kafkaConfigFromEnv({
        HANPYO_KAFKA_BROKERS: '127.0.0.1:1',
        HANPYO_KAFKA_CONNECTION_TIMEOUT_MS: '200',
      }),
    );
    const a = dead.admin({ retry: { retries: 0 } });
    const error = await a.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    const classified = classifyKafkaError(error);
    assert.equal(classified.code, 'KAFKA_UNAVAILABLE');
    assert.equal(classified.retriable, true);
  });
});
