// The final cut's grace: derived from the edge's write timeout, its election-cache TTL and the clock
// skew, and a hand-set one shorter than that is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './config.js';
import { finalCutAt, finalGraceMs, minimumFinalGraceMs, pipelineTimingSchema } from './timing.js';

const timing = (env: Record<string, string>) => pipelineTimingSchema.parse(env);

describe('final cut grace', () => {
  it('defaults to write timeout + cache TTL + skew, rounded up to a second', () => {
    assert.equal(minimumFinalGraceMs(timing({})), 14_000);
    assert.equal(finalGraceMs(timing({})), 14_000);
    assert.equal(
      finalGraceMs(
        timing({
          HANPYO_EDGE_WRITE_TIMEOUT_MS: '1500',
          HANPYO_EDGE_CATALOG_TTL_MS: '200',
          HANPYO_CLOCK_SKEW_MS: '0',
        }),
      ),
      2000,
    );
  });

  it('takes a longer hand-set grace, and refuses a shorter one naming the variables', () => {
    assert.equal(finalGraceMs(timing({ HANPYO_LEDGER_FINAL_GRACE_SECONDS: '30' })), 30_000);
    assert.throws(
      () => finalGraceMs(timing({ HANPYO_LEDGER_FINAL_GRACE_SECONDS: '5' })),
      (e: Error) =>
        e instanceof ConfigError &&
        /HANPYO_EDGE_WRITE_TIMEOUT_MS \(10000\)/.test(e.message) &&
        /14000 ms/.test(e.message),
    );
  });

  it('cuts after closes, or after a late close', () => {
    assert.equal(finalCutAt(1000, 0, 500), 1500);
    assert.equal(finalCutAt(1000, 3000, 500), 3500);
  });
});
