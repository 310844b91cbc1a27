// The observer against the real pipeline: the five services started by the stack launcher on free
// ports (own topic prefix, keyspace and state directory), an election made and voted in with the
// `hanpyo` commands. The observer must cosign every block (its signature served beside the block
// by the ledger, verifying under the manifest's witness key); resume after a restart from its
// checkpoint without replaying old blocks; and, for a tampered entry written straight to the board
// (a broken proof under a recomputed tracking code beside a copied token and signature, which the
// persister stores and the ledger cuts), raise a refused-entry alarm with its place and rule while
// still cosigning: the entry is rightly in the logs, and never counted (SPEC §6). A second observer following one district only
// (HANPYO_OBSERVER_DISTRICTS, its partitions from the registrar's layout) keeps up with the chain
// without divergence and never cosigns.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Block, BlockSignatures, EncryptedBallot, Manifest } from '@hanpyo/contracts';
import { fromHex, signingKeyFromSeed, trackingCode } from '@hanpyo/crypto';
import { initFastestBackend } from '@hanpyo/crypto-native';
import { createKafka, kafkaConfigFromEnv, topicNames } from '@hanpyo/kafka';
import { blockSignatures, verifyBlockSignatures } from '@hanpyo/ledger';
import { uniqueName } from '../support/env.js';
import { readTopic } from '../support/read-topic.js';
import { until } from '../support/wait.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const hanpyo = join(root, 'tools', 'hanpyo', 'bin', 'hanpyo.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface StackModule {
  startServices(names?: string[], options?: { timeoutMs?: number }): Promise<string[]>;
  stopServices(names?: string[]): Promise<string[]>;
  serviceEnvironments(env?: NodeJS.ProcessEnv): Promise<Record<string, NodeJS.ProcessEnv>>;
}

interface Status {
  electionId: string;
  phase: string;
  height: number;
  blockHash: string | null;
  divergedAt: number | null;
  divergences: number;
  refusedEntries: number;
  cosigning: boolean;
  districts?: string[] | null;
  recentDivergences: {
    height: number;
    code: string;
    districtId?: string;
    partition?: number;
    offset?: number;
  }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('observer: replays, verifies and cosigns every block (real services and servers)', () => {
  let state: string;
  let stack: StackModule;
  let env: NodeJS.ProcessEnv;
  let ledgerUrl: string;
  let observerUrl: string;
  let districtObserverUrl: string;
  let districtObserver: ChildProcess | undefined;
  let manifest: Manifest;
  const electionId = uniqueName('obs-');

  before(async () => {
    await initFastestBackend();
    state = await mkdtemp(join(tmpdir(), 'hanpyo-e2e-observer-'));
    const ports = {
      HANPYO_REGISTRAR_PORT: String(await freePort()),
      HANPYO_EDGE_PORT: String(await freePort()),
      HANPYO_LEDGER_PORT: String(await freePort()),
      HANPYO_PERSISTER_PORT: String(await freePort()),
      HANPYO_OBSERVER_PORT: String(await freePort()),
    };
    env = {
      ...process.env,
      ...ports,
      HANPYO_STATE_DIR: state,
      HANPYO_LOCAL_JSON: join(state, 'local.json'),
      HANPYO_KAFKA_TOPIC_PREFIX: `${uniqueName('obs')}.`,
      HANPYO_CASSANDRA_KEYSPACE: uniqueName('obs_'),
      HANPYO_VOTERS_PER_PARTITION: '50',
      HANPYO_OBSERVER_ELECTIONS: electionId,
      HANPYO_OBSERVER_TICK_MS: '300',
    };
    ledgerUrl = `http://127.0.0.1:${ports.HANPYO_LEDGER_PORT}`;
    observerUrl = `http://127.0.0.1:${ports.HANPYO_OBSERVER_PORT}`;
    Object.assign(process.env, env);
    stack = (await import(join(root, 'scripts', 'stack', 'lib.mjs'))) as StackModule;
    await stack.startServices(undefined, { timeoutMs: 120_000 });
    // A second observer, of district d2 only: own key (not a witness), port, group and state.
    const districtPort = await freePort();
    districtObserverUrl = `http://127.0.0.1:${districtPort}`;
    const observerEnv = (await stack.serviceEnvironments(process.env)).observer!;
    districtObserver = spawn(
      process.execPath,
      [join(root, 'services', 'observer', 'dist', 'main.js')],
      {
        env: {
          ...observerEnv,
          HANPYO_OBSERVER_PORT: String(districtPort),
          HANPYO_OBSERVER_KEY_ID: 'observer-d2',
          HANPYO_OBSERVER_KEY_SEED: '5a'.repeat(32),
          HANPYO_OBSERVER_STATE_DIR: join(state, 'observer-d2'),
          HANPYO_OBSERVER_DISTRICTS: 'd2',
          HANPYO_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  });

  after(async () => {
    if (districtObserver && districtObserver.exitCode === null) {
      const exited = new Promise((r) => districtObserver!.once('exit', r));
      districtObserver.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
    }
    await stack?.stopServices();
    await rm(state, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    run(process.execPath, [hanpyo, ...args], { env, maxBuffer: 1 << 24 });

  const status = async (): Promise<Status> => {
    const r = await fetch(`${observerUrl}/v1/status`);
    const body = (await r.json()) as { elections: Status[] };
    return body.elections.find((e) => e.electionId === electionId)!;
  };

  const block = async (h: number | 'latest') => {
    const r = await fetch(`${ledgerUrl}/v1/elections/${electionId}/blocks/${h}`);
    if (r.status === 404) return undefined;
    assert.equal(r.status, 200);
    return (await r.json()) as { block: Block; signatures: BlockSignatures };
  };

  const metrics = async () => (await fetch(`${observerUrl}/metrics`)).text();

  /** Every block up to `height` carries a valid observer-1 signature (waits for publication). */
  const assertCosigned = async (from: number, height: number) => {
    for (let h = from; h <= height; h++) {
      const signed = await until(`the cosignature of block ${h}`, async () => {
        const b = await block(h);
        return b?.signatures.signatures.some((s) => s.keyId === 'observer-1') ? b : undefined;
      });
      const report = verifyBlockSignatures(signed, manifest);
      assert.deepEqual(report.failures, [], `block ${h}`);
      assert.deepEqual(report.witnesses, ['observer-1'], `block ${h} is cosigned`);
    }
  };

  const castBallots = async (count: number, tag: string) => {
    await cli(
      'tokens',
      '--election',
      electionId,
      '--count',
      String(count),
      '--out',
      join(state, `tokens-${tag}.ndjson`),
    );
    const cast = await cli(
      'cast',
      '--election',
      electionId,
      '--tokens',
      join(state, `tokens-${tag}.ndjson`),
      '--receipts',
      join(state, `receipts-${tag}.ndjson`),
      '--mode',
      'mixed',
      '--concurrency',
      '8',
    );
    // Some voters vote again (the command's default re-vote share): count what was cast.
    const m = /^cast (\d+) ballots/m.exec(cast.stdout);
    assert.ok(m, cast.stdout);
    return Number(m[1]);
  };

  /** Waits until a block holds `ballots` ballots and the observer replayed it; its height. */
  const replayedWith = async (ballots: number): Promise<number> => {
    const height = await until(`a block with ${ballots} ballots`, async () => {
      const b = await block('latest');
      return b && b.block.ballotCount >= ballots ? b.block.height : undefined;
    });
    await until(`the observer at height ${height}`, async () =>
      (await status()).height >= height ? true : undefined,
    );
    return height;
  };

  it('cosigns every block, resumes from its checkpoint, and raises an alarm for a tampered entry written to the board, still cosigning', async () => {
    const now = Date.now();
    const draft = {
      spec: 'hanpyo/1',
      electionId,
      title: 'observer e2e',
      opens: new Date(now - 60_000).toISOString(),
      closes: new Date(now + 3_600_000).toISOString(),
      revotePolicy: 'last',
      encryptionModes: ['client', 'edge'],
      commitmentIntervalSeconds: 1,
      contests: [
        {
          contestId: 'mayor',
          title: 'Mayor',
          options: ['a', 'b', 'c'].map((o) => ({ optionId: o, title: o })),
          minSelections: 1,
          maxSelections: 1,
        },
      ],
      ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor'] }],
      districts: ['d1', 'd2'].map((d) => ({
        districtId: d,
        name: d,
        ballotStyleId: 's',
        registeredVoters: 100,
      })),
      trustees: { count: 3, threshold: 2 },
    };
    await writeFile(join(state, 'manifest.json'), JSON.stringify(draft));
    manifest = (
      JSON.parse(
        (await cli('election', 'create', '--manifest', join(state, 'manifest.json'))).stdout,
      ) as { manifest: Manifest }
    ).manifest;
    assert.equal(manifest.witnesses[0]?.keyId, 'observer-1', 'the observer is a witness');
    await cli('ceremony', 'local', '--election', electionId, '--out', join(state, 'ceremony'));
    await cli(
      'election',
      'ceremony',
      electionId,
      '--record',
      join(state, 'ceremony', 'ceremony.json'),
    );
    await cli('roll', 'synth', '--election', electionId, '--count', '50');
    await cli('election', 'open', electionId);

    // 1. Every block is replayed and cosigned.
    const castFirst = await castBallots(30, 'a');
    const first = await replayedWith(castFirst);
    await assertCosigned(1, first);
    const s1 = await status();
    assert.equal(s1.divergedAt, null);
    assert.equal(s1.divergences, 0);
    // The ledger takes a witness's signature only when it verifies under a listed witness key.
    const cosign = (body: unknown, h = 1) =>
      fetch(`${ledgerUrl}/v1/elections/${electionId}/blocks/${h}/signatures`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const good = (await block(1))!.signatures.signatures.find((x) => x.keyId === 'observer-1')!;
    // The ledger's own signature of the block: valid, but not under the witness's key.
    const other = (await block(1))!.signatures.signatures.find((x) => x.keyId === 'ledger-1')!;
    const refused = async (body: unknown, status: number, code: string, h = 1) => {
      const r = await cosign(body, h);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, code);
    };
    await refused({ keyId: 'observer-1', signature: other.signature }, 400, 'SIGNATURE_INVALID');
    await refused({ keyId: 'observer-9', signature: good.signature }, 403, 'WITNESS_UNKNOWN');
    await refused({ keyId: 'observer-1', signature: 'x' }, 400, 'REQUEST_INVALID');
    await refused({ keyId: 'observer-1', signature: good.signature }, 404, 'BLOCK_NOT_FOUND', 9999);
    const again = await cosign(good);
    assert.equal(again.status, 200, 'a repeated cosignature is accepted (idempotent)');
    const witnessSigs = (await block(1))!.signatures.signatures.filter(
      (x) => x.keyId === 'observer-1',
    );
    assert.deepEqual(witnessSigs, [good]);

    const html = await (await fetch(`${observerUrl}/`)).text();
    assert.match(html, new RegExp(electionId));

    // The district observer (d2 only) reaches the same height, without divergence, never cosigning.
    const districtStatus = async (): Promise<Status | undefined> => {
      const r = await fetch(`${districtObserverUrl}/v1/status`);
      const body = (await r.json()) as { elections: Status[] };
      return body.elections.find((e) => e.electionId === electionId);
    };
    const d2 = await until(
      `the district observer at height ${first}`,
      async () => {
        const s = await districtStatus();
        return s && s.height >= first ? s : undefined;
      },
      90_000,
    );
    assert.equal(d2.divergedAt, null, JSON.stringify(d2.recentDivergences));
    assert.equal(d2.divergences, 0);
    assert.equal(d2.cosigning, false);
    assert.deepEqual(d2.districts, ['d2']);
    const layout = (
      (await (
        await fetch(`http://127.0.0.1:${env.HANPYO_REGISTRAR_PORT}/v1/elections/${electionId}`)
      ).json()) as { partitionLayout: { partitionCount: number; ranges: { districtId: string }[] } }
    ).partitionLayout;
    assert.deepEqual(
      layout.ranges.map((r) => r.districtId),
      ['d1', 'd2'],
      'the registrar’s view carries the partition layout',
    );
    const dm = await (await fetch(`${districtObserverUrl}/metrics`)).text();
    assert.equal(
      metric(dm, 'hanpyo_observer_cosignatures_total', { election: electionId }) ?? 0,
      0,
    );
    assert.ok(
      (metric(dm, 'hanpyo_observer_ballots_verified_total', { election: electionId }) ?? 0) > 0,
      'it checked d2’s ballots',
    );
    for (let h = 1; h <= first; h++) {
      const b = await block(h);
      assert.ok(!b!.signatures.signatures.some((x) => x.keyId === 'observer-d2'));
    }

    // 2. Restart: the observer resumes from its checkpoint and replays only the new blocks.
    await stack.stopServices(['observer']);
    const checkpoint = JSON.parse(
      await readFile(join(state, 'observer', `${electionId}.checkpoint.json`), 'utf8'),
    ) as { height: number };
    assert.ok(checkpoint.height >= first);
    await stack.startServices(['observer'], { timeoutMs: 60_000 });
    const castSecond = await castBallots(20, 'b');
    const second = await replayedWith(castFirst + castSecond);
    const m = await metrics();
    const resumed = metric(m, 'hanpyo_observer_resumed_height', { election: electionId });
    const replayed = metric(m, 'hanpyo_observer_blocks_replayed_total', { election: electionId });
    const height = metric(m, 'hanpyo_observer_verified_height', { election: electionId });
    assert.equal(resumed, checkpoint.height, 'resumed from the checkpoint');
    assert.equal(
      replayed,
      height! - checkpoint.height,
      'no block of the checkpoint replayed again',
    );
    await assertCosigned(first + 1, second);

    // 3. Written straight to the board: a real entry's ballot with one proof response swapped,
    //    under its recomputed tracking code, beside the real entry's token and cast signature (a
    //    replay someone able to reach Kafka could make). The persister stores it and the ledger
    //    cuts it into the logs; the observer refuses the entry — an alarm with its place and rule,
    //    never counted — and still cosigns that block and every later one.
    const kafkaConfig = kafkaConfigFromEnv({ ...env, HANPYO_KAFKA_CLIENT_ID: 'observer-e2e' });
    const board = topicNames(kafkaConfig, electionId).ballots;
    const kafka = createKafka(kafkaConfig);
    const consumer = kafka.consumer({ groupId: uniqueName('observer-e2e-') });
    let original: { partition: number; key: Buffer; value: string } | undefined;
    await consumer.connect();
    await consumer.subscribe({ topic: board, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        original ??= { partition, key: message.key!, value: message.value!.toString('utf8') };
        await Promise.resolve();
      },
    });
    const taken = await until('a board message', () => Promise.resolve(original));
    await consumer.disconnect();
    const real = JSON.parse(taken.value) as {
      ballot: EncryptedBallot;
      token: string;
      castSignature: string;
    };
    const tampered = structuredClone(real.ballot) as unknown as {
      contests: { selections: { proof: { z: string[] } }[] }[];
    };
    const z = tampered.contests[0]!.selections[0]!.proof.z;
    [z[0], z[1]] = [z[1]!, z[0]!];
    const tamperedBallot = tampered as unknown as EncryptedBallot;
    const code = trackingCode(tamperedBallot);
    const producer = kafka.producer();
    await producer.connect();
    const [written] = await producer.send({
      topic: board,
      acks: -1,
      messages: [
        {
          partition: taken.partition,
          key: taken.key,
          value: JSON.stringify({
            trackingCode: code,
            ballot: tamperedBallot,
            token: real.token,
            castSignature: real.castSignature,
          }),
        },
      ],
    });
    await producer.disconnect();
    const offset = Number(written!.baseOffset);

    // The ledger cuts a block over that offset…
    const cutHeight = await until('the block covering the tampered entry', async () => {
      const b = await block('latest');
      const cut = b?.block.cuts.find((c) => c.partition === taken.partition);
      return cut && cut.toOffset > offset ? b!.block.height : undefined;
    });
    let tamperedHeight = cutHeight;
    for (let h = cutHeight; h >= 1; h--) {
      const cut = (await block(h))!.block.cuts.find((c) => c.partition === taken.partition)!;
      if (cut.fromOffset <= offset && offset < cut.toOffset) {
        tamperedHeight = h;
        break;
      }
    }
    // …the observer raises the alarm for that entry (metric by rule, log line with its place)…
    await until('the refused-entry alarm', async () =>
      (metric(await metrics(), 'hanpyo_observer_refused_entries_total', {
        election: electionId,
        rule: 'cast-signature',
      }) ?? 0) >= 1
        ? true
        : undefined,
    );
    const alarms = (await readFile(join(state, 'logs', 'observer.log'), 'utf8'))
      .split('\n')
      .filter((l) => l.includes('hanpyo.observer.refused_entry'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      alarms.some(
        (a) =>
          a.election === electionId &&
          a.height === tamperedHeight &&
          a.partition === taken.partition &&
          a.offset === offset &&
          a.districtId === real.ballot.districtId &&
          a.rule === 'cast-signature' &&
          a.code === 'CAST_SIGNATURE_INVALID',
      ),
      JSON.stringify(alarms),
    );
    assert.ok(
      alarms.every((a) => !JSON.stringify(a).includes(real.token)),
      'no token in the logs',
    );
    // …and, no divergence, it cosigns that block and the later ones.
    await until('a later block replayed', async () =>
      (await status()).height > tamperedHeight ? true : undefined,
    );
    const s3 = await status();
    assert.equal(s3.divergedAt, null, JSON.stringify(s3.recentDivergences));
    assert.equal(s3.divergences, 0);
    assert.ok(s3.refusedEntries >= 1);
    await assertCosigned(tamperedHeight - 1, s3.height);

    // 4. Written straight to the blocks topic after block h (as a fenced-too-late ledger, or
    //    anyone able to write there, could): a byte-identical copy of block h, a different block
    //    for height h validly signed by the ledger's key, an unsigned block h + 1, and bytes that
    //    are no block. The observer reads by height: the copy is skipped and counted, the others
    //    are divergences with their codes, and it goes on cosigning the ledger's later blocks.
    const blocksTopic = topicNames(kafkaConfig, electionId).blocks;
    const onTopic = await readTopic(kafka, blocksTopic);
    const last = onTopic[onTopic.length - 1]!;
    const lastSigned = JSON.parse(last.value!.toString('utf8')) as {
      block: Block;
      signatures: BlockSignatures;
    };
    const h = lastSigned.block.height;
    await until(`the observer at height ${h}`, async () =>
      (await status()).height >= h ? true : undefined,
    );
    const seed = (await stack.serviceEnvironments(process.env)).ledger!.HANPYO_LEDGER_KEY_SEED!;
    const ledgerSigningKey = signingKeyFromSeed('ledger-1', fromHex(seed, 32));
    const conflicting = { ...lastSigned.block, closedAt: new Date(now - 1000).toISOString() };
    const next = { ...lastSigned.block, height: h + 1 };
    const stray = kafka.producer();
    await stray.connect();
    await stray.send({
      topic: blocksTopic,
      acks: -1,
      messages: [
        { key: String(h), value: last.value },
        {
          key: String(h),
          value: JSON.stringify({
            block: conflicting,
            signatures: blockSignatures(conflicting, [ledgerSigningKey]),
          }),
        },
        {
          key: String(h + 1),
          value: JSON.stringify({
            block: next,
            signatures: { ...blockSignatures(next, [ledgerSigningKey]), signatures: [] },
          }),
        },
        { key: String(h + 1), value: 'not a block' },
      ],
    });
    await stray.disconnect();
    const skipped = (reason: string, text: string) =>
      metric(text, 'hanpyo_observer_skipped_block_messages_total', {
        election: electionId,
        reason,
      }) ?? 0;
    await until('the four stray messages judged', async () => {
      const text = await metrics();
      return skipped('duplicate', text) >= 1 &&
        skipped('BLOCK_CONFLICT', text) >= 1 &&
        skipped('BLOCK_UNSIGNED', text) >= 1 &&
        skipped('BLOCK_MALFORMED', text) >= 1
        ? true
        : undefined;
    });
    const castThird = await castBallots(10, 'c');
    const third = await replayedWith(castFirst + castSecond + castThird);
    assert.ok(third > h);
    const s4 = await status();
    assert.equal(s4.divergedAt, null, JSON.stringify(s4.recentDivergences));
    assert.deepEqual(s4.recentDivergences.map((d) => d.code).sort(), [
      'BLOCK_CONFLICT',
      'BLOCK_MALFORMED',
      'BLOCK_UNSIGNED',
    ]);
    await assertCosigned(h + 1, third);
  });
});
