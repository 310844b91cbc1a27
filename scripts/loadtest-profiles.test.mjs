// loadtest/lib/profile.js and the committed profiles: every profile resolves, city and province
// are the sizes their descriptions say (1 and 10 million voters in an hour, a 3× burst at
// opening), the schedule's arithmetic on a hand-computed case, every way a profile is refused,
// the verdicts' strictly-below rule, and the shape of k6's options.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CAST_REQUEST_NAME,
  METRICS,
  RETRIES_ON_503,
  arrivals,
  droppedLimit,
  durationOf,
  formatDuration,
  k6Options,
  k6Thresholds,
  parseDuration,
  rateAt,
  resolveProfile,
  verdicts,
} from '../loadtest/lib/profile.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const dir = join(root, 'loadtest', 'profiles');
const load = (name) => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
const resolve = (name) => resolveProfile(load(name), load);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length));
const invalid = { name: 'ProfileError', code: 'LOADTEST_PROFILE_INVALID' };
/** Within `share` of `expected` (0.01: 1 %). */
const near = (actual, expected, share, what) =>
  assert.ok(
    Math.abs(actual - expected) <= Math.abs(expected) * share,
    `${what}: ${actual}, expected ≈ ${expected}`,
  );

describe('the committed profiles', () => {
  it('are the four the tools name', () => {
    assert.deepEqual([...names].sort(), ['city', 'city-local', 'province', 'smoke']);
  });

  for (const name of names)
    it(`${name} resolves, with as many voters as arrivals at least`, () => {
      const p = resolve(name);
      assert.equal(p.profile, name, 'the file is named after its profile');
      assert.ok(p.voters >= Math.ceil(arrivals(p.scenario)));
      assert.ok(Object.isFrozen(p));
    });

  for (const [name, voters] of [
    ['city', 1_000_000],
    ['province', 10_000_000],
  ])
    it(`${name}: ≈ ${voters} arrivals in one hour, opening with 3× the hourly average for 5 minutes`, () => {
      const { scenario, voters: prepared, target, mode } = resolve(name);
      assert.equal(durationOf(scenario), 3600);
      near(arrivals(scenario), voters, 0.005, 'arrivals'); // city: 997,560
      assert.ok(arrivals(scenario) <= prepared && prepared === voters);
      const hourlyAverage = voters / 3600;
      for (const t of [0, 150, 299])
        near(rateAt(scenario, t) / hourlyAverage, 3, 0.01, `burst at ${t}s`);
      // After the burst, the rest of the hour's voters over the rest of the hour.
      near(
        rateAt(scenario, 1800),
        (voters - arrivals(scenario, 360)) / 3240,
        0.01,
        'after the burst',
      );
      assert.equal(target, 'cluster');
      assert.equal(mode, 'client');
    });

  it('city-local is city with rates × 0.1 and durations ÷ 30, and the same thresholds', () => {
    const local = resolve('city-local');
    const city = resolve('city');
    assert.equal(local.scaleOf, 'city');
    assert.equal(local.target, 'local');
    assert.equal(local.mode, city.mode);
    assert.deepEqual(local.thresholds, city.thresholds);
    assert.deepEqual(local.scenario, {
      executor: 'ramping-arrival-rate',
      startRate: 83,
      timeUnit: '1s',
      preAllocatedVUs: 30,
      maxVUs: 400,
      stages: [
        { duration: '10s', target: 83 },
        { duration: '2s', target: 22 },
        { duration: '1m48s', target: 22 },
      ],
    });
    assert.equal(local.voters, Math.ceil(arrivals(local.scenario)));
  });

  it('smoke runs anywhere, a few hundred casts in under a minute', () => {
    const smoke = resolve('smoke');
    assert.equal(smoke.target, 'any');
    assert.ok(durationOf(smoke.scenario) < 60);
    assert.ok(arrivals(smoke.scenario) >= 100 && arrivals(smoke.scenario) <= smoke.voters);
  });
});

/** A valid base profile, with `change` applied. */
function profile(change = {}) {
  return {
    profile: 'hand',
    description: 'hand-computed',
    target: 'any',
    mode: 'client',
    scenario: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: 1,
      maxVUs: 10,
      stages: [
        { duration: '10s', target: 10 },
        { duration: '20s', target: 10 },
        { duration: '10s', target: 0 },
      ],
    },
    thresholds: { p95Ms: 100, p99Ms: 200, errorRate: 0.01, rate503: 0.05 },
    voters: 300,
    ...change,
  };
}
const none = () => assert.fail('no base expected');

describe('the schedule, on a hand-computed profile', () => {
  // 0 → 10/s over 10 s (50), 10/s for 20 s (200), 10 → 0/s over 10 s (50): 300 arrivals.
  const { scenario } = resolveProfile(profile(), none);

  it('rateAt ramps linearly within each stage and is 0 outside the scenario', () => {
    assert.equal(rateAt(scenario, 0), 0);
    assert.equal(rateAt(scenario, 5), 5);
    assert.equal(rateAt(scenario, 10), 10);
    assert.equal(rateAt(scenario, 29.5), 10);
    assert.equal(rateAt(scenario, 35), 5);
    assert.equal(rateAt(scenario, 40), 0);
    assert.equal(rateAt(scenario, -1), 0);
  });

  it('arrivals is the area under the rate, up to t', () => {
    assert.equal(arrivals(scenario), 300);
    assert.equal(arrivals(scenario, 5), 12.5);
    assert.equal(arrivals(scenario, 10), 50);
    assert.equal(arrivals(scenario, 20), 150);
    assert.equal(arrivals(scenario, 35), 250 + 37.5);
    assert.equal(arrivals(scenario, 1000), 300);
    assert.equal(durationOf(scenario), 40);
  });

  it('a "1m" time unit counts rates per minute', () => {
    const perMinute = {
      ...scenario,
      startRate: 60,
      timeUnit: '1m',
      stages: [{ duration: '1m', target: 120 }],
    };
    assert.equal(rateAt(perMinute, 0), 1);
    assert.equal(rateAt(perMinute, 30), 1.5);
    assert.equal(arrivals(perMinute), 90); // (1 + 2) / 2 × 60
  });

  it('durations are whole hours, minutes and seconds, both ways', () => {
    for (const [text, seconds] of [
      ['45s', 45],
      ['5m', 300],
      ['1h30m', 5400],
      ['1h0m5s', 3605],
    ])
      assert.equal(parseDuration(text), seconds, text);
    for (const seconds of [0, 1, 59, 60, 61, 3600, 3661, 5400])
      assert.equal(parseDuration(formatDuration(seconds)), seconds);
    assert.equal(formatDuration(3661), '1h1m1s');
    for (const bad of ['', '5', '5 m', '1.5m', '1d', 5, null])
      assert.throws(() => parseDuration(bad), invalid);
  });
});

describe('a profile that cannot be used is refused (LOADTEST_PROFILE_INVALID)', () => {
  const refused = (json, pattern, loadBase = none) =>
    assert.throws(
      () => resolveProfile(json, loadBase),
      (e) => e.name === invalid.name && e.code === invalid.code && pattern.test(e.message),
    );
  const scenario = profile().scenario;

  it('an unknown member, at the top, in the scenario, in a stage, in the thresholds', () => {
    refused(profile({ rampUp: '1m' }), /unknown member "rampUp"/);
    refused(profile({ scenario: { ...scenario, vus: 3 } }), /unknown member "vus"/);
    refused(
      profile({ scenario: { ...scenario, stages: [{ duration: '1s', target: 1, ramp: 'x' }] } }),
      /stage 0: unknown member "ramp"/,
    );
    refused(
      profile({ thresholds: { ...profile().thresholds, p50Ms: 1 } }),
      /unknown member "p50Ms"/,
    );
  });

  it('a bad duration, or a stage of no time', () => {
    const withStage = (duration) =>
      profile({ scenario: { ...scenario, stages: [{ duration, target: 1 }] }, voters: 10_000 });
    refused(withStage('5 min'), /stage 0: not a duration/);
    refused(withStage(30), /stage 0: not a duration/);
    refused(withStage('0s'), /stage 0: a stage must last at least 1s/);
  });

  it('fewer voters than the scenario has arrivals', () => {
    refused(
      profile({ voters: 299 }),
      /voters must be a whole number ≥ the scenario's 300 arrivals/,
    );
    assert.equal(resolveProfile(profile({ voters: 300 }), none).voters, 300);
  });

  it('a derived profile of a derived one', () => {
    const bases = {
      base: profile({ profile: 'base' }),
      half: {
        profile: 'half',
        description: 'd',
        target: 'any',
        scaleOf: 'base',
        rate: 0.5,
        time: 1,
        maxVUs: 5,
      },
    };
    const loadBase = (name) => bases[name];
    assert.equal(resolveProfile(bases.half, loadBase).voters, 150, 'one level is fine');
    refused(
      {
        profile: 'quarter',
        description: 'd',
        target: 'any',
        scaleOf: 'half',
        rate: 0.5,
        time: 1,
        maxVUs: 5,
      },
      /half is itself derived/,
      loadBase,
    );
  });

  it('a closed-model executor, a bad time unit, bad thresholds, a bad mode or target', () => {
    refused(profile({ scenario: { ...scenario, executor: 'ramping-vus' } }), /open model/);
    refused(profile({ scenario: { ...scenario, timeUnit: '1h' } }), /timeUnit/);
    refused(profile({ scenario: { ...scenario, maxVUs: 0 } }), /maxVUs/);
    refused(
      profile({ thresholds: { p95Ms: 300, p99Ms: 200, errorRate: 0, rate503: 0 } }),
      /p99Ms ≥ p95Ms/,
    );
    refused(
      profile({ thresholds: { p95Ms: 1, p99Ms: 2, errorRate: 1.5, rate503: 0 } }),
      /rates in \[0, 1\]/,
    );
    refused(profile({ mode: 'both' }), /mode must be/);
    refused(profile({ target: 'everywhere' }), /target must be/);
    refused(profile({ profile: 'City' }), /lower-case name/);
    refused([], /must be a JSON object/);
  });
});

describe('verdicts', () => {
  const limits = { p95Ms: 500, p99Ms: 1500, errorRate: 0.001, rate503: 0.01 };

  it('a threshold holds strictly below its limit, as k6’s `<`', () => {
    const rows = verdicts(limits, { p95Ms: 499.9, p99Ms: 1500, errorRate: 0, rate503: 0.0100001 });
    assert.deepEqual(
      rows.map((r) => [r.threshold, r.ok]),
      [
        ['http_req_duration p(95)<500', true],
        ['http_req_duration p(99)<1500', false],
        ['hanpyo_cast_errors rate<0.001', true],
        ['hanpyo_cast_503 rate<0.01', false],
      ],
    );
    assert.deepEqual(rows[0], {
      threshold: 'http_req_duration p(95)<500',
      limit: 500,
      value: 499.9,
      ok: true,
    });
  });

  it('a missing value (nothing measured) fails', () => {
    const rows = verdicts(limits, { p95Ms: Number.NaN, p99Ms: null, errorRate: 0 });
    assert.deepEqual(
      rows.map((r) => [r.value, r.ok]),
      [
        [null, false],
        [null, false],
        [0, true],
        [null, false],
      ],
    );
  });
});

describe("k6's options", () => {
  const smoke = resolve('smoke');
  const city = resolve('city');

  it('one scenario "cast": the profile’s scenario running the exported function', () => {
    const options = k6Options(smoke);
    assert.deepEqual(Object.keys(options.scenarios), ['cast']);
    assert.deepEqual(options.scenarios.cast, { ...smoke.scenario, exec: 'cast' });
    assert.equal(k6Options(smoke, 'vote').scenarios.cast.exec, 'vote');
    assert.ok(options.summaryTrendStats.includes('p(99)'));
  });

  it('thresholds on the cast request’s latency, the error rate and the 503 rate', () => {
    assert.equal(CAST_REQUEST_NAME, 'cast');
    assert.deepEqual(k6Options(smoke).thresholds, {
      'http_req_duration{name:cast}': ['p(95)<1000', 'p(99)<2000'],
      hanpyo_cast_errors: ['rate<0.01'],
      hanpyo_cast_503: ['rate<0.05'],
      dropped_iterations: ['count<4'],
    });
    assert.equal(droppedLimit(smoke), 4, '⌈0.01 × 385 arrivals⌉');
    assert.equal(droppedLimit(city), Math.ceil(0.001 * 997_560));
    assert.deepEqual(
      k6Thresholds(smoke.thresholds, droppedLimit(smoke)),
      k6Options(smoke).thresholds,
    );
    assert.equal(k6Thresholds(smoke.thresholds).dropped_iterations, undefined);
    assert.deepEqual(METRICS, {
      latency: 'http_req_duration',
      errors: 'hanpyo_cast_errors',
      unavailable: 'hanpyo_cast_503',
      dropped: 'dropped_iterations',
    });
    assert.equal(RETRIES_ON_503, 3);
  });
});
