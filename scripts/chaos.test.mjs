// The pure parts of `npm run chaos` (scripts/chaos/): which scenarios a command line picks, the
// load of a scenario, how checks make a verdict, recovery times, and the report with its totals.
// The campaign itself runs against real servers in test/e2e/chaos-quick.spec.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { failedChecks, receiptsCheck, verdict } from './chaos/checks.mjs';
import { buildReport, loadFigures, recovery, summaryLines } from './chaos/report.mjs';
import {
  ChaosError,
  SCENARIOS,
  loadPlan,
  parseChaosArgs,
  selectScenarios,
} from './chaos/scenarios.mjs';

const names = (list) => list.map((s) => s.name);
const code = (c) => (e) => e instanceof ChaosError && e.code === c;

describe('chaos scenario selection', () => {
  it('--quick on one node: the four quick scenarios, in campaign order', () => {
    assert.deepEqual(names(selectScenarios({ quick: true, nodes: 1 })), [
      'kill-edge',
      'kill-persister',
      'persister-crash-after-write',
      'kill-ledger',
    ]);
  });

  it('one node runs every service fault and the lease expiry; three nodes add the servers', () => {
    const one = names(selectScenarios({ nodes: 1 }));
    for (const s of ['edge', 'persister', 'ledger', 'observer', 'registrar'])
      assert.ok(one.includes(`kill-${s}`), s);
    assert.ok(one.includes('ledger-lease-expiry'));
    assert.ok(one.includes('persister-crash-after-write'));
    assert.ok(!one.some((n) => /broker|cassandra/.test(n)));
    const three = names(selectScenarios({ nodes: 3 }));
    assert.deepEqual(three, names(SCENARIOS));
    assert.ok(three.includes('kill-broker') && three.includes('kill-cassandra-node'));
    assert.ok(three.includes('stop-broker'));
  });

  it('named scenarios keep campaign order; unknown names and cluster ones on one node are refused', () => {
    assert.deepEqual(names(selectScenarios({ names: ['kill-ledger', 'kill-edge'] })), [
      'kill-edge',
      'kill-ledger',
    ]);
    assert.throws(
      () => selectScenarios({ names: ['kill-edge', 'kill-moon'] }),
      code('CHAOS_SCENARIO_UNKNOWN'),
    );
    assert.throws(() => selectScenarios({ names: ['kill-broker'] }), code('CHAOS_NEEDS_CLUSTER'));
    assert.deepEqual(names(selectScenarios({ names: ['kill-broker'], nodes: 3 })), ['kill-broker']);
    assert.throws(() => selectScenarios({ nodes: 2 }), code('CHAOS_ARGUMENT'));
  });

  it('parses the command line and refuses what it does not know', () => {
    assert.deepEqual(parseChaosArgs(['--quick', '--out', 'r.json']), {
      quick: true,
      nodes: 1,
      names: undefined,
      out: 'r.json',
      seconds: undefined,
    });
    const o = parseChaosArgs([
      '--nodes',
      '3',
      '--scenario',
      'kill-broker, stop-broker',
      '--seconds',
      '20',
    ]);
    assert.equal(o.nodes, 3);
    assert.deepEqual(o.names, ['kill-broker', 'stop-broker']);
    assert.equal(o.seconds, 20);
    for (const bad of [
      ['--nodes', '2'],
      ['--bogus'],
      ['--out'],
      ['--seconds', '3'],
      ['--scenario', '--quick'],
    ])
      assert.throws(() => parseChaosArgs(bad), code('CHAOS_ARGUMENT'), bad.join(' '));
  });

  it('the command exits 2 with the code on a usage error, before starting anything', () => {
    const r = spawnSync(
      process.execPath,
      [join(import.meta.dirname, 'chaos.mjs'), '--scenario', 'kill-broker'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /CHAOS_NEEDS_CLUSTER/);
  });
});

describe('chaos load plan', () => {
  it('ramps, holds and ramps down over the seconds given; the fault a third of the way in', () => {
    const { profile, faultAtSeconds } = loadPlan(30, 10);
    const stages = profile.scenario.stages;
    assert.deepEqual(
      stages.map((s) => s.target),
      [10, 10, 0],
    );
    const total = stages.reduce((n, s) => n + Number(s.duration.slice(0, -1)), 0);
    assert.equal(total, 30);
    assert.equal(faultAtSeconds, 10);
    assert.ok(profile.voters >= 10 * 30, 'room for every arrival');
    assert.equal(profile.target, 'local');
  });
});

describe('chaos checks and verdicts', () => {
  const ok = { ok: true };
  const all = { receipts: ok, cassandra: ok, chain: ok, rebuild: ok, blocks: ok, cosigned: ok };

  it('passes only when every check passed, receipts were issued and no 500 was seen', () => {
    assert.deepEqual(verdict(all, { receipts: 10, status500: 0 }), { ok: true, failed: [] });
    assert.deepEqual(verdict({ ...all, chain: { ok: false } }, { receipts: 10, status500: 0 }), {
      ok: false,
      failed: ['chain'],
    });
    assert.deepEqual(verdict(all, { receipts: 10, status500: 1 }).failed, ['no500']);
    assert.deepEqual(verdict(all, { receipts: 0, status500: 0 }).failed, ['load']);
  });

  it('a missing required check fails, and so does any extra check that is not ok', () => {
    const rest = Object.fromEntries(Object.entries(all).filter(([k]) => k !== 'cosigned'));
    assert.deepEqual(failedChecks(rest), ['cosigned']);
    assert.deepEqual(failedChecks({ ...all, fault: { ok: false } }), ['fault']);
    assert.deepEqual(failedChecks({ ...all, fault: ok }), []);
  });

  it('the receipts check wants every receipt included in the final block', () => {
    const counts = {
      included: 5,
      pending: 0,
      lost: 0,
      refused: 0,
      forged: 0,
      unreadable: 0,
      duplicated: 0,
    };
    const audit = { ok: true, counts, blocks: { final: true } };
    assert.equal(receiptsCheck(audit, 5).ok, true);
    assert.equal(receiptsCheck(audit, 6).ok, false, 'a receipt not audited');
    assert.equal(receiptsCheck({ ...audit, blocks: { final: false } }, 5).ok, false);
    assert.equal(receiptsCheck({ ...audit, ok: false, counts: { ...counts, lost: 1 } }, 5).lost, 1);
    assert.equal(receiptsCheck({ ...audit, counts: { ...counts, duplicated: 1 } }, 5).ok, false);
  });
});

describe('chaos figures and report', () => {
  it('counts 503s and 500s of the load, an encrypt 500 included, a cast 500 once', () => {
    const figures = (byStatus, errors) => ({
      figures: {
        arrivals: 3,
        dropped: 0,
        voters: 3,
        receipted: 1,
        requests: 2,
        seconds: 1.04,
        encryptRequests: 1,
        byStatus,
        errors,
      },
    });
    const f = loadFigures(figures({ 201: 1, 503: 4, 500: 1 }, { INTERNAL: 1 }));
    assert.equal(f.status503, 4);
    assert.equal(f.status500, 1);
    assert.equal(loadFigures(figures({ 201: 1 }, { INTERNAL: 1 })).status500, 1, 'encrypt 500');
    assert.equal(loadFigures(figures({ 201: 1 }, { ECONNREFUSED: 2 })).status500, 0);
  });

  it('recovery: the first receipt and the first block after the fault', () => {
    const at = Date.parse('2026-12-03T10:00:00.000Z');
    const r = recovery(
      at,
      ['2026-12-03T09:59:59.000Z', '2026-12-03T10:00:04.500Z', '2026-12-03T10:00:02.250Z'],
      [
        { height: 1, closedAt: '2026-12-03T09:59:58.000Z' },
        { height: 2, closedAt: '2026-12-03T10:00:07.000Z' },
      ],
    );
    assert.deepEqual(r, { nextReceiptSeconds: 2.25, nextBlockSeconds: 7 });
    assert.deepEqual(recovery(at, [], []), { nextReceiptSeconds: null, nextBlockSeconds: null });
  });

  it('the report totals every scenario and is ok only when all passed', () => {
    const scenario = (name, passed, lost) => ({
      name,
      ok: passed,
      failed: passed ? [] : ['receipts'],
      seconds: 40,
      load: { receipts: 100, status503: 2, status500: 0 },
      checks: { receipts: { lost, duplicated: 0 } },
      recovery: { nextReceiptSeconds: 1.5, nextBlockSeconds: 3 },
    });
    const run = (scenarios) =>
      buildReport({
        startedAt: new Date(0),
        endedAt: new Date(95_000),
        quick: true,
        nodes: 1,
        machine: {},
        scenarios,
      });
    const good = run([scenario('kill-edge', true, 0), scenario('kill-ledger', true, 0)]);
    assert.equal(good.format, 'hanpyo-chaos/1');
    assert.equal(good.ok, true);
    assert.equal(good.seconds, 95);
    assert.deepEqual(good.totals, {
      scenarios: 2,
      passed: 2,
      failed: 0,
      receipts: 200,
      lost: 0,
      duplicated: 0,
      status503: 4,
      status500: 0,
    });
    const bad = run([scenario('kill-edge', true, 0), scenario('kill-ledger', false, 3)]);
    assert.equal(bad.ok, false);
    assert.equal(bad.totals.lost, 3);
    const lines = summaryLines(bad).join('\n');
    assert.match(lines, /kill-ledger +FAIL/);
    assert.match(lines, /failed: receipts/);
    assert.equal(run([]).ok, false, 'no scenario run is no pass');
  });
});
