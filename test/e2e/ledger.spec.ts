// The ledger as its own processes against the real Kafka and Cassandra, with the persister writing
// the board (or, where a test needs control over it, the test writing the persister's rows itself).
// Each describe has its own registered open election (own topic prefix and keyspace). Checked from
// the outside, the way an observer would: every block's signature, the hash chain from Q, a replay
// of every block from the board, every receipt's inclusion proof against the latest block and
// consistency proofs between blocks; then waiting for the persister, restart, two replicas and the
// final block.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OFFSET_BUCKET, transition } from '@hanpyo/cassandra';
import { parseSignedBlock } from '@hanpyo/contracts';
import type { SignedBlock } from '@hanpyo/contracts';
import { base64url, fromHex, signingKeyFromSeed } from '@hanpyo/crypto';
import { DISTRICT_HEADER } from '@hanpyo/kafka';
import {
  BlockReplayer,
  leafHash,
  verifyBlockSignatures,
  verifyChain,
  verifyConsistency,
  verifyInclusion,
} from '@hanpyo/ledger';
import type { LedgerEntry } from '@hanpyo/ledger';
import { BoardElection, randomSigner } from '../support/board.js';
import type { Cast } from '../support/board.js';
import { ServiceProcess } from '../support/service-process.js';
import { readTopic } from '../support/read-topic.js';
import { groupAssignment } from '../support/groups.js';
import { until } from '../support/wait.js';
import { contest } from '../support/manifest.js';

const LEDGER_SEED = randomBytes(32).toString('hex');
const ledgerKey = signingKeyFromSeed('ledger-1', fromHex(LEDGER_SEED, 32));

type Signed = { block: SignedBlock['block']; signatures: SignedBlock['signatures'] };

function ledgerDraft(closesInMs: number): Record<string, unknown> {
  const now = Date.now();
  return {
    spec: 'hanpyo/1',
    title: 'ledger e2e',
    opens: new Date(now - 60_000).toISOString(),
    closes: new Date(now + closesInMs).toISOString(),
    revotePolicy: 'last',
    encryptionModes: ['client'],
    commitmentIntervalSeconds: 1,
    contests: [contest('mayor', 'Mayor', ['a', 'b'], 1, 1)],
    ballotStyles: [{ ballotStyleId: 's1', contestIds: ['mayor'] }],
    // Ids out of UTF-16 order on purpose: blocks list districts in UTF-8 byte order.
    districts: [
      { districtId: 'seoul-중구', name: 'Jung', ballotStyleId: 's1', registeredVoters: 120_000 },
      { districtId: 'busan', name: 'Busan', ballotStyleId: 's1', registeredVoters: 40_000 },
      { districtId: 'daegu', name: 'Daegu', ballotStyleId: 's1', registeredVoters: 10_000 },
    ],
    trustees: { count: 1, threshold: 1 },
    ledgerSigners: [{ keyId: ledgerKey.keyId, publicKey: base64url(ledgerKey.publicKey) }],
    witnesses: [randomSigner('observer-1')],
  };
}

/** A registered, open election of its own, with its topics, and its services. */
class Election extends BoardElection {
  private readonly services: ServiceProcess[] = [];

  constructor(closesInMs = 3_600_000) {
    super('l-', ledgerDraft(closesInMs), 11);
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      HANPYO_KAFKA_TOPIC_PREFIX: this.kafkaConfig.topicPrefix,
      HANPYO_CASSANDRA_KEYSPACE: this.cassandraConfig.keyspace,
      HANPYO_LEDGER_KEY_SEED: LEDGER_SEED,
      HANPYO_LEDGER_TICK_MS: '200',
      HANPYO_LEDGER_LEASE_TTL_SECONDS: '3',
      // The final cut waits out the edge's write timeout, cache TTL and clock skew: 1 s here.
      HANPYO_EDGE_WRITE_TIMEOUT_MS: '500',
      HANPYO_EDGE_CATALOG_TTL_MS: '200',
      HANPYO_CLOCK_SKEW_MS: '300',
      HANPYO_PERSISTER_POLL_MS: '300',
      HANPYO_LOG_LEVEL: 'info',
      ...extra,
    };
  }

  ledger(extra: Record<string, string> = {}): ServiceProcess {
    const s = new ServiceProcess('ledger', this.env(extra));
    this.services.push(s);
    return s;
  }

  persister(): ServiceProcess {
    const s = new ServiceProcess('persister', this.env());
    this.services.push(s);
    return s;
  }

  override async tearDown(): Promise<void> {
    await Promise.all(this.services.map((s) => s.stop('SIGKILL')));
    await super.tearDown();
  }

  /** Produces casts as the edge does; returns their offsets. */
  async produce(casts: readonly Cast[]): Promise<{ cast: Cast; offset: number }[]> {
    const out: { cast: Cast; offset: number }[] = [];
    for (let i = 0; i < casts.length; i += 500) {
      // One send per partition, so the offsets of each message are known.
      const chunk = casts.slice(i, i + 500);
      for (let p = 0; p < this.layout.partitionCount; p++) {
        const mine = chunk.filter((c) => c.partition === p);
        if (mine.length === 0) continue;
        const [meta] = await this.producer.send({
          topic: this.topics.ballots,
          acks: -1,
          messages: mine.map((c) => ({
            key: c.nullifier,
            partition: p,
            headers: { [DISTRICT_HEADER]: c.districtId },
            value: JSON.stringify({ trackingCode: c.trackingCode, ballot: c.ballot }),
          })),
        });
        const base = Number(meta!.baseOffset);
        mine.forEach((cast, k) => out.push({ cast, offset: base + k }));
      }
    }
    return out;
  }

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

  /** Every stored block, by height, straight from Cassandra. */
  async storedBlocks(): Promise<Signed[]> {
    const r = await this.query(
      'SELECT height, block_hash, block, signatures FROM {ks}.blocks WHERE election_id = ?',
      [this.electionId],
    );
    return r.rows.map((row) => {
      const block = JSON.parse(row.get('block') as string) as Signed['block'];
      const sigs = row.get('signatures') as Record<string, string>;
      return {
        block,
        signatures: {
          height: block.height,
          blockHash: row.get('block_hash') as string,
          signatures: Object.entries(sigs).map(([keyId, signature]) => ({ keyId, signature })),
        },
      };
    });
  }

  /** The board entries (as the ledger's leaves) of partition p in [from, to). */
  async entries(p: number, from: number, to: number): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    for (let b = Math.floor(from / OFFSET_BUCKET); b * OFFSET_BUCKET < to; b++) {
      const r = await this.query(
        'SELECT kafka_offset, district_id, tracking_code FROM {ks}.board_entries WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = ? AND kafka_offset >= ? AND kafka_offset < ?',
        [this.electionId, p, b, from, to],
      );
      for (const row of r.rows) {
        const code = row.get('tracking_code') as string | null;
        if (code === null) continue;
        out.push({
          partition: p,
          offset: Number(row.get('kafka_offset')),
          trackingCode: code,
          districtId: row.get('district_id') as string,
        });
      }
    }
    return out;
  }

  /** Replays every block from the board as an observer would; returns every failure. */
  async replay(blocks: readonly Signed[]): Promise<string[]> {
    const replayer = new BlockReplayer({ manifest: this.manifest, genesisHash: this.baseHash });
    const failures: string[] = [];
    for (const s of blocks) {
      const entries: LedgerEntry[] = [];
      for (const c of s.block.cuts) {
        entries.push(...(await this.entries(c.partition, c.fromOffset, c.toOffset)));
      }
      failures.push(
        ...replayer.replay(s.block, entries, s.signatures).map((f) => `${f.code}: ${f.message}`),
      );
    }
    return failures;
  }

  /** Writes the persister's rows for casts at their offsets (board entry, receipt, voter ballot). */
  async writeRows(
    rows: readonly { cast: Cast; offset: number }[],
    tables: { board: boolean; receipts: boolean },
  ): Promise<void> {
    for (const { cast, offset } of rows) {
      if (tables.board) {
        await this.query(
          'INSERT INTO {ks}.board_entries (election_id, kafka_partition, offset_bucket, kafka_offset, district_id, tracking_code, nullifier, received_at, ballot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            this.electionId,
            cast.partition,
            Math.floor(offset / OFFSET_BUCKET),
            offset,
            cast.districtId,
            cast.trackingCode,
            cast.ballot.nullifier,
            new Date(),
            JSON.stringify(cast.ballot),
          ],
        );
      }
      if (tables.receipts) {
        await this.query(
          'INSERT INTO {ks}.receipts (election_id, tracking_code, kafka_partition, kafka_offset, district_id, received_at) VALUES (?, ?, ?, ?, ?, ?)',
          [this.electionId, cast.trackingCode, cast.partition, offset, cast.districtId, new Date()],
        );
      }
    }
  }

  /**
   * Every committed message of the blocks topic once `count` are there, in order, each keyed by
   * its height. Not from end offsets: the topic is transactional, and commit markers take offsets.
   */
  async publishedBlocks(count: number): Promise<Signed[]> {
    let messages: Awaited<ReturnType<typeof readTopic>> = [];
    await until(`${count} published blocks`, async () => {
      const ends = await this.admin.fetchTopicOffsets(this.topics.blocks);
      if (ends.reduce((n, o) => n + Number(o.high), 0) < count) return false;
      messages = await readTopic(this.kafka, this.topics.blocks);
      return messages.length >= count;
    });
    return messages.map((message) => {
      const signed = parseSignedBlock(JSON.parse(message.value!.toString()));
      assert.equal(message.key?.toString(), String(signed.block.height));
      return signed;
    });
  }
}

/** Checks every receipt against the latest block: included, with a verifying inclusion proof. */
async function checkReceipts(ledger: ServiceProcess, election: Election, casts: readonly Cast[]) {
  const latest = (await ledger.get(`/v1/elections/${election.electionId}/blocks/latest`))
    .body as Signed;
  let proofs = 0;
  for (const cast of casts) {
    const r = await ledger.get(
      `/v1/elections/${election.electionId}/receipts/${cast.trackingCode}`,
    );
    assert.equal(r.status, 200);
    const body = r.body as {
      status: string;
      partition: number;
      districtId: string;
      block: { height: number; blockHash: string };
      leafIndex: number;
      treeSize: number;
      inclusionProof: string[];
    };
    assert.equal(body.status, 'included', cast.trackingCode);
    assert.equal(body.partition, cast.partition);
    assert.equal(body.districtId, cast.districtId);
    // The proof is against the latest block the ledger knows (at least the one read above).
    assert.ok(body.block.height >= latest.block.height);
    const block =
      body.block.height === latest.block.height
        ? latest
        : ((await ledger.get(`/v1/elections/${election.electionId}/blocks/${body.block.height}`))
            .body as Signed);
    assert.equal(block.signatures.blockHash, body.block.blockHash);
    const head = block.block.districts.find((d) => d.districtId === cast.districtId)!;
    assert.equal(body.treeSize, head.treeSize);
    assert.ok(
      verifyInclusion(
        leafHash(fromHex(cast.trackingCode, 32)),
        body.leafIndex,
        body.treeSize,
        body.inclusionProof.map((h) => fromHex(h, 32)),
        fromHex(head.root, 32),
      ),
      `inclusion proof of ${cast.trackingCode}`,
    );
    proofs++;
  }
  return proofs;
}

/** The chain checks an observer runs on blocks: signatures, links from Q, replay from the board. */
async function checkChain(election: Election, blocks: readonly Signed[], requireFinal = false) {
  assert.deepEqual(
    blocks.map((b) => b.block.height),
    blocks.map((_, i) => i + 1),
    'heights 1, 2, 3, … each once',
  );
  for (const b of blocks) {
    const report = verifyBlockSignatures(b, election.manifest);
    assert.deepEqual(report.failures, [], `signatures of block ${b.block.height}`);
    assert.deepEqual(report.ledgerSigners, [ledgerKey.keyId]);
  }
  assert.deepEqual(
    verifyChain(
      blocks.map((b) => b.block),
      election.baseHash,
      { manifest: election.manifest, requireFinal },
    ),
    [],
  );
  assert.deepEqual(await election.replay(blocks), [], 'every block replays from the board');
}

async function latestOf(ledger: ServiceProcess, electionId: string): Promise<Signed | undefined> {
  const r = await ledger.get(`/v1/elections/${electionId}/blocks/latest`);
  return r.status === 200 ? (r.body as Signed) : undefined;
}

describe('ledger (real Kafka and Cassandra, its own processes)', () => {
  describe('cuts, signs, publishes and proves', () => {
    const election = new Election();
    let ledger: ServiceProcess;
    let persister: ServiceProcess;
    const casts: Cast[] = [];

    before(async () => {
      await election.setUp();
      persister = election.persister();
      ledger = election.ledger();
      await Promise.all([persister.start(), ledger.start()]);
    });
    after(() => election.tearDown());

    it('cuts a block every second that verifies, chains from Q and replays from the board', async () => {
      // Three waves, each in a block of its own before the next arrives.
      for (let wave = 0; wave < 3; wave++) {
        const c = election.casts(100);
        casts.push(...c);
        await election.produce(c);
        await until(`wave ${wave + 1} in a block`, async () => {
          const l = await latestOf(ledger, election.electionId);
          return l && l.block.ballotCount === casts.length ? true : undefined;
        });
      }
      // Re-votes: the same voters again; both ballots are leaves.
      const revotes = election.casts(30, casts.slice(0, 30));
      casts.push(...revotes);
      await election.produce(revotes);
      const latest = await until('every ballot in a block', async () => {
        const l = await latestOf(ledger, election.electionId);
        return l && l.block.ballotCount === casts.length ? l : undefined;
      });
      const ends = await election.endOffsets();
      assert.deepEqual(
        latest.block.cuts.map((c) => c.toOffset),
        ends,
      );
      assert.deepEqual(
        latest.block.districts.map((d) => d.districtId),
        ['busan', 'daegu', 'seoul-중구'],
      );

      const blocks = await election.storedBlocks();
      assert.ok(blocks.length >= 4, `several blocks (${blocks.length})`);
      await checkChain(election, blocks);
      // One cut per interval: closedAt at least a second apart.
      for (let i = 1; i < blocks.length; i++) {
        const gap =
          Date.parse(blocks[i]!.block.closedAt) - Date.parse(blocks[i - 1]!.block.closedAt);
        assert.ok(gap >= 1000, `block ${i + 1} closed ${gap} ms after block ${i}`);
      }
      // The HTTP view is the stored one.
      for (const b of [blocks[0]!, blocks[blocks.length - 1]!]) {
        const r = await ledger.get(`/v1/elections/${election.electionId}/blocks/${b.block.height}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, b);
      }
      // The blocks topic holds each block once, in height order, as stored.
      const published = await election.publishedBlocks(blocks.length);
      assert.deepEqual(
        published.map((b) => b.block.height),
        published.map((_, i) => i + 1),
      );
      assert.deepEqual(published.slice(0, blocks.length), blocks);

      assert.ok((await ledger.metric('hanpyo_ledger_blocks_cut_total', election.electionId))! >= 4);
      assert.equal(await ledger.metric('hanpyo_ledger_lease_held', election.electionId), 1);
      assert.ok(
        (await ledger.metric('hanpyo_ledger_block_height', election.electionId))! >= blocks.length,
      );
    });

    it("proves every receipt against the latest block, and each district's consistency between blocks", async () => {
      assert.equal(await checkReceipts(ledger, election, casts), casts.length);
      const latest = (await latestOf(ledger, election.electionId))!;
      const H = latest.block.height;
      const blocks = await election.storedBlocks();
      const pairs = [
        [1, H],
        [2, H],
        [Math.floor(H / 2), H],
        [2, 3],
        [H, H],
        [1, 1],
      ];
      for (const district of election.manifest.districts.map((d) => d.districtId)) {
        for (const [from, to] of pairs) {
          const r = await ledger.get(
            `/v1/elections/${election.electionId}/districts/${encodeURIComponent(district)}/consistency?from=${from}&to=${to}`,
          );
          assert.equal(r.status, 200, JSON.stringify(r.body));
          const body = r.body as {
            fromSize: number;
            toSize: number;
            fromRoot: string;
            toRoot: string;
            proof: string[];
          };
          const a = blocks[from! - 1]!.block.districts.find((d) => d.districtId === district)!;
          const b = blocks[to! - 1]!.block.districts.find((d) => d.districtId === district)!;
          assert.deepEqual(
            [body.fromSize, body.fromRoot, body.toSize, body.toRoot],
            [a.treeSize, a.root, b.treeSize, b.root],
          );
          assert.ok(
            verifyConsistency(
              body.fromSize,
              body.toSize,
              fromHex(body.fromRoot, 32),
              fromHex(body.toRoot, 32),
              body.proof.map((h) => fromHex(h, 32)),
            ),
            `consistency of ${district} from ${from} to ${to}`,
          );
        }
      }
    });

    it('answers bad requests with their codes', async () => {
      const id = election.electionId;
      const code = async (path: string) => {
        const r = await ledger.get(path);
        return [r.status, (r.body.error as { code: string } | undefined)?.code];
      };
      assert.deepEqual(await code(`/v1/elections/${id}/receipts/XYZ`), [400, 'REQUEST_INVALID']);
      assert.deepEqual(await code(`/v1/elections/${id}/receipts/${'AB'.repeat(32)}`), [
        400,
        'REQUEST_INVALID',
      ]);
      assert.deepEqual(await code(`/v1/elections/${id}/receipts/${'ab'.repeat(32)}`), [
        404,
        'RECEIPT_NOT_FOUND',
      ]);
      assert.deepEqual(await code(`/v1/elections/nope-${id}/receipts/${'ab'.repeat(32)}`), [
        404,
        'ELECTION_NOT_FOUND',
      ]);
      assert.deepEqual(await code(`/v1/elections/nope-${id}/blocks/latest`), [
        404,
        'ELECTION_NOT_FOUND',
      ]);
      assert.deepEqual(await code(`/v1/elections/${id}/blocks/0`), [400, 'REQUEST_INVALID']);
      assert.deepEqual(await code(`/v1/elections/${id}/blocks/abc`), [400, 'REQUEST_INVALID']);
      assert.deepEqual(await code(`/v1/elections/${id}/blocks/999999`), [404, 'BLOCK_NOT_FOUND']);
      const consistency = (q: string, district = 'busan') =>
        code(`/v1/elections/${id}/districts/${district}/consistency${q}`);
      assert.deepEqual(await consistency('?from=2&to=1'), [400, 'REQUEST_INVALID']);
      assert.deepEqual(await consistency('?from=x&to=1'), [400, 'REQUEST_INVALID']);
      assert.deepEqual(await consistency('?from=1'), [400, 'REQUEST_INVALID']);
      assert.deepEqual(await consistency('?from=0&to=1'), [400, 'REQUEST_INVALID']);
      assert.deepEqual(await consistency('?from=1&to=999999'), [404, 'BLOCK_NOT_FOUND']);
      assert.deepEqual(await consistency('?from=1&to=2', 'atlantis'), [404, 'DISTRICT_NOT_FOUND']);
    });
  });

  describe('waits for the persister', () => {
    const election = new Election();
    let ledger: ServiceProcess;

    before(async () => {
      await election.setUp();
      ledger = election.ledger();
      await ledger.start();
    });
    after(() => election.tearDown());

    it('never cuts past an offset the persister has not written; a receipt is pending until its block', async () => {
      // No persister: the test writes the persister's rows itself, and holds one back.
      await until('a first (empty) block', () => latestOf(ledger, election.electionId));
      const produced = await election.produce(election.casts(20));
      // A message that does not decode: the persister leaves a placeholder row for it.
      await election.producer.send({
        topic: election.topics.ballots,
        acks: -1,
        messages: [{ key: randomBytes(32), value: 'not json', partition: 0 }],
      });
      const garbageOffset = (await election.endOffsets())[0]! - 1;
      await election.writeRows(produced, { board: false, receipts: true });
      const pending = produced[0]!;
      const r = await ledger.get(
        `/v1/elections/${election.electionId}/receipts/${pending.cast.trackingCode}`,
      );
      assert.deepEqual(r.body, {
        status: 'pending',
        partition: pending.cast.partition,
        offset: pending.offset,
        districtId: pending.cast.districtId,
        block: null,
        leafIndex: null,
        treeSize: null,
        inclusionProof: [],
      });

      // All but one written (and the placeholder): still no block covers any of them.
      await election.writeRows(produced.slice(1), { board: true, receipts: false });
      await election.query(
        'INSERT INTO {ks}.board_entries (election_id, kafka_partition, offset_bucket, kafka_offset, received_at) VALUES (?, ?, ?, ?, ?)',
        [
          election.electionId,
          0,
          Math.floor(garbageOffset / OFFSET_BUCKET),
          garbageOffset,
          new Date(),
        ],
      );
      // The ledger has picked a cut over them and found exactly one offset not written yet.
      await until('the pending cut to miss exactly one offset', async () =>
        (await ledger.metric('hanpyo_ledger_cut_missing_entries', election.electionId)) === 1
          ? true
          : undefined,
      );
      for (const b of await election.storedBlocks()) {
        assert.ok(
          b.block.cuts.every((c) => c.toOffset === 0),
          `block ${b.block.height} covers nothing yet`,
        );
      }

      await election.writeRows([pending], { board: true, receipts: false });
      const latest = await until('the block with all of them', async () => {
        const l = await latestOf(ledger, election.electionId);
        return l && l.block.ballotCount === 20 ? l : undefined;
      });
      // 21 offsets covered, 20 leaves: the placeholder is a place on the board, not a leaf.
      // Counted as the cuts' cumulative end offsets, since an empty block may already follow the
      // one that covered them (every block before it covered nothing, as checked above).
      assert.equal(
        latest.block.cuts.reduce((n, c) => n + c.toOffset, 0),
        21,
      );
      await checkReceipts(
        ledger,
        election,
        produced.map((p) => p.cast),
      );
      await checkChain(election, await election.storedBlocks());
    });
  });

  describe('restart and replicas', () => {
    const election = new Election();
    let persister: ServiceProcess;
    let first: ServiceProcess;
    let second: ServiceProcess;
    const casts: Cast[] = [];

    before(async () => {
      await election.setUp();
      persister = election.persister();
      first = election.ledger({ HANPYO_LEDGER_INSTANCE_ID: 'ledger-a' });
      second = election.ledger({ HANPYO_LEDGER_INSTANCE_ID: 'ledger-b' });
      await Promise.all([persister.start(), first.start()]);
    });
    after(() => election.tearDown());

    it('restarted, it rebuilds its state from the store and continues the chain without a fork', async (t) => {
      const big = election.casts(10_000);
      casts.push(...big);
      await election.produce(big);
      await until(
        '10,000 ballots in blocks',
        async () => (await latestOf(first, election.electionId))?.block.ballotCount === 10_000,
        120_000,
      );
      const cutLogs = first.logs('block cut');
      const largest = cutLogs.reduce(
        (m, l) => ((l.entries as number) > (m.entries as number) ? l : m),
        cutLogs[0]!,
      );
      t.diagnostic(
        `largest block: ${String(largest.entries)} entries read from Cassandra in ${String(largest.readMs)} ms (last read pass), built, signed and stored in ${String(largest.buildMs)} ms`,
      );
      const earlier = await election.storedBlocks();

      await first.stop('SIGTERM');
      const lease = await election.query('SELECT owner FROM {ks}.leases WHERE name = ?', [
        `ledger.${election.electionId}`,
      ]);
      assert.equal(lease.rowLength, 0, 'a graceful shutdown gives the lease up');
      // 10,000 more (50 of them re-votes) while it is down, all persisted before it returns: the
      // first block after the restart holds them all.
      const more = [...election.casts(50, casts.slice(0, 50)), ...election.casts(9950)];
      casts.push(...more);
      await election.produce(more);
      const ends = await election.endOffsets();
      await until('the persister to write them', async () => {
        for (let p = 0; p < ends.length; p++) {
          if ((await election.entries(p, 0, ends[p]!)).length !== ends[p]) return false;
        }
        return true;
      });
      const restartedAt = Date.now();
      await first.start();
      const rebuilt = await until('the rebuild log', () =>
        Promise.resolve(first.logs('rebuilt the chain from the store')[0]),
      );
      t.diagnostic(
        `rebuilt ${String(rebuilt.blocks)} blocks (${String(rebuilt.ballotCount)} ballots) in ${String(rebuilt.ms)} ms; ready after ${Date.now() - restartedAt} ms`,
      );
      await until(
        'the new ballots in a block',
        async () =>
          (await latestOf(first, election.electionId))?.block.ballotCount === casts.length,
      );
      const afterRestart = first.logs('block cut').find((l) => (l.entries as number) >= 10_000);
      assert.ok(afterRestart, 'one block with the 10,000 new entries');
      t.diagnostic(
        `a block of ${String(afterRestart.entries)} entries: read from Cassandra in ${String(afterRestart.readMs)} ms, built, signed and stored in ${String(afterRestart.buildMs)} ms`,
      );
      const later = await election.storedBlocks();
      assert.deepEqual(later.slice(0, earlier.length), earlier, 'earlier blocks untouched');
      assert.ok(later.length > earlier.length);
      await checkChain(election, later);
      // Restarted, it read what the topic held (the marker committed with the last block) and
      // published only what followed: every height once, byte for byte the stored block.
      const known = first.logs('blocks already on the topic; publishing only what follows');
      assert.ok(
        known.some((l) => (l.height as number) >= earlier.length && l.identical === true),
        JSON.stringify(known),
      );
      const published = await election.publishedBlocks(later.length);
      assert.deepEqual(
        published.map((b) => b.block.height),
        published.map((_, i) => i + 1),
        'no height published twice after the restart',
      );
      assert.deepEqual(published.slice(0, later.length), later);
      // The rebuilt state proves old and new ballots against the new latest block.
      await checkReceipts(first, election, [...casts.slice(0, 200), ...more.slice(0, 300)]);
    });

    it('two replicas: exactly one cuts; the other follows and serves, and takes over when the first dies', async () => {
      await second.start();
      const wave = election.casts(60);
      casts.push(...wave);
      await election.produce(wave);
      await until('both replicas at the same height with the new ballots', async () => {
        const [a, b] = await Promise.all([
          latestOf(first, election.electionId),
          latestOf(second, election.electionId),
        ]);
        return a?.block.ballotCount === casts.length && b?.block.height === a.block.height;
      });
      // Both have looked at the lease since: the first holds it, the second knows it does not.
      await until('both replicas to report the lease', async () => {
        const h = await Promise.all(
          [first, second].map((s) => s.metric('hanpyo_ledger_lease_held', election.electionId)),
        );
        return h[0] === 1 && h[1] === 0 ? true : undefined;
      });
      const held = await Promise.all(
        [first, second].map((s) => s.metric('hanpyo_ledger_lease_held', election.electionId)),
      );
      const cut = await Promise.all(
        [first, second].map((s) => s.metric('hanpyo_ledger_blocks_cut_total', election.electionId)),
      );
      assert.deepEqual(
        held.map((h) => h ?? 0),
        [1, 0],
        'the first holds the lease',
      );
      assert.ok((cut[0] ?? 0) > 0);
      assert.equal(cut[1] ?? 0, 0, 'the second never cut');
      // The follower rebuilt the same state: it proves receipts too.
      await checkReceipts(second, election, wave);

      // The leader dies without releasing its lease: the follower takes over once it expires.
      const heightAtKill = (await latestOf(first, election.electionId))!.block.height;
      await first.stop('SIGKILL');
      await until('the second to take the lease', async () =>
        (await second.metric('hanpyo_ledger_lease_held', election.electionId)) === 1
          ? true
          : undefined,
      );
      const late = election.casts(40);
      casts.push(...late);
      await election.produce(late);
      await until(
        'the late ballots in a block cut by the second',
        async () =>
          (await latestOf(second, election.electionId))?.block.ballotCount === casts.length,
      );
      assert.ok((await second.metric('hanpyo_ledger_blocks_cut_total', election.electionId))! > 0);
      const blocks = await election.storedBlocks();
      assert.ok(blocks.length > heightAtKill);
      await checkChain(election, blocks);
      await checkReceipts(second, election, late);
      // Every block on the topic once, in order, whoever cut it.
      const published = await election.publishedBlocks(blocks.length);
      assert.deepEqual(
        published.map((b) => b.block.height),
        published.map((_, i) => i + 1),
        'heights 1, 2, 3, … each once on the topic',
      );
      assert.deepEqual(published.slice(0, blocks.length), blocks);
    });

    it('refuses, loudly, to go on from a stored chain the board does not reproduce', async () => {
      // Change one persisted entry inside block 2 behind the ledger's back, then start a replica.
      const blocks = await election.storedBlocks();
      const target = blocks.find((b) => b.block.cuts.some((c) => c.toOffset > c.fromOffset))!;
      const cut = target.block.cuts.find((c) => c.toOffset > c.fromOffset)!;
      await election.query(
        'UPDATE {ks}.board_entries SET tracking_code = ? WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = ? AND kafka_offset = ?',
        [
          'cd'.repeat(32),
          election.electionId,
          cut.partition,
          Math.floor(cut.fromOffset / OFFSET_BUCKET),
          cut.fromOffset,
        ],
      );
      const third = election.ledger({ HANPYO_LEDGER_INSTANCE_ID: 'ledger-c' });
      await third.start();
      await until('the divergence', async () =>
        (await third.metric('hanpyo_ledger_diverged', election.electionId)) === 1
          ? true
          : undefined,
      );
      const log = third.logs(
        'LEDGER DIVERGED: the stored chain cannot be rebuilt from the board; this replica will not cut or prove for the election',
      );
      assert.equal(log.length, 1);
      assert.equal(log[0]!.height, target.block.height);
      assert.equal(log[0]!.level, 'error');
      const r = await third.get(
        `/v1/elections/${election.electionId}/receipts/${casts[0]!.trackingCode}`,
      );
      assert.equal(r.status, 503);
      assert.equal((r.body.error as { code: string }).code, 'UNAVAILABLE');
      assert.equal(
        (await third.metric('hanpyo_ledger_blocks_cut_total', election.electionId)) ?? 0,
        0,
      );
      await third.stop();
    });
  });

  describe('the final block', () => {
    let election: Election | undefined;
    after(() => election?.tearDown());

    it('closed early, the ledger waits for `closes` and the grace; then one final block covers the rest of the board, then no more', async () => {
      // Created here, so `closes` is still well ahead (12 s) when the commission closes it early.
      election = new Election(12_000);
      await election.setUp();
      const persister = election.persister();
      const ledger = election.ledger();
      await Promise.all([persister.start(), ledger.start()]);
      const closes = Date.parse(election.manifest.closes);
      const casts = election.casts(50);
      await election.produce(casts);
      // The commission closes the election before `closes`: the early path.
      const closedAt = Date.now();
      assert.ok(closedAt < closes - 2000, `closed ${closes - closedAt} ms before closes`);
      assert.ok(
        await transition(election.store, election.electionId, 'open', 'closed', new Date()),
      );
      // Blocks go on being cut after the close, and none is final before `closes` and the grace.
      const cutAfterClose = await until(
        'a block cut after the close',
        async () => {
          const l = await latestOf(ledger, election!.electionId);
          return l && Date.parse(l.block.closedAt) > closedAt ? l : undefined;
        },
        30_000,
      );
      // The marker first (a block cut between the close and `closes`, by its own timestamp), so
      // the negative check below cannot pass only because the machine was slow.
      assert.ok(
        Date.parse(cutAfterClose.block.closedAt) < closes,
        `a block cut before closes (cut ${Date.parse(cutAfterClose.block.closedAt) - closes} ms after it)`,
      );
      assert.equal(cutAfterClose.block.final, false, 'final before closes');
      const final = await until(
        'the final block',
        async () => {
          const l = await latestOf(ledger, election!.electionId);
          return l?.block.final ? l : undefined;
        },
        30_000,
      );
      assert.ok(
        Date.parse(final.block.closedAt) >= closes + 1000,
        'cut after closes and the grace period, not at the close',
      );
      assert.deepEqual(
        final.block.cuts.map((c) => c.toOffset),
        await election.endOffsets(),
        'covers the whole board',
      );
      assert.equal(final.block.ballotCount, casts.length);
      // The ledger lets go of the election after its final block: then nothing more is cut.
      await until('the lease released', async () =>
        (await ledger.metric('hanpyo_ledger_lease_held', election!.electionId)) === 0
          ? true
          : undefined,
      );
      // The persister too stops reading the finished election: no member of its one group is
      // assigned a partition of that board, so it costs the brokers nothing more (issue 10).
      const group = `${election.kafkaConfig.topicPrefix}hanpyo-persister`;
      await until('the finished board out of the persister group’s assignment', async () => {
        const g = await groupAssignment(election!.admin, group);
        return g.topics.has(election!.topics.ballots) ? undefined : g;
      });
      assert.match(persister.output, /board persisted through the final block; no longer read/);
      const blocks = await election.storedBlocks();
      assert.equal(blocks[blocks.length - 1]!.block.height, final.block.height, 'no block after');
      await checkChain(election, blocks, true);
      assert.equal(blocks.filter((b) => b.block.final).length, 1);
      await checkReceipts(ledger, election, casts);
    });
  });
});
