// `hanpyo loadtest` end to end against the real services and servers, through the command's own
// function: the smoke profile scaled down (its rates as they are, its durations × 0.3: 118 voters
// in 14 s) makes a fresh election, prepares its votes, casts them on the open-model schedule,
// closes the election, waits for the final block and audits every receipt. The run passes its
// thresholds, every started voter has a receipt, every receipt is in a signed block, and the
// result names no token.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ROOT, startLocalStack } from '../support/stack.js';
import type { LocalStack } from '../support/stack.js';

/** What the test reads of tools/hanpyo/dist/loadtest.js (the command's function). */
interface LoadtestModule {
  loadtest(options: {
    profile: string;
    marginSeconds?: number;
    out?: string;
    log?: (line: string) => void;
  }): Promise<{
    exitCode: number;
    resultPath: string;
    result: {
      electionId: string;
      figures: {
        arrivals: number;
        dropped: number;
        voters: number;
        receipted: number;
        requests: number;
        byStatus: Record<string, number>;
      };
      verdicts: { threshold: string; ok: boolean }[];
      audit: {
        closed: boolean;
        ok: boolean;
        counts: Record<string, number>;
        blocks: { final: boolean };
      };
      files: { receipts: string; prepared: string };
    };
  }>;
}

describe('hanpyo loadtest (real services and servers)', () => {
  let local: LocalStack;
  let module: LoadtestModule;

  before(async () => {
    local = await startLocalStack({ stateDirPrefix: 'hanpyo-loadtest-', namePrefix: 'loadtest' });
    module = (await import(
      pathToFileURL(join(ROOT, 'tools', 'hanpyo', 'dist', 'loadtest.js')).href
    )) as LoadtestModule;
  });

  after(async () => {
    await local?.stop();
  });

  it('refuses a cluster profile on this machine with a stable code', async () => {
    await assert.rejects(
      module.loadtest({ profile: 'city', log: () => undefined }),
      (e: { code?: string; message?: string }) =>
        e.code === 'LOADTEST_PROFILE_CLUSTER' && /k6/.test(e.message ?? ''),
    );
  });

  it('runs a scaled-down smoke profile: thresholds hold, every receipt is in the final block', async () => {
    const profile = join(local.state, 'e2e-smoke.json');
    await writeFile(
      profile,
      JSON.stringify({
        profile: 'e2e-smoke',
        description: 'smoke at 0.3 of its durations, for the e2e tier',
        target: 'local',
        scaleOf: 'smoke',
        rate: 1,
        time: 0.3,
        maxVUs: 20,
      }),
    );
    const lines: string[] = [];
    const { exitCode, result, resultPath } = await module.loadtest({
      profile,
      marginSeconds: 5,
      out: join(local.state, 'result.json'),
      log: (line) => lines.push(line),
    });
    const f = result.figures;
    assert.equal(exitCode, 0, lines.join('\n'));
    assert.equal(f.arrivals, 118, 'ramp 2→10/s over 3 s, 10/s for 9 s, 10→0/s over 2 s');
    assert.equal(f.voters, f.arrivals - f.dropped);
    assert.equal(f.receipted, f.arrivals - f.dropped, 'every started voter has a receipt');
    assert.ok(f.receipted > 0);
    assert.equal(f.byStatus['201'], f.receipted);
    assert.ok(result.verdicts.length === 5 && result.verdicts.every((v) => v.ok));
    assert.match(result.verdicts[4]!.threshold, /^dropped_iterations count<\d+$/);

    const receipts = (await readFile(result.files.receipts, 'utf8')).trim().split('\n');
    assert.equal(receipts.length, f.receipted);
    assert.equal(result.audit.closed, true);
    assert.equal(result.audit.blocks.final, true);
    assert.equal(result.audit.ok, true);
    assert.deepEqual(result.audit.counts, {
      included: f.receipted,
      pending: 0,
      lost: 0,
      refused: 0,
      forged: 0,
      unreadable: 0,
      duplicated: 0,
    });

    // The result on disk is the one returned, and carries no voter's token.
    const written = await readFile(resultPath, 'utf8');
    assert.equal((JSON.parse(written) as { electionId: string }).electionId, result.electionId);
    const firstTokens = (await readFile(join(result.files.prepared, 'tokens-00000.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .slice(0, 5)
      .map((l) => (JSON.parse(l) as { token: string }).token);
    for (const token of firstTokens) {
      assert.ok(!written.includes(token), 'no token in the result');
      assert.ok(!lines.join('\n').includes(token), 'no token in the output');
    }
    assert.ok(lines.some((l) => /^ +PASS +http_req_duration p\(95\)</.test(l)));
  });
});
