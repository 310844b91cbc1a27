// Overload (issue 12 point 3): the edge with a small in-flight bound sheds a burst of casts with
// 503 OVERLOADED and a jittered Retry-After — never a 500 — and every shed cast, sent again after
// its Retry-After, is receipted (recovery); a voter beyond its cast rate gets 429 RATE_LIMITED
// while another voter is unaffected; the ledger's generic in-flight limit (service-kit
// in-flight.ts) sheds with 503 while /health and /metrics still answer.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { byStatus, castLoad, preparedElection } from '../support/cast-load.js';
import type { PreparedCast } from '../support/cast-load.js';
import { uniqueName } from '../support/env.js';
import { startLocalStack } from '../support/stack.js';
import type { LocalStack } from '../support/stack.js';

const VOTERS = 60;
const BURST = 3;

describe('overload: shedding, Retry-After, the cast rate, recovery', () => {
  let local: LocalStack;
  const electionId = uniqueName('overload-');
  let casts: PreparedCast[];
  let urls: { edge: { url: string }; ledger: { url: string } };

  before(async () => {
    local = await startLocalStack({
      stateDirPrefix: 'hanpyo-overload-',
      namePrefix: 'overload',
      services: ['registrar', 'edge', 'ledger'],
      env: {
        HANPYO_EDGE_MAX_IN_FLIGHT: '2',
        HANPYO_EDGE_TOKEN_BURST: String(BURST),
        HANPYO_EDGE_TOKEN_RATE: '0.2',
        HANPYO_LEDGER_MAX_IN_FLIGHT: '1',
      },
    });
    casts = await preparedElection(local, electionId, 'overload', VOTERS);
    urls = JSON.parse(await readFile(local.env.HANPYO_LOCAL_JSON!, 'utf8')) as typeof urls;
  });

  after(async () => {
    await local?.stop();
  });

  const cast = (c: PreparedCast) =>
    fetch(`${urls.edge.url}/v1/elections/${electionId}/ballots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
      body: c.body,
    });

  it('sheds a burst beyond its in-flight bound with 503 and a jittered Retry-After, then receipts every cast', async () => {
    const result = await castLoad({
      edgeUrl: urls.edge.url,
      electionId,
      casts: casts.slice(0, 40),
      concurrency: 20,
      paceMs: 0,
      accepting: () => true,
      deadline: Date.now() + 90_000,
    });
    const statuses = byStatus(result.answers);
    const shed = result.answers.filter((a) => a.status === 503);
    assert.ok(shed.length > 0, `some casts were shed: ${JSON.stringify(statuses)}`);
    assert.deepEqual(
      Object.keys(statuses).sort(),
      ['201', '503'],
      `only receipts and 503s: ${JSON.stringify(statuses)}`,
    );
    const seconds = shed.map((a) => Number(a.retryAfter));
    for (const [i, s] of seconds.entries()) {
      assert.equal(shed[i]!.code, 'OVERLOADED');
      assert.ok(Number.isInteger(s) && s >= 1 && s <= 3, `Retry-After ${shed[i]!.retryAfter}`);
    }
    if (shed.length >= 10)
      assert.ok(new Set(seconds).size > 1, `Retry-After is jittered: ${seconds.join(',')}`);
    // Recovery: every shed cast, sent again after its Retry-After, got its receipt.
    assert.equal(result.unfinished, 0);
    assert.equal(result.receipts.length, 40);
    const metrics = await (await fetch(`${urls.edge.url}/metrics`)).text();
    assert.match(metrics, /hanpyo_edge_ballots_shed_total\{[^}]*reason="in_flight"[^}]*\} [1-9]/);
  });

  it("answers 429 RATE_LIMITED beyond a voter's cast burst, and only to that voter", async () => {
    const voter = casts[40]!;
    for (let i = 0; i < BURST; i++) {
      const r = await cast(voter);
      assert.equal(r.status, 201, `re-vote ${i} within the burst`);
      await r.body?.cancel();
    }
    const limited = await cast(voter);
    assert.equal(limited.status, 429);
    const body = (await limited.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'RATE_LIMITED');
    // One cast every 5 s (0.2/s): asked to wait at least that, jittered by up to 2 s.
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 5 && retryAfter <= 7, `${retryAfter}`);
    assert.ok(!body.error.message.includes(voter.token));
    const other = await cast(casts[41]!);
    assert.equal(other.status, 201, 'another voter is not limited');
    await other.body?.cancel();
    const metrics = await (await fetch(`${urls.edge.url}/metrics`)).text();
    assert.match(metrics, /hanpyo_edge_rate_limited_total\{[^}]*\} [1-9]/);
  });

  it('the ledger sheds beyond its in-flight limit with 503, never its probes', async () => {
    const url = `${urls.ledger.url}/v1/elections/${electionId}/blocks/latest`;
    const replies = await Promise.all(
      Array.from({ length: 60 }, () =>
        fetch(url).then(async (r) => ({
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          code: ((await r.json().catch(() => ({}))) as { error?: { code?: string } }).error?.code,
        })),
      ),
    );
    const shed = replies.filter((r) => r.status === 503);
    assert.ok(
      shed.length > 0,
      `some requests were shed: ${replies.map((r) => r.status).join(',')}`,
    );
    assert.ok(replies.every((r) => r.status !== 500));
    for (const r of shed) {
      assert.equal(r.code, 'OVERLOADED');
      const s = Number(r.retryAfter);
      assert.ok(Number.isInteger(s) && s >= 1 && s <= 3, `Retry-After ${r.retryAfter}`);
    }
    const during = await Promise.all([
      fetch(`${urls.ledger.url}/health/live`),
      ...Array.from({ length: 20 }, () => fetch(url)),
      fetch(`${urls.ledger.url}/metrics`),
    ]);
    assert.equal(during[0].status, 200);
    const metrics = await during.at(-1)!.text();
    assert.equal(during.at(-1)?.status, 200);
    assert.match(metrics, /hanpyo_requests_shed_total\{[^}]*reason="in_flight"[^}]*\} [1-9]/);
    assert.match(metrics, /hanpyo_requests_in_flight/);
    const later = await fetch(url);
    assert.notEqual(later.status, 503, 'a later request is not shed');
  });
});
