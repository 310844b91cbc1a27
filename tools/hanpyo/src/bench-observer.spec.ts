// `hanpyo bench observer` on a tiny record: it runs the observer's code end to end (every block
// verifies, with 1 and 2 workers) and writes the JSON it documents. Timing is not checked.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runObserverBench } from './bench-observer.js';
import type { ObserverBenchResult } from './bench-observer.js';

describe('bench observer', () => {
  it('verifies a tiny synthetic record and writes the result JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hanpyo-bench-observer-'));
    try {
      const out = join(dir, 'observer.json');
      const code = await runObserverBench({
        ballots: 12,
        json: false,
        quiet: true,
        out,
        workers: [1, 2],
        baselineSeconds: 0.05,
      });
      assert.equal(code, 0);
      const result = JSON.parse(await readFile(out, 'utf8')) as ObserverBenchResult;
      assert.equal(result.suite, 'observer');
      assert.ok(result.baseline.perSecond > 0);
      assert.equal(typeof result.baseline.name, 'string');
      assert.ok(result.record.ballots > 0 && result.record.blocks >= 2);
      assert.deepEqual(
        result.figures.map((f) => f.workers),
        [1, 2],
      );
      for (const f of result.figures) {
        assert.equal(f.ballots, result.record.ballots);
        assert.equal(f.blocks, result.record.blocks);
        for (const k of ['seconds', 'replaySeconds', 'ballotsPerSecond', 'secondsPer1000', 'ratio'])
          assert.ok(
            Number.isFinite(f[k as keyof typeof f]) && (f[k as keyof typeof f] as number) > 0,
            k,
          );
        assert.ok(Math.abs(f.ratio - f.ballotsPerSecond / result.baseline.perSecond) < 1e-9);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
