// The pure rules of `hanpyo loadtest`: the open-model arrival schedule of the real profiles (as
// many arrivals as the scenario's integral, at instants that depend on nothing the server does),
// the cap on voters in flight and the arrivals it drops, the rule for retrying a 503, and how the
// counts become the profile's verdicts and the exit status.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  arrivalCount,
  arrivalTimes,
  exitStatus,
  measuredOf,
  retryDelayMs,
  runArrivals,
  RETRY_AFTER_DEFAULT_MS,
  RETRY_AFTER_MAX_MS,
} from './loadtest-model.js';
import type { RunnerClock } from './loadtest-model.js';
import { loadProfile, profileLib, LoadtestError } from './loadtest-profiles.js';
import type { Profile, ProfileLib, Scenario } from './loadtest-profiles.js';

let lib: ProfileLib;
let smoke: Profile;
let cityLocal: Profile;

before(async () => {
  lib = await profileLib();
  smoke = await loadProfile('smoke');
  cityLocal = await loadProfile('city-local');
});

const scenario = (stages: Scenario['stages'], startRate = 0): Scenario => ({
  executor: 'ramping-arrival-rate',
  startRate,
  timeUnit: '1s',
  preAllocatedVUs: 1,
  maxVUs: 10,
  stages,
});

/** A clock that jumps to whatever instant is awaited, recording nothing else. */
function virtualClock(): RunnerClock & { readonly sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleepUntil: (ms) => {
      sleeps.push(ms);
      now = Math.max(now, ms);
      return Promise.resolve();
    },
  };
}

async function* paced(times: Iterable<number>): AsyncGenerator<{ at: number; item: number }> {
  let k = 0;
  for (const at of times) yield await Promise.resolve({ at, item: k++ });
}

describe('loadtest arrival schedule (open model, deterministic spacing)', () => {
  it('brings ⌈∫rate⌉ arrivals for every real profile, in order, inside the scenario', () => {
    for (const p of [smoke, cityLocal]) {
      const times = [...arrivalTimes(p.scenario, lib)];
      assert.equal(times.length, arrivalCount(p.scenario, lib));
      // A derived profile's voters are its arrivals; a base profile may hold more.
      if (p.scaleOf) assert.equal(times.length, p.voters, p.profile);
      else assert.ok(times.length <= p.voters, p.profile);
      assert.equal(times[0], 0);
      for (let k = 1; k < times.length; k++) assert.ok(times[k]! >= times[k - 1]!);
      assert.ok(times.at(-1)! < lib.durationOf(p.scenario));
    }
  });

  it('puts arrival k where the integral reaches k, so each second holds its rate within one', () => {
    const s = smoke.scenario;
    const times = [...arrivalTimes(s, lib)];
    times.forEach((t, k) => assert.ok(Math.abs(lib.arrivals(s, t) - k) < 1e-6, `arrival ${k}`));
    for (let second = 0; second < lib.durationOf(s); second++) {
      const inSecond = times.filter((t) => t >= second && t < second + 1).length;
      const expected = lib.arrivals(s, second + 1) - lib.arrivals(s, second);
      assert.ok(Math.abs(inSecond - expected) <= 1, `second ${second}: ${inSecond} vs ${expected}`);
    }
  });

  it('spaces a constant rate evenly and handles a ramp from 0', () => {
    const steady = [...arrivalTimes(scenario([{ duration: '2s', target: 10 }], 10), lib)];
    assert.equal(steady.length, 20);
    steady.forEach((t, k) => assert.ok(Math.abs(t - k / 10) < 1e-9));
    // 0 → 10/s over 4 s: ∫ = 20, and ∫₀ᵗ = 1.25 t², so arrival k at √(k / 1.25).
    const ramp = [...arrivalTimes(scenario([{ duration: '4s', target: 10 }]), lib)];
    assert.equal(ramp.length, 20);
    ramp.forEach((t, k) => assert.ok(Math.abs(t - Math.sqrt(k / 1.25)) < 1e-6, `arrival ${k}`));
  });
});

describe('loadtest runner: the cap and dropped arrivals', () => {
  it('starts every arrival at its instant even when no response ever comes', async () => {
    const clock = virtualClock();
    const times = [...arrivalTimes(smoke.scenario, lib)];
    const startedAt: number[] = [];
    const outcome = await runArrivals({
      arrivals: paced(times),
      maxInFlight: Number.MAX_SAFE_INTEGER,
      clock,
      // Responses never come back before the next arrival: the schedule must not wait for them.
      visit: () => {
        startedAt.push(clock.now());
        return Promise.resolve();
      },
    });
    assert.equal(outcome.arrivals, times.length);
    assert.equal(outcome.started, times.length);
    assert.equal(outcome.dropped, 0);
    assert.equal(outcome.maxLagMs, 0);
    startedAt.forEach((ms, k) => assert.equal(ms, times[k]! * 1000));
  });

  it('drops an arrival that finds maxVUs in flight, counted, never queued', async () => {
    const clock = virtualClock();
    const release: (() => void)[] = [];
    const visited: number[] = [];
    const droppedItems: number[] = [];
    // 10 arrivals a second apart; each visit lasts until released; 3 may be in flight.
    const times = Array.from({ length: 10 }, (_, k) => k);
    async function* arrivals() {
      for await (const a of paced(times)) {
        if (a.item === 5) release.splice(0).forEach((r) => r()); // three visits end at t = 5 s
        await Promise.resolve(); // let them finish
        await Promise.resolve();
        yield a;
      }
      release.splice(0).forEach((r) => r());
    }
    const outcome = await runArrivals({
      arrivals: arrivals(),
      maxInFlight: 3,
      clock,
      visit: (item) => {
        visited.push(item);
        return new Promise<void>((resolve) => release.push(resolve));
      },
      onDrop: (item) => droppedItems.push(item),
    });
    assert.deepEqual(visited, [0, 1, 2, 5, 6, 7]);
    assert.deepEqual(droppedItems, [3, 4, 8, 9]);
    assert.equal(outcome.arrivals, 10);
    assert.equal(outcome.started, 6);
    assert.equal(outcome.dropped, 4);
    assert.equal(outcome.peakInFlight, 3);
  });

  it('waits for the visits in flight before it resolves, and stops arriving when stopped', async () => {
    const clock = virtualClock();
    let ended = 0;
    let stop = false;
    const outcome = await runArrivals({
      arrivals: paced([0, 1, 2, 3, 4]),
      maxInFlight: 10,
      clock,
      stopped: () => stop,
      visit: async (item) => {
        if (item === 1) stop = true;
        await Promise.resolve();
        ended++;
      },
    });
    assert.equal(outcome.arrivals, 2);
    assert.equal(ended, 2);
  });
});

describe('loadtest retry rule on 503', () => {
  it('retries only 503s, at most RETRIES_ON_503 times, after Retry-After', () => {
    const n = lib.RETRIES_ON_503;
    assert.equal(retryDelayMs(503, '1', 0, n), 1000);
    assert.equal(retryDelayMs(503, '2', n - 1, n), 2000);
    assert.equal(retryDelayMs(503, '1', n, n), undefined, 'the last 503 is final');
    for (const status of [201, 400, 401, 409, 429, 500, 502])
      assert.equal(retryDelayMs(status, '1', 0, n), undefined, `no retry on ${status}`);
  });

  it('reads Retry-After as delta-seconds or an HTTP date, bounded, with a default', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    assert.equal(retryDelayMs(503, undefined, 0, 3, now), RETRY_AFTER_DEFAULT_MS);
    assert.equal(retryDelayMs(503, 'soon', 0, 3, now), RETRY_AFTER_DEFAULT_MS);
    assert.equal(retryDelayMs(503, '0', 0, 3, now), 0);
    assert.equal(retryDelayMs(503, 'Wed, 02 Dec 2026 10:00:03 GMT', 0, 3, now), 3000);
    assert.equal(retryDelayMs(503, 'Wed, 02 Dec 2026 09:00:00 GMT', 0, 3, now), 0);
    assert.equal(retryDelayMs(503, '3600', 0, 3, now), RETRY_AFTER_MAX_MS);
  });
});

describe('loadtest verdicts and exit status', () => {
  const latency = { p50Ms: 20, p95Ms: 80, p99Ms: 150, maxMs: 400, meanMs: 30 };
  const tally = {
    arrivals: 1000,
    dropped: 10,
    voters: 990,
    receipted: 990,
    requests: 1000,
    unavailable: 10,
  };

  it('rates 503s over requests and errors over started voters, dropped arrivals apart', () => {
    assert.deepEqual(measuredOf(tally, latency), {
      p95Ms: 80,
      p99Ms: 150,
      errorRate: 0,
      rate503: 0.01,
      dropped: 10,
    });
    const failing = measuredOf({ ...tally, receipted: 980 }, latency);
    assert.ok(Math.abs(failing.errorRate! - 10 / 990) < 1e-12);
    assert.deepEqual(measuredOf({ ...tally, voters: 0, requests: 0, receipted: 0 }, null), {
      p95Ms: null,
      p99Ms: null,
      errorRate: null,
      rate503: null,
      dropped: 10,
    });
  });

  it('exits 0 only when every threshold holds and the audit is clean', () => {
    const th = smoke.thresholds; // p95 < 1000, p99 < 2000, errors < 0.01, 503 < 0.05
    const holds = lib.verdicts(th, measuredOf(tally, latency));
    assert.deepEqual(
      holds.map((v) => v.ok),
      [true, true, true, true],
    );
    assert.equal(exitStatus(holds, { ok: true }), 0);
    assert.equal(exitStatus(holds, { ok: false }), 1, 'a lost receipt fails the run');
    const slow = lib.verdicts(th, measuredOf(tally, { ...latency, p95Ms: 1000 }));
    assert.equal(slow[0]!.ok, false, 'the limit is strict, as k6 <');
    assert.equal(exitStatus(slow, { ok: true }), 1);
    const shed = lib.verdicts(th, measuredOf({ ...tally, unavailable: 60 }, latency));
    assert.equal(shed[3]!.ok, false);
    assert.equal(exitStatus(shed, { ok: true }), 1);
    const nothing = lib.verdicts(th, measuredOf({ ...tally, voters: 0, requests: 0 }, null));
    assert.ok(
      nothing.every((v) => !v.ok && v.value === null),
      'nothing measured fails',
    );
    assert.equal(exitStatus(nothing, { ok: true }), 1);
    assert.equal(exitStatus([], { ok: true }), 1);
  });

  it('fails a run that dropped more arrivals than the error rate allows', () => {
    const th = smoke.thresholds;
    const limit = lib.droppedLimit(smoke); // ⌈0.01 × 385 arrivals⌉ = 4: at most 3 dropped
    assert.equal(limit, 4);
    const few = lib.verdicts(th, measuredOf({ ...tally, dropped: 3 }, latency), limit);
    assert.equal(few.length, 5);
    assert.equal(few[4]!.threshold, 'dropped_iterations count<4');
    assert.equal(exitStatus(few, { ok: true }), 0);
    const many = lib.verdicts(th, measuredOf({ ...tally, dropped: 4 }, latency), limit);
    assert.equal(many[4]!.ok, false);
    assert.equal(exitStatus(many, { ok: true }), 1);
  });
});

describe('loadtest profiles', () => {
  it('refuses an unknown profile with a stable code, naming the profiles there are', async () => {
    await assert.rejects(
      loadProfile('no-such-profile'),
      (e: unknown) =>
        e instanceof LoadtestError &&
        e.code === 'LOADTEST_PROFILE_UNKNOWN' &&
        /smoke/.test(e.message),
    );
    await assert.rejects(
      loadProfile('../etc/passwd'),
      (e: unknown) => e instanceof LoadtestError && e.code === 'LOADTEST_PROFILE_UNKNOWN',
    );
  });

  it('reads city-local as city scaled to this machine, with the same thresholds', async () => {
    const city = await loadProfile('city');
    assert.equal(city.target, 'cluster');
    assert.equal(cityLocal.target, 'local');
    assert.equal(cityLocal.scaleOf, 'city');
    assert.deepEqual(cityLocal.thresholds, city.thresholds);
  });
});
