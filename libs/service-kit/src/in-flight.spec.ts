// limitInFlight on a real Fastify server: the bound, 503 OVERLOADED with a jittered Retry-After,
// probes never shed, slots given back (also when a client goes away), and the metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { limitInFlight, maxInFlightFromEnv } from './in-flight.js';
import { Metrics } from './metrics.js';
import { RETRY_AFTER_MAX_SECONDS, RETRY_AFTER_MIN_SECONDS } from './retry-after.js';

describe('limitInFlight', () => {
  let app: FastifyInstance;
  let url: string;
  const metrics = new Metrics('test');
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  const hold = () => {
    gate = new Promise((resolve) => (release = resolve));
  };

  before(async () => {
    app = Fastify();
    limitInFlight(app, 2, metrics);
    app.get('/slow', async () => {
      await gate;
      return { ok: true };
    });
    app.get('/health/ready', () => Promise.resolve({ status: 'ready' }));
    app.get('/metrics', async () => metrics.render());
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  it('sheds beyond the bound with 503 OVERLOADED and Retry-After 1–3 s, never a probe', async () => {
    hold();
    const held = [fetch(`${url}/slow`), fetch(`${url}/slow`)];
    // Both held requests have reached the route once a third is refused.
    let refused: Response | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const r = await fetch(`${url}/slow`);
      if (r.status === 503) refused = r;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(refused, 'a third request was shed');
    assert.deepEqual(await refused.json(), {
      error: { code: 'OVERLOADED', message: 'the service is at capacity; retry shortly' },
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retryAfter) &&
        retryAfter >= RETRY_AFTER_MIN_SECONDS &&
        retryAfter <= RETRY_AFTER_MAX_SECONDS,
      `Retry-After ${retryAfter}`,
    );
    assert.equal((await fetch(`${url}/health/ready`)).status, 200);
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /hanpyo_requests_in_flight\{[^}]*\} 2/);
    assert.match(text, /hanpyo_requests_shed_total\{[^}]*reason="in_flight"[^}]*\} [1-9]/);
    release();
    for (const r of await Promise.all(held)) assert.equal(r.status, 200);
    assert.equal((await fetch(`${url}/slow`)).status, 200, 'recovered');
  });

  it('gives a slot back when the client goes away', async () => {
    hold();
    const aborts = [new AbortController(), new AbortController()];
    const gone = aborts.map((a) =>
      fetch(`${url}/slow`, { signal: a.signal }).catch(() => undefined),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const a of aborts) a.abort();
    await Promise.all(gone);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(text, /hanpyo_requests_in_flight\{[^}]*\} 0/);
    release();
    assert.equal((await fetch(`${url}/slow`)).status, 200);
  });
});

describe('maxInFlightFromEnv', () => {
  it('has a default per service, an override, and 0 for none', () => {
    assert.equal(maxInFlightFromEnv('registrar', {}), 64);
    assert.equal(maxInFlightFromEnv('ledger', {}), 256);
    assert.equal(maxInFlightFromEnv('persister', {}), undefined);
    assert.equal(maxInFlightFromEnv('ledger', { HANPYO_LEDGER_MAX_IN_FLIGHT: '8' }), 8);
    assert.equal(maxInFlightFromEnv('ledger', { HANPYO_LEDGER_MAX_IN_FLIGHT: '0' }), undefined);
    assert.throws(
      () => maxInFlightFromEnv('ledger', { HANPYO_LEDGER_MAX_IN_FLIGHT: 'x' }),
      /HANPYO_LEDGER_MAX_IN_FLIGHT/,
    );
  });
});
