// Full elections through the real processes and servers, the observer included, under both re-vote
// policies: ceremony, roll, open, signed ballots in both modes (with re-votes), blocks cosigned by
// the observer, close a few seconds later, the ledger's final block, the registrar's aggregates,
// trustees decrypting, and the exported record verifying offline. In the "last" election, entries
// are also written straight to the board by a plain Kafka producer, as anyone able to reach Kafka
// could: a ballot with valid proofs and no token, a real voter's token copied off the board beside a
// signature by another key, and a real voter's signed cast after `closes`. None of them is counted;
// each is in the exported record as refused with its rule, raises the observer's alarm (which still
// cosigns), and `hanpyo verify` exits 0 reporting them. The aggregates of each election are checked
// against an independent reading of the receipts: the sum of the ciphertexts of each voter's
// first (or last) receipted ballot. A trustee with a corrupted share file is refused with nothing
// stored; a tampered count, or a tampered counted ballot, makes the record invalid.
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseManifest, parseSignedBlock } from '@hanpyo/contracts';
import type { EncryptedBallot, Manifest, Receipt, SignedBlock } from '@hanpyo/contracts';
import {
  IDENTITY,
  base64url,
  electionContext,
  encryptBallot,
  fromBase64url,
  generateSigningKey,
  group,
  isIdentity,
  pointFromText,
  pointToText,
  randomBallotNonces,
  signCast,
  signingKeyFromSeed,
  systemRandom,
  trackingCode,
} from '@hanpyo/crypto';
import type { ElectionContext, Point } from '@hanpyo/crypto';
import { cassandraConfigFromEnv, createCassandraClient } from '@hanpyo/cassandra';
import {
  DISTRICT_HEADER,
  boardPartition,
  createBoardProducer,
  createKafka,
  kafkaConfigFromEnv,
  topicNames,
} from '@hanpyo/kafka';
import type { PartitionLayout } from '@hanpyo/ledger';
import { verifyBlockSignatures } from '@hanpyo/ledger';
import { uniqueName } from '../support/env.js';
import { startLocalStack } from '../support/stack.js';
import type { LocalStack } from '../support/stack.js';
import { until } from '../support/wait.js';
import { groupAssignment } from '../support/groups.js';
import { contest } from '../support/manifest.js';

interface TokenLine {
  voterId: string;
  districtId: string;
  token: string;
  deviceSecret: string;
}

interface TallyFile {
  trusteesUsed: number[];
  districts: {
    districtId: string;
    counted: number;
    contests: {
      contestId: string;
      options: { optionId: string; A: string; B: string; count: number }[];
    }[];
  }[];
}

describe('full elections under both policies: the board authenticates itself, observers cosign, trustees decrypt, the record verifies', () => {
  let stack: LocalStack;
  let state: string;
  const A = uniqueName('tally-last-');
  const B = uniqueName('tally-first-');
  const now = Date.now();
  // Set once the stack runs: its start-up takes from 10 s to over 30 s on a loaded 2-core machine,
  // and both elections must still be open for their set-up and casts.
  let closes = 0;

  before(async () => {
    stack = await startLocalStack({
      stateDirPrefix: 'hanpyo-tally-',
      namePrefix: 'e2e',
      maxBuffer: 1 << 26,
      env: {
        HANPYO_VOTERS_PER_PARTITION: '10',
        HANPYO_OBSERVER_ELECTIONS: `${A},${B}`,
        HANPYO_OBSERVER_TICK_MS: '300',
        HANPYO_REGISTRAR_PREJUDGE_INTERVAL_MS: '300',
      },
    });
    state = stack.state;
    // HANPYO_TEST_TALLY_WINDOW_MS: a longer window for a machine so loaded that the set-up of both
    // elections (six `hanpyo` processes each) outlasts 35 s.
    closes = Date.now() + Number(process.env.HANPYO_TEST_TALLY_WINDOW_MS ?? 35_000);
  });

  after(async () => {
    await stack?.stop();
  });

  const cli = (...args: string[]) => stack.cli(...args);
  /** Runs a command expected to fail; resolves with its exit code and output. */
  const failing = (...args: string[]) =>
    cli(...args).then(
      () => assert.fail(`hanpyo ${args.join(' ')} succeeded`),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const local = async () =>
    JSON.parse(await readFile(join(state, 'local.json'), 'utf8')) as {
      registrar: { url: string };
      ledger: { url: string };
      observer: { url: string };
    };
  const status = async (id: string) =>
    (await (
      await fetch(`${(await local()).registrar.url}/v1/elections/${id}/tally/status`)
    ).json()) as { status: string; trustees: number[]; trusteesUsed: number[] };
  const dir = (id: string, file: string) => join(state, id, file);

  /** Registers, holds the ceremony, imports a roll of 24, opens, mints, and casts 30 ballots. */
  async function runElection(id: string, policy: 'first' | 'last') {
    const manifest = {
      spec: 'hanpyo/1',
      electionId: id,
      title: `tally e2e (${policy})`,
      opens: new Date(now - 60_000).toISOString(),
      closes: new Date(closes).toISOString(),
      revotePolicy: policy,
      encryptionModes: ['client', 'edge'],
      commitmentIntervalSeconds: 1,
      contests: [
        contest('mayor', 'Mayor', ['a', 'b', 'c'], 1, 1),
        contest('council', 'Council', ['x', 'y', 'z'], 0, 2),
      ],
      ballotStyles: [
        { ballotStyleId: 'full', contestIds: ['mayor', 'council'] },
        { ballotStyleId: 'mayor-only', contestIds: ['mayor'] },
      ],
      districts: [
        { districtId: 'd1', name: 'd1', ballotStyleId: 'full', registeredVoters: 40 },
        { districtId: 'd2', name: 'd2', ballotStyleId: 'mayor-only', registeredVoters: 40 },
        // A district nobody votes in (the synthetic roll gives it no voter of 24): identity
        // aggregates, counts 0.
        { districtId: 'd3', name: 'd3', ballotStyleId: 'full', registeredVoters: 1 },
      ],
      trustees: { count: 5, threshold: 3 },
    };
    await cli('election', 'create', '--manifest', await written(id, 'manifest.json', manifest));
    await cli('ceremony', 'local', '--election', id, '--out', dir(id, 'ceremony'));
    await cli('election', 'ceremony', id, '--record', join(dir(id, 'ceremony'), 'ceremony.json'));
    await cli('roll', 'synth', '--election', id, '--count', '24');
    await cli('election', 'open', id);
    await cli('tokens', '--election', id, '--count', '24', '--out', dir(id, 'tokens'));
    // Each voter's choices, random, from a seed of its own: nothing here depends on them but the
    // aggregates, which are checked below against the receipts.
    const cast = await cli(
      'cast',
      '--election',
      id,
      '--tokens',
      dir(id, 'tokens'),
      '--receipts',
      dir(id, 'receipts'),
      '--mode',
      'mixed',
      '--revote',
      '0.25',
      '--concurrency',
      '8',
      '--choices',
      dir(id, 'choices'),
    );
    assert.match(cast.stdout, /^cast 30 ballots/m);
  }

  /**
   * Every decrypted count equals what was cast: for each voter, the choices of their first (or
   * last) receipted ballot by (partition, offset), counted per district, contest and option.
   */
  async function checkCounts(id: string, record: string, policy: 'first' | 'last') {
    const chosen = new Map<
      string,
      {
        partition: number;
        offset: number;
        districtId: string;
        selections: Record<string, string[]>;
      }
    >();
    const districtOf = new Map((await tokensOf(id)).map((t) => [t.voterId, t.districtId]));
    for (const line of (await readFile(dir(id, 'choices'), 'utf8')).trim().split('\n')) {
      const c = JSON.parse(line) as {
        voterId: string;
        partition: number;
        offset: number;
        selections: Record<string, string[]>;
      };
      const held = chosen.get(c.voterId);
      const later =
        !held ||
        c.partition > held.partition ||
        (c.partition === held.partition && c.offset > held.offset);
      if (!held || (policy === 'last' ? later : !later))
        chosen.set(c.voterId, { ...c, districtId: districtOf.get(c.voterId)! });
    }
    const expected = new Map<string, number>();
    for (const c of chosen.values())
      for (const [contestId, options] of Object.entries(c.selections))
        for (const optionId of options) {
          const k = `${c.districtId}/${contestId}/${optionId}`;
          expected.set(k, (expected.get(k) ?? 0) + 1);
        }
    const published = JSON.parse(await readFile(join(record, 'tally.json'), 'utf8')) as TallyFile;
    let votes = 0;
    for (const d of published.districts)
      for (const c of d.contests)
        for (const o of c.options) {
          const k = `${d.districtId}/${c.contestId}/${o.optionId}`;
          assert.equal(o.count, expected.get(k) ?? 0, `count of ${k}`);
          votes += o.count;
        }
    assert.equal(
      votes,
      [...expected.values()].reduce((a, b) => a + b, 0),
      'every choice counted',
    );
    assert.ok(votes >= 24, 'at least one mayor vote per counted voter');
  }

  async function written(id: string, file: string, value: unknown): Promise<string> {
    await mkdir(join(state, id), { recursive: true });
    await writeFile(dir(id, file), JSON.stringify(value));
    return dir(id, file);
  }

  const tokensOf = async (id: string) =>
    (await readFile(dir(id, 'tokens'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TokenLine);

  /** The election as a device sees it, and its partition layout (from the registrar). */
  async function electionOf(id: string) {
    const view = (await (
      await fetch(`${(await local()).registrar.url}/v1/elections/${id}`)
    ).json()) as {
      manifest: Manifest;
      jointPublicKey: string;
      partitionLayout: PartitionLayout;
    };
    return {
      context: electionContext(parseManifest(view.manifest), pointFromText(view.jointPublicKey)),
      layout: view.partitionLayout,
    };
  }

  /** Writes entries straight to the election's board, as a plain Kafka producer would. */
  async function writeStraightToKafka(
    id: string,
    layout: PartitionLayout,
    entries: { districtId: string; nullifier: Uint8Array; value: object }[],
  ) {
    const config = kafkaConfigFromEnv(stack.env);
    const kafka = createKafka(config);
    const producer = createBoardProducer(kafka);
    await producer.connect();
    try {
      await producer.send({
        topic: topicNames(config, id).ballots,
        acks: -1,
        messages: entries.map((e) => ({
          partition: boardPartition(layout, e.districtId, e.nullifier),
          key: Buffer.from(e.nullifier),
          value: JSON.stringify(e.value),
          headers: { [DISTRICT_HEADER]: e.districtId },
        })),
      });
    } finally {
      await producer.disconnect();
    }
  }

  const ballotFor = (
    context: ElectionContext,
    line: TokenLine,
    nullifier: Uint8Array,
  ): EncryptedBallot =>
    encryptBallot(
      context,
      { districtId: line.districtId, nullifier },
      line.districtId === 'd1' ? { mayor: ['a'], council: ['x', 'y'] } : { mayor: ['a'] },
      randomBallotNonces(systemRandom),
    );
  const nullifierOf = (token: string) =>
    fromBase64url(
      (
        JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
          sub: string;
        }
      ).sub,
      32,
    );

  /** Waits for the final block and the observer's cosignature of it. */
  async function finalBlock(id: string): Promise<void> {
    const latest = `${(await local()).ledger.url}/v1/elections/${id}/blocks/latest`;
    await until(
      `the final block of ${id}, cosigned by the observer`,
      async () => {
        const r = await fetch(latest);
        if (!r.ok) return false;
        const b = (await r.json()) as SignedBlock;
        return b.block.final && b.signatures.signatures.some((s) => s.keyId === 'observer-1');
      },
      90_000,
    );
  }

  async function tallyWith(id: string, trustees: number[]) {
    const tally = await cli('election', 'tally', id);
    assert.match(tally.stdout, /24 ballots counted in 3 districts/);
    assert.match(tally.stdout, /d3: 0 counted/);
    for (const i of trustees)
      await cli(
        'trustee',
        'decrypt',
        '--election',
        id,
        '--share',
        join(dir(id, 'ceremony'), `trustee-${i}.json`),
      );
    assert.equal((await status(id)).status, 'complete');
  }

  /**
   * The aggregates the tally must have, computed apart from the counting code: for each voter the
   * first (or last) of their receipted ballots by (partition, offset), and the sum of those
   * ballots' ciphertexts, read from the record by tracking code and place.
   */
  async function expectedAggregates(id: string, record: string, policy: 'first' | 'last') {
    const chosen = new Map<string, Receipt>();
    for (const line of (await readFile(dir(id, 'receipts'), 'utf8')).trim().split('\n')) {
      const { voterId, receipt } = JSON.parse(line) as { voterId: string; receipt: Receipt };
      const held = chosen.get(voterId);
      const later =
        !held ||
        receipt.partition > held.partition ||
        (receipt.partition === held.partition && receipt.offset > held.offset);
      if (!held || (policy === 'last' ? later : !later)) chosen.set(voterId, receipt);
    }
    const wanted = new Set(
      [...chosen.values()].map((r) => `${r.partition}/${r.offset}/${r.trackingCode}`),
    );
    const g = group();
    const add = (a: Point, b: Point) => (isIdentity(a) ? b : isIdentity(b) ? a : g.add(a, b));
    const sums = new Map<string, [Point, Point]>();
    let found = 0;
    for (const line of (await readFile(join(record, 'ballots.ndjson'), 'utf8'))
      .trim()
      .split('\n')) {
      const e = JSON.parse(line) as {
        partition: number;
        offset: number;
        trackingCode: string;
        ballot: EncryptedBallot;
      };
      if (!wanted.has(`${e.partition}/${e.offset}/${e.trackingCode}`)) continue;
      found++;
      for (const c of e.ballot.contests)
        for (const s of c.selections) {
          const k = `${e.ballot.districtId}/${c.contestId}/${s.optionId}`;
          const [x, y] = sums.get(k) ?? [IDENTITY, IDENTITY];
          sums.set(k, [add(x, fromBase64url(s.alpha, 32)), add(y, fromBase64url(s.beta, 32))]);
        }
    }
    assert.equal(found, 24, 'every voter’s chosen ballot is in the record');
    return sums;
  }

  async function checkAggregates(id: string, record: string, policy: 'first' | 'last') {
    const expected = await expectedAggregates(id, record, policy);
    const published = JSON.parse(await readFile(join(record, 'tally.json'), 'utf8')) as TallyFile;
    let options = 0;
    for (const d of published.districts)
      for (const c of d.contests)
        for (const o of c.options) {
          const [x, y] = expected.get(`${d.districtId}/${c.contestId}/${o.optionId}`) ?? [
            IDENTITY,
            IDENTITY,
          ];
          assert.equal(o.A, pointToText(x), `${d.districtId}/${c.contestId}/${o.optionId} A`);
          assert.equal(o.B, pointToText(y), `${d.districtId}/${c.contestId}/${o.optionId} B`);
          options++;
        }
    assert.equal(options, 3 + 3 + 3 + 3 + 3);
    return published;
  }

  it('"last": refuses what was written straight to Kafka, counts each voter’s last receipted ballot, and the record verifies', async () => {
    await Promise.all([runElection(A, 'last'), runElection(B, 'first')]);
    const { context, layout } = await electionOf(A);
    const tokens = await tokensOf(A);

    // Before the final block the tally refuses to start.
    const early = await failing('election', 'tally', A);
    assert.match(early.stderr, /ELECTION_STATE/);

    // Written straight to the board: (1) a well-formed ballot with valid proofs and no token, for a
    // real voter — under "last" it would replace their counted ballot were it counted; (2) a real
    // voter's token copied off the board beside a signature by another key.
    const victim = tokens[0]!;
    const noToken = ballotFor(context, victim, nullifierOf(victim.token));
    const board = (await (
      await fetch(
        `${(await local()).registrar.url}/v1/elections/${A}/board/${boardPartition(layout, tokens[1]!.districtId, nullifierOf(tokens[1]!.token))}?from=0&to=1000`,
      )
    ).json()) as { entries: { token?: string; ballot: EncryptedBallot }[] };
    const copied = board.entries.find((e) => e.token !== undefined)!;
    assert.ok(copied, 'the board carries tokens');
    const copiedLine = tokens.find((t) => t.token === copied.token)!;
    const stolen = ballotFor(context, copiedLine, nullifierOf(copied.token!));
    const thief = generateSigningKey('thief');
    await writeStraightToKafka(A, layout, [
      {
        districtId: victim.districtId,
        nullifier: nullifierOf(victim.token),
        value: { trackingCode: trackingCode(noToken), ballot: noToken },
      },
      {
        districtId: copiedLine.districtId,
        nullifier: nullifierOf(copied.token!),
        value: {
          trackingCode: trackingCode(stolen),
          ballot: stolen,
          token: copied.token,
          castSignature: signCast(thief, A, trackingCode(stolen)),
        },
      },
    ]);

    await sleep(Math.max(0, closes - Date.now() + 1500));
    const closed = await cli('election', 'close', A);
    assert.match(closed.stderr, /the ledger cuts the final block after /);
    await cli('election', 'close', B);
    // (3) After `closes`, before the final cut: a real voter's signed cast, which is late.
    const lateVoter = tokens[2]!;
    const late = ballotFor(context, lateVoter, nullifierOf(lateVoter.token));
    const device = signingKeyFromSeed('device', fromBase64url(lateVoter.deviceSecret, 32));
    await writeStraightToKafka(A, layout, [
      {
        districtId: lateVoter.districtId,
        nullifier: nullifierOf(lateVoter.token),
        value: {
          trackingCode: trackingCode(late),
          ballot: late,
          token: lateVoter.token,
          castSignature: signCast(device, A, trackingCode(late)),
        },
      },
    ]);
    await finalBlock(A);

    // The observer raised an alarm for each refused entry, by rule, and still cosigned every block.
    const metrics = await (await fetch(`${(await local()).observer.url}/metrics`)).text();
    for (const rule of ['token', 'cast-signature', 'window'])
      assert.match(
        metrics,
        new RegExp(
          `hanpyo_observer_refused_entries_total\\{[^}]*election="${A}"[^}]*rule="${rule}"[^}]*\\} 1\\b`,
        ),
        rule,
      );
    assert.match(metrics, new RegExp(`hanpyo_observer_diverged\\{[^}]*election="${A}"[^}]*\\} 0`));

    // A finished election costs the brokers nothing: the observer stops reading it after the final
    // block, and the persister stops reading its board: no member of either service's one group is
    // assigned a partition of its topics any more.
    await until('the observer finished with the election', async () => {
      const r = await fetch(`${(await local()).observer.url}/v1/status`);
      const { elections } = (await r.json()) as {
        elections: { electionId: string; phase: string }[];
      };
      return elections.find((e) => e.electionId === A)?.phase === 'finished' ? true : undefined;
    });
    const config = kafkaConfigFromEnv(stack.env);
    const admin = createKafka(config).admin();
    await admin.connect();
    try {
      const names = topicNames(config, A);
      for (const group of [
        `${config.topicPrefix}hanpyo-persister`,
        `${config.topicPrefix}hanpyo-observer.observer-1`,
      ]) {
        await until(`the finished election out of ${group}`, async () => {
          const g = await groupAssignment(admin, group);
          return g.members <= 1 && !g.topics.has(names.ballots) && !g.topics.has(names.blocks)
            ? true
            : undefined;
        });
      }
    } finally {
      await admin.disconnect();
    }

    // The registrar judged every entry while the election ran and stored the verdicts. One of
    // them is now forged (the refused entry without a token, made countable as the victim's
    // ballot) without the digest of its row: the tally must judge that row again and refuse it.
    await forgeStoredVerdict(A, victim.districtId, base64url(nullifierOf(victim.token)));

    await tallyWithBadShare(A);
    const { verdicts } = (await status(A)) as unknown as {
      verdicts: { prejudged: number; judged: number };
    };
    assert.deepEqual(verdicts, { prejudged: 32, judged: 1 });
    const record = join(state, 'record-last');
    const exported = await cli('election', 'export', A, '--out', record);
    assert.match(exported.stdout, /33 board entries/);
    await checkBlocks(record);

    // `hanpyo verify` reports the three refused entries with their place and rule, apart from
    // failures, and exits 0.
    const verified = await cli('verify', record);
    assert.match(
      verified.stdout,
      /^VALID: .*33 board entries \(30 authorized, 3 refused: .*; 24 counted\)/m,
    );
    const refused = verified.stdout.split('\n').filter((l) => l.startsWith('REFUSED'));
    assert.equal(refused.length, 3, verified.stdout);
    assert.ok(
      refused.some((l) => /^REFUSED rule token \(TOKEN_MISSING\) at ballots\.ndjson:\d+ /.test(l)),
    );
    assert.ok(
      refused.some((l) =>
        /^REFUSED rule cast-signature \(CAST_SIGNATURE_INVALID\) at ballots\.ndjson:\d+ /.test(l),
      ),
    );
    assert.ok(
      refused.some((l) =>
        /^REFUSED rule window \(RECEIVED_AFTER_CLOSES\) at ballots\.ndjson:\d+ /.test(l),
      ),
    );
    const json = JSON.parse((await cli('verify', record, '--json')).stdout) as {
      valid: boolean;
      refused: { rule: string; code: string; place: { line: number } }[];
    };
    assert.equal(json.valid, true);
    assert.deepEqual(json.refused.map((r) => r.code).sort(), [
      'CAST_SIGNATURE_INVALID',
      'RECEIVED_AFTER_CLOSES',
      'TOKEN_MISSING',
    ]);
    // None of them counted: the aggregates are those of each voter's last receipted ballot, and
    // every decrypted count is what those ballots chose.
    const published = await checkAggregates(A, record, 'last');
    await checkCounts(A, record, 'last');
    assert.deepEqual(published.trusteesUsed, [1, 3, 5]);
    const mayorVotes = (d: number) =>
      published.districts[d]!.contests[0]!.options.reduce((s, o) => s + o.count, 0);
    // Mayor is choose-exactly-one: its counts add up to the district's counted ballots.
    assert.equal(mayorVotes(0), published.districts[0]!.counted);
    assert.equal(mayorVotes(1), published.districts[1]!.counted);

    await tamperings(record, published);
  });

  it('"first": refuses to count a board store missing a row, then counts each voter’s first receipted ballot', async () => {
    await finalBlock(B);
    // One stored board row of B goes missing: the tally refuses to count rather than undercount…
    const config = cassandraConfigFromEnv(stack.env);
    const client = createCassandraClient(config);
    await client.connect();
    try {
      const table = `${config.keyspace}.board_entries`;
      const where =
        'election_id = ? AND kafka_partition = ? AND offset_bucket = 0 AND kafka_offset = ?';
      // A receipted ballot's row (offsets stay below one bucket of 10,000 here).
      const first = (await readFile(dir(B, 'receipts'), 'utf8')).split('\n')[0]!;
      const { receipt } = JSON.parse(first) as { receipt: Receipt };
      const key = [B, receipt.partition, receipt.offset];
      const select = `SELECT * FROM ${table} WHERE ${where}`;
      const row = (await client.execute(select, key, { prepare: true })).first();
      assert.ok(row, 'a stored row to take away');
      await client.execute(`DELETE FROM ${table} WHERE ${where}`, key, { prepare: true });
      const refused = await failing('election', 'tally', B);
      assert.match(refused.stderr, /BOARD_INCOMPLETE: partition \d+ has \d+ stored rows/);
      // …and once the row is back, the tally runs again from the start.
      const columns = row.keys();
      await client.execute(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        columns.map((c) => row.get(c) as unknown),
        { prepare: true },
      );
    } finally {
      await client.shutdown();
    }
    await resetAndDecodeFailure(B);
    await tallyWith(B, [2, 4, 5]);
    // A complete tally is never reset.
    const complete = await failing('election', 'tally', B, '--reset', '--reason', 'too late');
    assert.match(complete.stderr, /TALLY_COMPLETE/);
    const record = join(state, 'record-first');
    const exported = await cli('election', 'export', B, '--out', record);
    assert.match(exported.stdout, /audit log entries in audit-log\.ndjson/);
    await checkAuditLog(B, record);
    await checkBlocks(record);
    const verified = await cli('verify', record);
    assert.match(
      verified.stdout,
      /^VALID: .*30 board entries \(30 authorized, 0 refused; 24 counted\)/m,
    );
    const published = await checkAggregates(B, record, 'first');
    await checkCounts(B, record, 'first');
    assert.deepEqual(published.trusteesUsed, [2, 4, 5]);
  });

  /**
   * Resets: a tally with trustee 1 in is reset with a reason and starts again with no trustee; then
   * aggregates tampered in Cassandra make the combination fail (TALLY_DECODE_FAILED, kept and
   * reported, later submissions refused) until a reset, after which the tally runs again from the
   * board with another trustee set.
   */
  async function resetAndDecodeFailure(id: string) {
    await cli('election', 'tally', id);
    const ceremony = dir(id, 'ceremony');
    const decrypt = (i: number) =>
      cli('trustee', 'decrypt', '--election', id, '--share', join(ceremony, `trustee-${i}.json`));
    await decrypt(1);
    assert.deepEqual((await status(id)).trustees, [1]);
    const noReason = await failing('election', 'tally', id, '--reset');
    assert.match(noReason.stderr, /--reason/);
    const reset = await cli('election', 'tally', id, '--reset', '--reason', 'trustee 1 withdrew');
    assert.match(reset.stdout, /reset \(it was aggregated\)/);
    assert.deepEqual(await status(id), { ...(await status(id)), status: 'none', trustees: [] });
    await cli('election', 'tally', id);
    assert.deepEqual((await status(id)).trustees, []);
    // The aggregates of d1 tampered with: B of the first option replaced by its A (a valid point),
    // so B − Σλ·D decodes to no count in [0, registeredVoters].
    const config = cassandraConfigFromEnv(stack.env);
    const client = createCassandraClient(config);
    await client.connect();
    try {
      const table = `${config.keyspace}.tally_districts`;
      const row = (
        await client.execute(
          `SELECT aggregates FROM ${table} WHERE election_id = ? AND district_id = 'd1'`,
          [id],
          { prepare: true },
        )
      ).first();
      const contests = JSON.parse(row.get('aggregates') as string) as {
        options: { A: string; B: string }[];
      }[];
      contests[0]!.options[0]!.B = contests[0]!.options[0]!.A;
      await client.execute(
        `UPDATE ${table} SET aggregates = ? WHERE election_id = ? AND district_id = 'd1'`,
        [JSON.stringify(contests), id],
        { prepare: true },
      );
    } finally {
      await client.shutdown();
    }
    await decrypt(2);
    await decrypt(3);
    const failed = await failing(
      'trustee',
      'decrypt',
      '--election',
      id,
      '--share',
      join(ceremony, 'trustee-4.json'),
    );
    assert.match(
      failed.stderr,
      /TALLY_DECODE_FAILED: the counts do not decode with trustees 2, 3, 4/,
    );
    const wedged = (await status(id)) as unknown as { errorCode?: string; status: string };
    assert.equal(wedged.status, 'aggregated');
    assert.equal(wedged.errorCode, 'TALLY_DECODE_FAILED');
    const later = await failing(
      'trustee',
      'decrypt',
      '--election',
      id,
      '--share',
      join(ceremony, 'trustee-5.json'),
    );
    assert.match(later.stderr, /TALLY_DECODE_FAILED/);
    await cli('election', 'tally', id, '--reset', '--reason', 'aggregates of d1 do not decode');
    const after = (await status(id)) as unknown as { errorCode?: string; status: string };
    assert.equal(after.status, 'none');
    assert.equal(after.errorCode, undefined);
  }

  /**
   * The audit log exported beside the record: the operator's and the tally's calls with who and
   * the outcome, the resets with their reasons, and no key or token anywhere.
   */
  async function checkAuditLog(id: string, record: string) {
    const text = await readFile(join(record, 'audit-log.ndjson'), 'utf8');
    const entries = text
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            action: string;
            credentialId: string;
            role: string;
            status: number;
            code: string | null;
            detail: string | null;
            electionId: string;
          },
      );
    assert.ok(entries.every((e) => e.electionId === id));
    const has = (action: string, role: string, status: number) =>
      entries.some((e) => e.action === action && e.role === role && e.status === status);
    assert.ok(has('election.create', 'operator', 201));
    assert.ok(has('election.open', 'operator', 200));
    assert.ok(has('tokens.bulk', 'issuer', 201));
    assert.ok(has('tally.start', 'tally', 202));
    assert.ok(has('tally.shares', 'tally', 200));
    assert.deepEqual(
      entries.filter((e) => e.action === 'tally.reset').map((e) => [e.status, e.code, e.detail]),
      [
        [200, null, 'reason: trustee 1 withdrew'],
        [200, null, 'reason: aggregates of d1 do not decode'],
        [409, 'TALLY_COMPLETE', 'reason: too late'],
      ],
    );
    assert.ok(entries.some((e) => e.action === 'tally.shares' && e.code === 'TALLY_DECODE_FAILED'));
    const local = JSON.parse(await readFile(join(state, 'local.json'), 'utf8')) as {
      registrar: { adminToken: string; credentials: Record<string, string> };
    };
    for (const key of [...Object.values(local.registrar.credentials), local.registrar.adminToken])
      assert.ok(!text.includes(key), 'no key in the audit log');
    for (const line of (await readFile(dir(id, 'tokens'), 'utf8')).trim().split('\n')) {
      const { token, deviceSecret } = JSON.parse(line) as TokenLine;
      assert.ok(!text.includes(token) && !text.includes(deviceSecret), 'no token in the audit log');
    }
  }

  /** Tally, a bad share refused with nothing stored, and trustees 1, 3, 5. */
  /**
   * Waits until the registrar's stored verdicts cover the final block of `id`, then replaces the
   * verdict of its TOKEN_MISSING entry by a countable one for `(districtId, nullifier)`, under a
   * digest that is not its row's.
   */
  async function forgeStoredVerdict(id: string, districtId: string, nullifier: string) {
    const latest = (await (
      await fetch(`${(await local()).ledger.url}/v1/elections/${id}/blocks/latest`)
    ).json()) as SignedBlock;
    const config = cassandraConfigFromEnv(stack.env);
    const client = createCassandraClient(config);
    await client.connect();
    try {
      const ks = config.keyspace;
      await until('verdicts stored for the whole final block', async () => {
        const r = await client.execute(
          `SELECT kafka_partition, next_offset FROM ${ks}.verdict_progress WHERE election_id = ?`,
          [id],
          { prepare: true },
        );
        const next = new Map(
          r.rows.map((row) => [
            row.get('kafka_partition') as number,
            Number(row.get('next_offset')),
          ]),
        );
        return latest.block.cuts.every((c) => (next.get(c.partition) ?? 0) >= c.toOffset)
          ? true
          : undefined;
      });
      let forged = 0;
      for (const c of latest.block.cuts) {
        const r = await client.execute(
          `SELECT kafka_offset, verdict FROM ${ks}.board_verdicts WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = 0`,
          [id, c.partition],
          { prepare: true },
        );
        for (const row of r.rows) {
          if (!(row.get('verdict') as string).includes('TOKEN_MISSING')) continue;
          const countable = JSON.stringify({
            kind: 'entry',
            verdict: { authorized: true, voter: { nullifier, districtId }, refusals: [] },
          });
          await client.execute(
            `UPDATE ${ks}.board_verdicts SET verdict = ?, row_digest = ? WHERE election_id = ? AND kafka_partition = ? AND offset_bucket = 0 AND kafka_offset = ?`,
            [countable, Buffer.alloc(32), id, c.partition, row.get('kafka_offset')],
            { prepare: true },
          );
          forged++;
        }
      }
      assert.equal(forged, 1, 'one stored TOKEN_MISSING verdict');
    } finally {
      await client.shutdown();
    }
  }

  async function tallyWithBadShare(id: string) {
    const tally = await cli('election', 'tally', id);
    assert.match(tally.stdout, /24 ballots counted in 3 districts/);
    assert.match(tally.stdout, /d3: 0 counted/);
    const ceremony = dir(id, 'ceremony');
    // Trustee 2's file with another trustee's secret: every proof fails; refused, nothing stored.
    const share2 = JSON.parse(await readFile(join(ceremony, 'trustee-2.json'), 'utf8')) as {
      secretShare: string;
    };
    const share4 = JSON.parse(await readFile(join(ceremony, 'trustee-4.json'), 'utf8')) as {
      secretShare: string;
    };
    const corrupted = join(state, 'trustee-2-corrupted.json');
    await writeFile(corrupted, JSON.stringify({ ...share2, secretShare: share4.secretShare }));
    const bad = await failing('trustee', 'decrypt', '--election', id, '--share', corrupted);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /DECRYPTION_SHARE_INVALID: trustee 2: the share of district 'd1', contest 'mayor', option 'a'/,
    );
    assert.ok(!bad.stderr.includes(share4.secretShare), 'the secret is never printed');
    assert.deepEqual((await status(id)).trustees, []);
    const notYet = await fetch(`${(await local()).registrar.url}/v1/elections/${id}/tally`);
    assert.equal(notYet.status, 404);
    assert.equal(
      ((await notYet.json()) as { error: { code: string } }).error.code,
      'TALLY_NOT_FOUND',
    );
    for (const i of [1, 3]) {
      const r = await cli(
        'trustee',
        'decrypt',
        '--election',
        id,
        '--share',
        join(ceremony, `trustee-${i}.json`),
      );
      assert.match(
        r.stdout,
        new RegExp(`^trustee ${i}: 15 partial decryptions accepted; tally aggregated`, 'm'),
      );
    }
    const last = await cli(
      'trustee',
      'decrypt',
      '--election',
      id,
      '--share',
      join(ceremony, 'trustee-5.json'),
    );
    assert.match(last.stdout, /tally complete/);
    assert.deepEqual(await status(id), {
      ...(await status(id)),
      status: 'complete',
      trustees: [1, 3, 5],
      trusteesUsed: [1, 3, 5],
    });
  }

  /** Every block of the record is signed by the ledger and cosigned by the manifest's witness. */
  async function checkBlocks(record: string) {
    const manifest = parseManifest(
      JSON.parse(await readFile(join(record, 'manifest.json'), 'utf8')),
    );
    assert.deepEqual(
      manifest.witnesses.map((w) => w.keyId),
      ['observer-1'],
    );
    const blocks = (await readFile(join(record, 'blocks.ndjson'), 'utf8'))
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => parseSignedBlock(JSON.parse(l)));
    assert.ok(blocks.length >= 2, `${blocks.length} blocks`);
    assert.ok(blocks[blocks.length - 1]!.block.final, 'the record ends with the final block');
    for (const signed of blocks) {
      const report = verifyBlockSignatures(signed, manifest);
      const h = signed.block.height;
      assert.deepEqual(report.failures, [], `block ${h}`);
      assert.deepEqual(report.ledgerSigners, ['ledger-1'], `block ${h} is signed by the ledger`);
      assert.deepEqual(report.witnesses, ['observer-1'], `block ${h} is cosigned`);
    }
  }

  /** A tampered count, and a tampered counted ballot: the record no longer verifies. */
  async function tamperings(record: string, published: TallyFile) {
    const tampered = join(state, 'tampered');
    await cp(record, tampered, { recursive: true });
    const changed = structuredClone(published);
    changed.districts[0]!.contests[0]!.options[0]!.count += 1;
    await writeFile(join(tampered, 'tally.json'), JSON.stringify(changed));
    const refused = await failing('verify', tampered);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /TALLY_COUNT_MISMATCH/);

    // A proof scalar swapped in a counted ballot (a voter's only entry, authorized), the stated
    // tracking code kept: the entry is refused (its tracking code is no longer its ballot's), the
    // tally no longer matches the counted set, and the record is invalid.
    const tamperedBoard = join(state, 'tampered-board');
    await cp(record, tamperedBoard, { recursive: true });
    const lines = (await readFile(join(tamperedBoard, 'ballots.ndjson'), 'utf8')).split('\n');
    const entries = lines
      .filter((l) => l)
      .map((l) => JSON.parse(l) as { token?: string; ballot: EncryptedBallot });
    const seen = new Map<string, number>();
    for (const e of entries) seen.set(e.ballot.nullifier, (seen.get(e.ballot.nullifier) ?? 0) + 1);
    const index = entries.findIndex((e) => e.token && seen.get(e.ballot.nullifier) === 1);
    assert.ok(index >= 0);
    const entry = entries[index]!;
    const z = entry.ballot.contests[0]!.selections[0]!.proof.z;
    assert.notEqual(z[0], z[1]);
    [z[0], z[1]] = [z[1]!, z[0]!];
    lines[index] = JSON.stringify(entry);
    await writeFile(join(tamperedBoard, 'ballots.ndjson'), lines.join('\n'));
    const broken = await failing('verify', tamperedBoard);
    assert.equal(broken.code, 1);
    assert.match(
      broken.stdout,
      new RegExp(
        `^REFUSED rule tracking-code \\(TRACKING_CODE_MISMATCH\\) at ballots\\.ndjson:${index + 1} `,
        'm',
      ),
    );
    assert.match(
      broken.stdout,
      new RegExp(`^FAIL TALLY_COUNTED at tally\\.json district ${entry.ballot.districtId}`, 'm'),
    );
    assert.match(broken.stdout, /^INVALID: /m);
  }
});
