// The persister as its own process against the real Kafka and Cassandra: a registered open election
// (own topic prefix and keyspace), board messages produced straight onto its board topic as the edge
// writes them, then rows asserted in Cassandra. Covers: every entry, receipt and voter ballot written
// with the broker's time; re-votes kept in board order; undecodable messages dead-lettered with their
// source and reason while the stream goes on; a write error is never committed past; a SIGKILL
// mid-stream and a restart leave neither gaps nor duplicates.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { MIGRATIONS } from '@hanpyo/cassandra';
import { base64url } from '@hanpyo/crypto';
import { DISTRICT_HEADER } from '@hanpyo/kafka';
import { BoardElection, randomSigner } from '../support/board.js';
import type { Cast } from '../support/board.js';
import { ServiceProcess } from '../support/service-process.js';
import { readTopic } from '../support/read-topic.js';
import { until } from '../support/wait.js';
import { groupAssignment } from '../support/groups.js';
import { contest } from '../support/manifest.js';

function persisterDraft(): Record<string, unknown> {
  const now = Date.now();
  return {
    spec: 'hanpyo/1',
    title: 'persister e2e',
    opens: new Date(now - 60_000).toISOString(),
    closes: new Date(now + 3_600_000).toISOString(),
    revotePolicy: 'last',
    encryptionModes: ['client'],
    commitmentIntervalSeconds: 3600,
    contests: [contest('mayor', 'Mayor', ['a', 'b', 'c'], 1, 1)],
    ballotStyles: [{ ballotStyleId: 's1', contestIds: ['mayor'] }],
    // gangnam spans 3 partitions; jongno and mapo share the fourth.
    districts: [
      { districtId: 'gangnam', name: 'Gangnam', ballotStyleId: 's1', registeredVoters: 150_000 },
      { districtId: 'jongno', name: 'Jongno', ballotStyleId: 's1', registeredVoters: 20_000 },
      { districtId: 'mapo', name: 'Mapo', ballotStyleId: 's1', registeredVoters: 30_000 },
    ],
    trustees: { count: 1, threshold: 1 },
    ledgerSigners: [randomSigner('ledger-1')],
    witnesses: [],
  };
}

/** A registered, open election of its own, with its topics. */
class Election extends BoardElection {
  constructor(deployment?: Election) {
    super('p-', persisterDraft(), 7, deployment);
  }

  get env(): Record<string, string> {
    return {
      HANPYO_KAFKA_TOPIC_PREFIX: this.kafkaConfig.topicPrefix,
      HANPYO_CASSANDRA_KEYSPACE: this.cassandraConfig.keyspace,
      HANPYO_PERSISTER_POLL_MS: '300',
      // A SIGKILLed member holds its partitions until its session times out.
      HANPYO_PERSISTER_SESSION_TIMEOUT_MS: '10000',
      HANPYO_LOG_LEVEL: 'warn',
    };
  }

  /** Produces casts as the edge does: key = nullifier, value = {trackingCode, ballot}, header. */
  async produce(casts: readonly Cast[]): Promise<void> {
    for (let i = 0; i < casts.length; i += 500) {
      await this.producer.send({
        topic: this.topics.ballots,
        acks: -1,
        messages: casts.slice(i, i + 500).map((c) => ({
          key: c.nullifier,
          partition: c.partition,
          headers: { [DISTRICT_HEADER]: c.districtId },
          value: JSON.stringify({ trackingCode: c.trackingCode, ballot: c.ballot }),
        })),
      });
    }
  }

  /** Produces raw messages on a partition. */
  async produceRaw(
    partition: number,
    messages: { key?: Buffer | null; value: Buffer | string | null }[],
  ): Promise<void> {
    await this.producer.send({
      topic: this.topics.ballots,
      acks: -1,
      messages: messages.map((m) => ({
        key: m.key ?? randomBytes(32),
        value: m.value,
        partition,
        headers: { [DISTRICT_HEADER]: 'gangnam' },
      })),
    });
  }

  /** Board end offsets by partition. */
  async endOffsets(): Promise<number[]> {
    const o = await this.admin.fetchTopicOffsets(this.topics.ballots);
    return o.sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
  }

  async query(cql: string, params: unknown[]) {
    return this.client.execute(cql.replaceAll('{ks}', this.cassandraConfig.keyspace), params, {
      prepare: true,
      fetchSize: 1_000_000,
    });
  }

  /** Offsets present in board_entries per partition (all in bucket 0 in these tests). */
  async boardOffsets(): Promise<number[][]> {
    const out: number[][] = [];
    for (let p = 0; p < this.layout.partitionCount; p++) {
      const r = await this.query(
        'SELECT kafka_offset FROM {ks}.board_entries WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = 0',
        [this.electionId, p],
      );
      out.push(r.rows.map((row) => Number(row.get('kafka_offset'))));
    }
    return out;
  }

  async boardCount(): Promise<number> {
    return (await this.boardOffsets()).reduce((n, o) => n + o.length, 0);
  }

  /** Committed offsets of the persister's group, by partition (-1 when none). */
  async committed(): Promise<number[]> {
    const [t] = await this.admin.fetchOffsets({
      groupId: `${this.kafkaConfig.topicPrefix}hanpyo-persister`,
      topics: [this.topics.ballots],
    });
    return (t?.partitions ?? [])
      .sort((a, b) => a.partition - b.partition)
      .map((p) => Number(p.offset));
  }
}

/** Every message of the dead-letter topic, once `count` are there (all of them: read to its end). */
async function readDeadLetters(election: Election, count: number) {
  await until(`${count} dead letters`, async () => {
    const ends = await election.admin.fetchTopicOffsets(election.topics.deadLetter);
    return ends.reduce((n, o) => n + Number(o.high), 0) >= count;
  });
  return readTopic(election.kafka, election.topics.deadLetter);
}

const header = (m: kafkajs.KafkaMessage, name: string) => m.headers?.[name]?.toString();

describe('persister (real Kafka and Cassandra, its own process)', () => {
  describe('writes the board', () => {
    const election = new Election();
    let persister: ServiceProcess;

    before(async () => {
      await election.setUp();
      persister = new ServiceProcess('persister', election.env, { outputLimit: 200_000 });
    });
    after(async () => {
      await persister?.stop();
      await election.tearDown();
    });

    it('writes every entry, receipt and voter ballot, with the broker time and re-votes in board order', async (t) => {
      const first = election.casts(10_000);
      const revotes = election.casts(200, first.slice(0, 200));
      const all = [...first, ...revotes];
      await election.produce(first);
      await election.produce(revotes);
      const started = Date.now();
      await persister.start();
      let firstRowAt = 0;
      await until('10,200 board rows', async () => {
        const n = await election.boardCount();
        if (n > 0 && firstRowAt === 0) firstRowAt = Date.now();
        return n === all.length;
      });
      const seconds = (Date.now() - firstRowAt) / 1000;
      t.diagnostic(
        `persisted ${all.length} messages in ${seconds.toFixed(1)} s after the first row (${Math.round(all.length / seconds)} entries/s; ${((Date.now() - started) / 1000).toFixed(1)} s with process start and group join)`,
      );

      // Each offset of each partition exactly once, and nothing more.
      const ends = await election.endOffsets();
      const offsets = await election.boardOffsets();
      for (let p = 0; p < ends.length; p++) {
        assert.deepEqual(
          offsets[p],
          Array.from({ length: ends[p]! }, (_, i) => i),
          `partition ${p}`,
        );
      }

      // Rows match what is on the board, with the broker's LogAppendTime.
      const byCode = new Map(all.map((c) => [c.trackingCode, c]));
      const rows = [];
      for (let p = 0; p < ends.length; p++) {
        const r = await election.query(
          'SELECT kafka_partition, kafka_offset, district_id, tracking_code, nullifier, received_at, ballot FROM {ks}.board_entries WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = 0',
          [election.electionId, p],
        );
        rows.push(...r.rows);
      }
      assert.equal(rows.length, all.length);
      for (const row of rows.slice(0, 500)) {
        const cast = byCode.get(row.get('tracking_code') as string)!;
        assert.ok(cast, 'a known tracking code');
        assert.equal(row.get('kafka_partition'), cast.partition);
        assert.equal(row.get('district_id'), cast.districtId);
        assert.equal(row.get('nullifier'), base64url(cast.nullifier));
        assert.deepEqual(JSON.parse(row.get('ballot') as string), cast.ballot);
        const receivedAt = row.get('received_at') as Date;
        assert.ok(Math.abs(receivedAt.getTime() - started) < 120_000, 'the broker time');
      }

      // Receipts: one per copy, with its place; voter ballots: board order per voter.
      for (const cast of [...first.slice(0, 50), ...revotes.slice(0, 50)]) {
        const r = await election.query(
          'SELECT kafka_partition, kafka_offset, district_id FROM {ks}.receipts WHERE election_id = ? AND tracking_code = ?',
          [election.electionId, cast.trackingCode],
        );
        assert.equal(r.rowLength, 1);
        assert.equal(r.first().get('kafka_partition'), cast.partition);
        assert.equal(r.first().get('district_id'), cast.districtId);
      }
      for (let i = 0; i < 200; i++) {
        const r = await election.query(
          'SELECT kafka_partition, kafka_offset, tracking_code FROM {ks}.voter_ballots WHERE election_id = ? AND nullifier = ?',
          [election.electionId, base64url(first[i]!.nullifier)],
        );
        // Both ballots of the voter on one partition; the first is the earlier offset.
        assert.deepEqual(
          r.rows.map((row) => row.get('tracking_code') as string),
          [first[i]!.trackingCode, revotes[i]!.trackingCode],
        );
        assert.equal(new Set(r.rows.map((row) => row.get('kafka_partition') as number)).size, 1);
      }
      const v = await election.query(
        'SELECT nullifier FROM {ks}.voter_ballots WHERE election_id = ? AND nullifier = ?',
        [election.electionId, base64url(first[500]!.nullifier)],
      );
      assert.equal(v.rowLength, 1);

      // Committed only after the writes: the group's offsets are the board's end, and the lag is 0.
      await until('committed offsets at the end of the board', async () => {
        const c = await election.committed();
        return c.length === ends.length && c.every((o, p) => o === ends[p]);
      });
      const metrics = await until('lag 0 in the metrics', async () => {
        const m = await persister.metrics();
        const lags = [
          ...m.matchAll(
            new RegExp(
              `hanpyo_persister_consumer_lag\\{[^}]*election="${election.electionId}"[^}]*\\} (\\d+)`,
              'g',
            ),
          ),
        ];
        return lags.length === ends.length && lags.every((l) => l[1] === '0') ? m : undefined;
      });
      assert.match(metrics, /hanpyo_persister_entries_total\{[^}]*\} \d+/);
    });

    it('reads every election with one member of one group (issue 10: consumers do not scale with elections)', async () => {
      // A second election of the same deployment, opened while the persister runs: the same
      // member reads both boards (the member is replaced once, with both topics).
      const second = new Election(election);
      await second.setUp();
      try {
        const casts = second.casts(300);
        await second.produce(casts);
        await until('the second board persisted', async () =>
          (await second.boardCount()) === casts.length ? true : undefined,
        );
        const group = await groupAssignment(
          election.admin,
          `${election.kafkaConfig.topicPrefix}hanpyo-persister`,
        );
        assert.equal(group.members, 1, 'one member for both elections');
        const all = (n: number) => Array.from({ length: n }, (_, i) => i);
        assert.deepEqual(
          group.topics.get(election.topics.ballots),
          all(election.layout.partitionCount),
        );
        assert.deepEqual(
          group.topics.get(second.topics.ballots),
          all(second.layout.partitionCount),
        );
        assert.match(await persister.metrics(), /hanpyo_persister_boards_consumed\{[^}]*\} 2/);
      } finally {
        await second.tearDown({ keepKeyspace: true });
      }
    });
    it('dead-letters what does not decode, with its source and reason, and the stream goes on', async () => {
      const start = await election.endOffsets();
      const p = 0;
      const valid = election
        .casts(40)
        .filter((c) => c.partition === p)
        .slice(0, 2);
      assert.equal(valid.length, 2, 'two casts on partition 0');
      const wrongCode = { ...valid[1]!, trackingCode: 'ab'.repeat(32) };
      const value = (c: Cast) => JSON.stringify({ trackingCode: c.trackingCode, ballot: c.ballot });
      const garbage = [
        { value: Buffer.from([0xff, 0xfe, 0x00]), reason: 'ENTRY_NOT_JSON' },
        { value: '{"trackingCode": "ab"', reason: 'ENTRY_NOT_JSON' },
        { value: null, reason: 'ENTRY_EMPTY' },
        {
          value: JSON.stringify({ trackingCode: valid[0]!.trackingCode }),
          reason: 'ENTRY_MALFORMED',
        },
        { value: JSON.stringify([1, 2]), reason: 'ENTRY_MALFORMED' },
        {
          value: JSON.stringify({ ...JSON.parse(value(valid[0]!)), extra: 1 }),
          reason: 'ENTRY_MALFORMED',
        },
      ];
      await election.produceRaw(p, [
        ...garbage.slice(0, 3),
        { key: valid[0]!.nullifier, value: value(valid[0]!) },
        ...garbage.slice(3),
        // A tracking code that is not H(JCS(ballot)) decodes: it is the observer's to flag.
        { key: wrongCode.nullifier, value: value(wrongCode) },
      ]);
      const base = start[p]!;
      const total = garbage.length + 2;
      await until('the new offsets on the board', async () => {
        const o = await election.boardOffsets();
        return o[p]!.length === base + total;
      });

      const letters = await readDeadLetters(election, garbage.length);
      assert.equal(letters.length, garbage.length);
      const expectedOffsets = [0, 1, 2, 4, 5, 6].map((i) => base + i);
      for (const [i, m] of letters.entries()) {
        assert.equal(header(m, 'hanpyo-source-topic'), election.topics.ballots);
        assert.equal(header(m, 'hanpyo-source-partition'), String(p));
        assert.equal(header(m, 'hanpyo-source-offset'), String(expectedOffsets[i]));
        assert.equal(header(m, 'hanpyo-dead-letter-reason'), garbage[i]!.reason);
        assert.ok((header(m, 'hanpyo-dead-letter-detail') ?? '').length > 0);
        assert.equal(header(m, DISTRICT_HEADER), 'gangnam', 'the original headers travel along');
        const sent = garbage[i]!.value;
        assert.deepEqual(
          m.value === null ? null : Buffer.from(m.value),
          sent === null ? null : Buffer.from(sent),
        );
      }

      // Every offset keeps its place: placeholders where nothing decoded, entries elsewhere.
      const r = await election.query(
        'SELECT kafka_offset, tracking_code, received_at FROM {ks}.board_entries WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = 0 AND kafka_offset >= ?',
        [election.electionId, p, base],
      );
      assert.deepEqual(
        r.rows.map((row) => [Number(row.get('kafka_offset')), row.get('tracking_code') as unknown]),
        [
          [base, null],
          [base + 1, null],
          [base + 2, null],
          [base + 3, valid[0]!.trackingCode],
          [base + 4, null],
          [base + 5, null],
          [base + 6, null],
          [base + 7, wrongCode.trackingCode],
        ],
      );
      assert.ok(r.rows.every((row) => row.get('received_at') instanceof Date));
      const m = await persister.metrics();
      assert.match(
        m,
        new RegExp(`hanpyo_persister_dead_letters_total\\{[^}]*reason="ENTRY_NOT_JSON"[^}]*\\} 2`),
      );
      await until('the group committed past them', async () => {
        const c = await election.committed();
        return c[p] === base + total;
      });
    });

    it('retries a failing write with backoff, commits nothing meanwhile, and writes the batch once the table is back', async (t) => {
      // Dropping a table makes every write of a batch fail with a non-retriable error: the
      // consumer stops without committing, and the batch is written when the table returns.
      await election.query('DROP TABLE {ks}.voter_ballots', []);
      const committedBefore = await election.committed();
      const failuresSeen = async () =>
        (await persister.metrics())
          .split('\n')
          .filter((l) => /^hanpyo_persister_(retries|consumer_crashes)_total\{/.test(l))
          .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
      const failuresBefore = await failuresSeen();
      const casts = election.casts(30);
      await election.produce(casts);
      // The persister has tried the batch and failed (a positive marker), and committed nothing.
      await until('a failed write of the batch', async () =>
        (await failuresSeen()) > failuresBefore ? true : undefined,
      );
      assert.deepEqual(
        await election.committed(),
        committedBefore,
        'nothing committed while writes fail',
      );
      const create = MIGRATIONS[0]!.statements.find((s) => s.includes('voter_ballots'))!;
      await election.query(create, []);
      const ends = await election.endOffsets();
      await until(
        'the batch committed after the table is back',
        async () => {
          const c = await election.committed();
          return c.every((o, p) => o === ends[p]);
        },
        60_000,
      );
      for (const cast of casts) {
        const r = await election.query(
          'SELECT tracking_code FROM {ks}.voter_ballots WHERE election_id = ? AND nullifier = ?',
          [election.electionId, base64url(cast.nullifier)],
        );
        assert.equal(r.rowLength, 1, 'the voter ballot written after recovery');
      }
      const m = await persister.metrics();
      const failures = m
        .split('\n')
        .filter((l) => /^hanpyo_persister_(retries|consumer_crashes)_total\{/.test(l));
      t.diagnostic(failures.join('; '));
      assert.ok(
        failures.some((l) => / [1-9]\d*$/.test(l)),
        'the failure was seen and handled',
      );
    });
    it('an error retrying cannot fix stops the consumer uncommitted; a fresh one succeeds later', async (t) => {
      // A dead-letter topic that refuses the message (too large for it) is not retriable: the
      // consumer stops without committing, and the persister starts a new one on its next round.
      const limit = (value: string) =>
        election.admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: kafkajs.ConfigResourceTypes.TOPIC,
              name: election.topics.deadLetter,
              configEntries: [{ name: 'max.message.bytes', value }],
            },
          ],
        });
      await limit('300');
      const committedBefore = await election.committed();
      const p = 1;
      const poison = Buffer.alloc(2000, 'x');
      await election.produceRaw(p, [{ value: poison }]);
      const crashes = /hanpyo_persister_consumer_crashes_total\{[^}]*\} ([1-9]\d*)/;
      const crashCount = async () => Number(crashes.exec(await persister.metrics())?.[1] ?? 0);
      const crashesBefore = await crashCount();
      await until('a consumer crash', async () =>
        (await crashCount()) > crashesBefore ? true : undefined,
      );
      // A fresh consumer took the message again and crashed again: still nothing committed.
      await until(
        'a second consumer crash',
        async () => ((await crashCount()) > crashesBefore + 1 ? true : undefined),
        60_000,
      );
      assert.deepEqual(await election.committed(), committedBefore, 'nothing committed');
      await limit('1048588');
      const ends = await election.endOffsets();
      await until('the message committed by a fresh consumer', async () => {
        const c = await election.committed();
        return c.every((o, q) => o === ends[q]);
      });
      const letters = await readDeadLetters(election, 7);
      const last = letters[letters.length - 1]!;
      assert.equal(header(last, 'hanpyo-source-offset'), String(ends[p]! - 1));
      assert.equal(header(last, 'hanpyo-dead-letter-reason'), 'ENTRY_NOT_JSON');
      t.diagnostic(`consumer crashes: ${crashes.exec(await persister.metrics())?.[1]}`);
    });
  });

  describe('crash safety', () => {
    const election = new Election();
    let persister: ServiceProcess;

    before(async () => {
      await election.setUp();
      persister = new ServiceProcess(
        'persister',
        { ...election.env, HANPYO_PERSISTER_WRITE_CONCURRENCY: '16' },
        { outputLimit: 200_000 },
      );
    });
    after(async () => {
      await persister?.stop('SIGKILL');
      await election.tearDown();
    });

    it('SIGKILLed mid-stream and restarted, it leaves neither gaps nor duplicates', async (t) => {
      const first = election.casts(10_000);
      await election.produce(first);
      await persister.start();
      // Kill it while it is writing, once it has committed something: some rows are there, not all.
      const seen = await until(
        'the persister to be mid-stream, with offsets committed',
        async () => {
          const n = await election.boardCount();
          const c = await election.committed();
          return n >= 1000 && c.some((o) => o > 0) ? n : undefined;
        },
      );
      await persister.stop('SIGKILL');
      const atKill = await election.boardCount();
      t.diagnostic(`killed with ${atKill} of ${first.length} rows written (${seen} seen)`);
      assert.ok(atKill < first.length, 'killed before the end');
      // Nothing was committed past a row not written: every offset below a partition's committed
      // offset has its row (at-least-once, never at-most-once).
      const committedAtKill = (await election.committed()).map((c) => Math.max(0, c));
      const rowsAtKill = await election.boardOffsets();
      committedAtKill.forEach((c, p) => {
        const present = new Set(rowsAtKill[p]);
        for (let o = 0; o < c; o++)
          assert.ok(
            present.has(o),
            `partition ${p}: committed up to ${c} but offset ${o} has no row`,
          );
      });
      assert.ok(
        committedAtKill.reduce((a, b) => a + b, 0) > 0,
        'the kill came after some commits: the restart has an offset to resume from',
      );

      // More ballots arrive while it is down; then it comes back.
      const second = election.casts(2000);
      await election.produce(second);
      await persister.start();
      const total = first.length + second.length;
      await until(
        'every row after the restart',
        async () => (await election.boardCount()) === total,
      );

      const ends = await election.endOffsets();
      assert.equal(
        ends.reduce((a, b) => a + b, 0),
        total,
      );
      const offsets = await election.boardOffsets();
      for (let p = 0; p < ends.length; p++) {
        assert.equal(offsets[p]!.length, ends[p], `partition ${p}: one row per message`);
        assert.deepEqual(
          offsets[p],
          Array.from({ length: ends[p]! }, (_, i) => i),
          `partition ${p}: each offset once, no gap`,
        );
      }
      // The redelivered ones were written again (same rows), nothing else: one receipt per ballot.
      const sample = [...first, ...second].filter((_, i) => i % 97 === 0);
      for (const c of sample) {
        const r = await election.query(
          'SELECT kafka_offset FROM {ks}.receipts WHERE election_id = ? AND tracking_code = ?',
          [election.electionId, c.trackingCode],
        );
        assert.equal(r.rowLength, 1);
      }
      await until('committed to the end', async () => {
        const c = await election.committed();
        return c.every((o, p) => o === ends[p]);
      });
      // The restarted persister read each partition from its committed offset: it wrote exactly
      // the messages from there on — none before (no replay from the start), none skipped.
      const replayed = ends.reduce((n, end, p) => n + end - committedAtKill[p]!, 0);
      const written = await persister.metric('hanpyo_persister_entries_total', election.electionId);
      t.diagnostic(
        `after the restart: ${written} entries written, ${replayed} from the committed offsets`,
      );
      assert.equal(
        written,
        replayed,
        `entries written after the restart, from committed offsets [${committedAtKill.join(', ')}]`,
      );
    });
  });
});
