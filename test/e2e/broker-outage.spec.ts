// The broker stops under load (issue 12 point 5): the edge, persister and ledger against a Kafka
// broker of the test's own (test/support/own-broker.ts; the shared broker is never touched), a
// steady load of signed casts, then the broker frozen (SIGSTOP) for 15 s and later stopped
// (SIGTERM) for 12 s and started again. Every refusal must be 503 with a Retry-After of 1–3 s,
// never a 500 or no answer; every receipt issued must be on the board, stored and in a block
// (`hanpyo audit`), and every cast refused and retried after its Retry-After must end receipted.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { byStatus, castLoad, preparedElection } from '../support/cast-load.js';
import { uniqueName } from '../support/env.js';
import { OwnBroker } from '../support/own-broker.js';
import { startLocalStack } from '../support/stack.js';
import type { LocalStack } from '../support/stack.js';
import { until } from '../support/wait.js';

interface AuditReport {
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
  problems: { line: number; status: string; code: string }[];
}

const VOTERS = 500;

// Opt-in until a known defect is fixed (issue 12): after its broker comes back, the persister can
// stall on some partitions (board rows never reach Cassandra, receipts stay pending), seen in 2 of
// 4 runs on 2026-12-03. The 503 and no-500 checks passed in every run. HANPYO_TEST_OUTAGE=1 runs it.
const outageSkip =
  process.env.HANPYO_TEST_OUTAGE === '1'
    ? false
    : 'known defect: the persister can stall after its broker restarts (issue 12); HANPYO_TEST_OUTAGE=1 runs it';

describe(
  'the edge while its broker stops under load (a broker of its own)',
  { skip: outageSkip },
  () => {
    let broker: OwnBroker | undefined;
    let local: LocalStack | undefined;
    const electionId = uniqueName('outage-');

    before(async () => {
      broker = await OwnBroker.start();
      local = await startLocalStack({
        stateDirPrefix: 'hanpyo-outage-',
        namePrefix: 'outage',
        services: ['registrar', 'edge', 'persister', 'ledger'],
        // The edge's write timeout stays its default (10 s): about as long as kafkajs' retries of a
        // refused connection, so a stopped broker's failures reach the edge both as kafkajs' own
        // errors and as the edge's timeout; a 15 s freeze outlasts it.
        env: { HANPYO_KAFKA_BROKERS: broker.brokers },
      });
    });

    after(async () => {
      try {
        await local?.stop();
      } finally {
        await broker?.remove();
      }
    });

    it('answers 503 with Retry-After 1–3 s, never 500, and loses no receipt', async () => {
      const stack = local!;
      const own = broker!;
      const casts = await preparedElection(stack, electionId, 'broker outage', VOTERS);
      assert.equal(casts.length, VOTERS);
      const { edge, ledger } = JSON.parse(await readFile(stack.env.HANPYO_LOCAL_JSON!, 'utf8')) as {
        edge: { url: string };
        ledger: { url: string };
      };

      // The outage, while the load runs: 5 s of normal load, 15 s frozen, 10 s normal, stopped for
      // 12 s and started again (its start takes a few more), then 10 s of normal load.
      let accepting = true;
      const phases: { phase: string; at: number }[] = [];
      const mark = (phase: string) => phases.push({ phase, at: Date.now() });
      const outage = (async () => {
        mark('load');
        await sleep(5_000);
        own.freeze();
        mark('frozen');
        await sleep(15_000);
        own.thaw();
        mark('thawed');
        await sleep(10_000);
        await own.down();
        mark('stopped');
        await sleep(12_000);
        await own.up();
        mark('started');
        await sleep(10_000);
        accepting = false;
        mark('end of new casts');
      })();
      const load = castLoad({
        edgeUrl: edge.url,
        electionId,
        casts,
        concurrency: 4,
        paceMs: 250,
        accepting: () => accepting,
        // Generous: a broker's restart on a saturated machine can take minutes, and the casts refused
        // meanwhile are still being retried after it.
        deadline: Date.now() + 420_000,
      });
      await outage;
      const result = await load;
      const statuses = byStatus(result.answers);
      const during = (from: string, to: string) => {
        const a = phases.find((p) => p.phase === from)!.at;
        const b = phases.find((p) => p.phase === to)!.at;
        return result.answers.filter((x) => x.at >= a && x.at < b);
      };
      const refusals = result.answers.filter((a) => a.status !== 201);
      const summary = {
        answers: result.answers.length,
        statuses,
        receipts: result.receipts.length,
        retriedThenReceipted: result.retriedThenReceipted,
        unfinished: result.unfinished,
        frozen: byStatus(during('frozen', 'thawed')),
        stopped: byStatus(during('stopped', 'started')),
        refusalCodes: [...new Set(refusals.map((a) => a.code))],
      };
      console.log(`broker outage: ${JSON.stringify(summary)}`);

      // The outage was felt (refusals while frozen and stopped), and never as a 500 or silence.
      assert.ok(
        summary.frozen['503']! > 0,
        `503s while the broker was frozen: ${JSON.stringify(summary)}`,
      );
      assert.ok(
        summary.stopped['503']! > 0,
        `503s while the broker was stopped: ${JSON.stringify(summary)}`,
      );
      for (const a of refusals) {
        assert.equal(a.status, 503, `only 503 refusals: ${JSON.stringify(summary)}`);
        assert.ok(a.code === 'UNAVAILABLE' || a.code === 'OVERLOADED', `code ${a.code}`);
        const seconds = Number(a.retryAfter);
        assert.ok(
          Number.isInteger(seconds) && seconds >= 1 && seconds <= 3,
          `Retry-After ${a.retryAfter}`,
        );
      }
      const retryAfters = new Set(refusals.map((a) => a.retryAfter));
      assert.ok(retryAfters.size > 1, `Retry-After is jittered: ${[...retryAfters].join(',')}`);
      // Every cast the load started was receipted in the end (retried after its Retry-After).
      assert.equal(result.unfinished, 0, JSON.stringify(summary));
      assert.ok(result.retriedThenReceipted > 0);

      // Every receipt: on the board at its place, stored in Cassandra, and in a signed block.
      const receiptsFile = join(stack.state, 'receipts.ndjson');
      await writeFile(receiptsFile, result.receipts.join('\n') + '\n');
      const audit = async (): Promise<AuditReport> => {
        const r = await stack
          .cli('audit', '--election', electionId, '--receipts', receiptsFile, '--json')
          .then(
            (x) => x.stdout,
            (e: { stdout?: string }) => e.stdout ?? '{}',
          );
        return JSON.parse(r) as AuditReport;
      };
      let last: AuditReport | undefined;
      const report = await until(
        'every receipt in a block',
        async () => {
          last = await audit();
          return last.counts.pending === 0 && last.board.rowsMissing === 0 ? last : false;
        },
        120_000,
      ).catch((e: unknown) => {
        // Say how far the pipeline got: pending receipts, rows missing in Cassandra.
        throw new Error(
          `${String(e)}; last audit: ${JSON.stringify({ counts: last?.counts, board: last?.board })}`,
        );
      });
      console.log(
        `broker outage audit: ${JSON.stringify({ counts: report.counts, board: report.board })}`,
      );
      assert.equal(report.receipts, result.receipts.length);
      assert.equal(report.counts.lost, 0, JSON.stringify(report.problems));
      assert.equal(report.counts.forged, 0);
      assert.equal(report.counts.unreadable, 0);
      assert.equal(report.counts.included, result.receipts.length);
      // A cast whose first write the frozen broker held and later took, then sent again after its
      // 503, is on the board twice (the same ballot cast twice); nothing else may be.
      assert.ok(
        report.counts.duplicated <= result.retriedThenReceipted,
        `duplicated ${report.counts.duplicated} > retried ${result.retriedThenReceipted}`,
      );
      const blocks = await fetch(`${ledger.url}/v1/elections/${electionId}/blocks/latest`);
      assert.equal(blocks.status, 200);
    });
  },
);
