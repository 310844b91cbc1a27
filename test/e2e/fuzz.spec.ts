// The short fuzzing run of issue 12 point 4 (docs/fuzzing.md), against a stack of its own: 200
// generated bad requests to every public endpoint of every service (schema violations from the
// contracts, byte and JSON-text mutations of a real signed cast and of real admin calls, wrong
// headers, broken paths and methods), then 30 mutated copies of a real exported record through
// `hanpyo verify`. Every answer is a 4xx with a code or an explained 2xx, no process dies, the
// board grows only by the accepted casts, and verify exits 1 or 2 with a message (or 0 for a
// record that still means the same). HANPYO_FUZZ_SEED replays a failing run; the seed is printed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCampaign, summary } from '../support/fuzz-run.js';

const seed = Number(process.env.HANPYO_FUZZ_SEED ?? 20261203);

void describe('fuzzing every public endpoint and hanpyo verify (short run)', () => {
  void it(`answers every bad request with a coded 4xx and verify exits 1 or 2 (seed ${seed})`, async () => {
    const report = await runCampaign({
      seed,
      runs: Number(process.env.HANPYO_FUZZ_RUNS ?? 200),
      records: Number(process.env.HANPYO_FUZZ_RECORDS ?? 30),
      concurrency: 8,
      timeoutMs: 30_000,
      recordTimeoutMs: 120_000,
    });
    const text = summary(report);
    console.log(text);
    const first = [
      ...report.endpoints.flatMap((e) => e.violations),
      ...('violations' in report.records ? report.records.violations : []),
    ].slice(0, 10);
    assert.ok(report.endpoints.length >= 30, `only ${report.endpoints.length} endpoints fuzzed`);
    assert.ok(
      report.services.every((s) => s.alive),
      `a service died (seed ${seed})\n${text}`,
    );
    // Memory must not grow: a loose bound (GC timing varies), a leak per request would pass it.
    for (const s of report.services)
      assert.ok(
        s.rssAfter <= 2 * s.rssBefore + 64 * 1048576,
        `${s.name}: RSS ${s.rssBefore} → ${s.rssAfter} bytes (seed ${seed})`,
      );
    assert.deepEqual(
      Object.entries(report.offsets.unexplained).filter(([, n]) => n !== 0),
      [],
      `the board grew beyond the accepted casts (seed ${seed})`,
    );
    assert.ok('exits' in report.records, JSON.stringify(report.records));
    assert.equal(
      report.violations,
      0,
      `seed ${seed}: ${report.violations} violations; replay with HANPYO_FUZZ_SEED=${seed}\n${JSON.stringify(first, null, 2)}`,
    );
  });
});
