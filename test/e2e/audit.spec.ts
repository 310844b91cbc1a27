// `hanpyo audit` against the real services and servers: an election cast through the edge, its
// receipts reconciled with the board (Kafka), the rows (Cassandra) and the blocks before and after
// the final block; then the receipts file grows the cases it must catch: a ballot put on the board
// a second time (anyone can write to Kafka), a receipt the edge signed for a place that holds no
// such ballot, a receipt whose signature was tampered with, and a line that is not a receipt.
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { base64url, fromHex, signReceipt, signingKeyFromSeed } from '@hanpyo/crypto';
import { createBoardProducer, createKafka, kafkaConfigFromEnv, topicNames } from '@hanpyo/kafka';
import { setUpElection } from '../support/election.js';
import { uniqueName } from '../support/env.js';
import { contest } from '../support/manifest.js';
import { readTopic } from '../support/read-topic.js';
import { startLocalStack } from '../support/stack.js';
import type { LocalStack } from '../support/stack.js';
import { until } from '../support/wait.js';

interface Report {
  receipts: number;
  counts: {
    included: number;
    pending: number;
    lost: number;
    refused: number;
    forged: number;
    unreadable: number;
    duplicated: number;
  };
  board: { messages: number; rowsMissing: number };
  blocks: { latestHeight: number | null; final: boolean };
  problems: { line: number; status: string; code: string }[];
  ok: boolean;
}

describe('hanpyo audit (real services and servers)', () => {
  let local: LocalStack;
  const electionId = uniqueName('audit-');
  let receiptsFile: string;

  before(async () => {
    local = await startLocalStack({ stateDirPrefix: 'hanpyo-audit-', namePrefix: 'audit' });
  });

  after(async () => {
    await local?.stop();
  });

  const audit = async (file: string): Promise<{ code: number; report: Report }> => {
    const r = await local.cli('audit', '--election', electionId, '--receipts', file, '--json').then(
      (x) => ({ code: 0, stdout: x.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    return { code: r.code, report: JSON.parse(r.stdout) as Report };
  };

  it('finds every receipted ballot on the board, stored and, after the final block, included', async () => {
    const state = local.state;
    // A short window: the final block is cut after `closes` (and the grace), not at the close.
    const now = Date.now();
    const closes = now + 40_000;
    await setUpElection(
      local,
      {
        spec: 'hanpyo/1',
        electionId,
        title: 'audit',
        opens: new Date(now - 60_000).toISOString(),
        closes: new Date(closes).toISOString(),
        revotePolicy: 'last',
        encryptionModes: ['client', 'edge'],
        commitmentIntervalSeconds: 1,
        contests: [contest('mayor', 'Mayor', ['a', 'b', 'c'], 1, 1)],
        ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor'] }],
        districts: ['d1', 'd2'].map((d) => ({
          districtId: d,
          name: d,
          ballotStyleId: 's',
          registeredVoters: 50,
        })),
        trustees: { count: 1, threshold: 1 },
      },
      { roll: 20, open: true },
    );
    const cli = (...args: string[]) => local.cli(...args);
    await cli(
      'tokens',
      '--election',
      electionId,
      '--count',
      '20',
      '--out',
      join(state, 'tokens.ndjson'),
    );
    receiptsFile = join(state, 'receipts.ndjson');
    const cast = await cli(
      'cast',
      '--election',
      electionId,
      '--tokens',
      join(state, 'tokens.ndjson'),
      '--receipts',
      receiptsFile,
      '--mode',
      'mixed',
      '--revote',
      '0',
      '--concurrency',
      '4',
    );
    assert.match(cast.stdout, /^cast 20 ballots/m);

    // While voting runs: nothing lost, each receipt included or pending.
    const running = await audit(receiptsFile);
    assert.equal(running.code, 0, JSON.stringify(running.report.problems));
    assert.equal(running.report.receipts, 20);
    assert.equal(running.report.counts.lost, 0);
    assert.equal(running.report.counts.included + running.report.counts.pending, 20);
    assert.ok(running.report.board.messages >= 20);

    // After the final block every receipt must be included.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, closes - Date.now() + 1500)));
    await cli('election', 'close', electionId);
    const { ledger } = JSON.parse(await readFile(join(state, 'local.json'), 'utf8')) as {
      ledger: { url: string };
    };
    await until(
      'the final block',
      async () => {
        const r = await fetch(`${ledger.url}/v1/elections/${electionId}/blocks/latest`);
        return r.ok && ((await r.json()) as { block: { final: boolean } }).block.final;
      },
      90_000,
    );
    const closed = await audit(receiptsFile);
    assert.equal(closed.code, 0, JSON.stringify(closed.report.problems));
    assert.deepEqual(closed.report.counts, {
      included: 20,
      pending: 0,
      lost: 0,
      refused: 0,
      forged: 0,
      unreadable: 0,
      duplicated: 0,
    });
    assert.equal(closed.report.board.rowsMissing, 0);
  });

  it('reports a ballot on the board twice, a lost ballot, a forged receipt and a bad line', async () => {
    const lines = (await readFile(receiptsFile, 'utf8')).trim().split('\n');
    const receipts = lines.map(
      (l) =>
        (
          JSON.parse(l) as {
            receipt: Record<string, unknown> & { partition: number; offset: number };
          }
        ).receipt,
    );
    // 1. The first receipt's ballot written to the board again, as anyone with Kafka access can.
    const kafkaConfig = kafkaConfigFromEnv(local.env);
    const kafka = createKafka(kafkaConfig);
    const topic = topicNames(kafkaConfig, electionId).ballots;
    const first = receipts[0]!;
    const original = (await readTopic(kafka, topic)).find(
      (m) => m.partition === first.partition && Number(m.offset) === first.offset,
    );
    assert.ok(original, 'the first receipt names a board message');
    const producer = createBoardProducer(kafka);
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: [
          {
            partition: first.partition,
            key: original.key,
            value: original.value,
            headers: original.headers,
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    // 2. A receipt the edge signed for a place past the end of the board.
    const keys = JSON.parse(await readFile(join(local.state, 'keys.json'), 'utf8')) as {
      edgeSeed: string;
    };
    const edge = signingKeyFromSeed('edge-1', fromHex(keys.edgeSeed, 32));
    const { keyId: _k, signature: _s, ...unsigned } = receipts[1] as Record<string, unknown>;
    const lost = signReceipt(
      { ...(unsigned as Parameters<typeof signReceipt>[0]), offset: 999_999 },
      edge,
    );
    // 3. A receipt whose signature is another's, and 4. a line that is not a receipt.
    const forged = { ...receipts[2], signature: base64url(new Uint8Array(64).fill(7)) };
    const file = join(local.state, 'receipts-plus.ndjson');
    await writeFile(file, `${lines.join('\n')}\n`);
    await appendFile(
      file,
      `${JSON.stringify({ receipt: lost })}\n${JSON.stringify(forged)}\n{"receipt": 12}\nnot json\n`,
    );

    const { code, report } = await audit(file);
    assert.equal(code, 1);
    // The same, for people: each problem with its line, the counts, the verdict.
    const text = await local.cli('audit', '--election', electionId, '--receipts', file).then(
      () => assert.fail('the audit passed'),
      (e: { code: number; stdout: string }) => e,
    );
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^LOST line 21 [0-9a-f]{64}: NOT_ON_BOARD: /m);
    assert.match(
      text.stdout,
      /^24 receipts: 20 included, 0 pending, 1 lost, 1 duplicated, 0 refused, 1 forged, 2 unreadable/m,
    );
    assert.match(text.stdout, /^audit: FAILED$/m);
    assert.equal(report.ok, false);
    assert.equal(report.receipts, 24);
    assert.deepEqual(report.counts, {
      included: 20,
      pending: 0,
      lost: 1,
      refused: 0,
      forged: 1,
      unreadable: 2,
      duplicated: 1,
    });
    const codes = report.problems.map((p) => `${p.line}:${p.status}:${p.code}`).sort();
    assert.deepEqual(codes, [
      '1:duplicated:DUPLICATED_ON_BOARD',
      '21:lost:NOT_ON_BOARD',
      '22:forged:RECEIPT_FORGED',
      '23:unreadable:RECEIPT_UNREADABLE',
      '24:unreadable:RECEIPT_UNREADABLE',
    ]);
  });
});
