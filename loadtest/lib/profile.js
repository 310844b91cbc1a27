// The load profiles (loadtest/profiles/*.json) and what both load tools make of them: the k6
// scripts (loadtest/k6/) and the local runner (`npm run loadtest`). One module for both, so the
// scenario k6 runs on a cluster and the one the local runner runs here cannot drift apart.
//
// Plain ECMAScript with no imports: k6 (Sobek) and Node load it as it is. Reading files is the
// caller's business (k6's `open`, Node's `fs`); `resolveProfile` takes the parsed JSON.
//
// A profile is an open-model arrival schedule (k6's `ramping-arrival-rate`: the rate ramps
// linearly from one stage's target to the next, starting at `startRate`), the thresholds that
// fail a run, and the number of voters a prepared load (`hanpyo loadgen prepare`) must hold for
// it. A derived profile (`scaleOf`) is another profile with its rates and durations scaled, and
// the same thresholds: `city-local` is `city` at this machine's size.
//
// Typed with JSDoc and checked by `tsc` (loadtest/k6/tsconfig.json, run by
// scripts/k6-scripts.test.mjs), so the same file runs unchanged in k6 and in Node 20.

/**
 * @typedef {{ duration: string, target: number }} Stage
 * @typedef {{
 *   executor: 'ramping-arrival-rate',
 *   startRate: number,
 *   timeUnit: '1s' | '1m',
 *   preAllocatedVUs: number,
 *   maxVUs: number,
 *   stages: Stage[],
 * }} Scenario
 * @typedef {{ p95Ms: number, p99Ms: number, errorRate: number, rate503: number }} Thresholds
 * @typedef {'client' | 'edge' | 'mixed'} Mode
 * @typedef {'cluster' | 'local' | 'any'} Target
 * @typedef {Readonly<{
 *   profile: string,
 *   description: string,
 *   target: Target,
 *   mode: Mode,
 *   scaleOf?: string,
 *   scenario: Scenario,
 *   thresholds: Thresholds,
 *   voters: number,
 * }>} Profile
 * @typedef {{ p95Ms?: number | null, p99Ms?: number | null, errorRate?: number | null, rate503?: number | null, dropped?: number | null }} Measured
 * @typedef {{ threshold: string, limit: number, value: number | null, ok: boolean }} Verdict
 */

/** The metrics the thresholds are written on, in k6 and in the local runner's JSON. */
export const METRICS = Object.freeze({
  /** Latency of the cast request (POST …/ballots), in milliseconds. */
  latency: 'http_req_duration',
  /**
   * Rate of voters (iterations) whose cast did not end in 201 with a valid receipt, after the
   * retries a client makes on 503 (honouring Retry-After, up to RETRIES_ON_503 of them).
   */
  errors: 'hanpyo_cast_errors',
  /** Rate of cast requests answered 503 (the edge shedding load), retries included. */
  unavailable: 'hanpyo_cast_503',
  /**
   * Arrivals that found every VU busy and were never sent (k6's own counter): voters the system
   * was too slow to take. At most `droppedLimit(profile)` of them, the error rate's share.
   */
  dropped: 'dropped_iterations',
});

/** How many times a load tool retries a cast answered 503 before counting the voter an error. */
export const RETRIES_ON_503 = 3;

/**
 * The k6 `name` tag of the cast request: the latency thresholds are on `http_req_duration` of
 * that request only (`http_req_duration{name:cast}`), not on any other request a script makes.
 */
export const CAST_REQUEST_NAME = 'cast';

const PROFILE_NAME = /^[a-z][a-z0-9-]{0,40}$/;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
/** @type {Readonly<Record<string, number>>} */
const TIME_UNITS = Object.freeze({ '1s': 1, '1m': 60 });
/** @type {readonly unknown[]} */
const MODES = ['client', 'edge', 'mixed'];
/**
 * Where a profile is meant to run: a real cluster (k6), this machine (the local runner), either.
 * @type {readonly unknown[]}
 */
const TARGETS = ['cluster', 'local', 'any'];

/** A profile that cannot be used, with a stable code. */
export class ProfileError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ProfileError';
    /** @type {'LOADTEST_PROFILE_INVALID'} */
    this.code = 'LOADTEST_PROFILE_INVALID';
  }
}

/**
 * @param {string} where
 * @param {string} message
 * @returns {never}
 */
function fail(where, message) {
  throw new ProfileError(`${where}: ${message}`);
}

/**
 * Seconds of a k6 duration of whole hours, minutes and seconds ("5m", "1h30m", "45s").
 * @param {unknown} text
 * @returns {number}
 */
export function parseDuration(text) {
  const m = typeof text === 'string' && text !== '' ? DURATION.exec(text) : null;
  if (!m) throw new ProfileError(`not a duration ("30s", "5m", "1h30m"): ${JSON.stringify(text)}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * The k6 duration text of whole seconds.
 * @param {number} seconds
 * @returns {string}
 */
export function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/** @type {(v: unknown) => v is Record<string, unknown>} */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** @type {(v: unknown) => v is number} */
const isCount = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
/** @type {(v: unknown) => v is number} */
const isRate = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
/** @type {(v: unknown) => v is number} */
const isPositive = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * @param {string} where
 * @param {Record<string, unknown>} value
 * @param {string[]} keys
 */
function only(where, value, keys) {
  for (const key of Object.keys(value))
    if (!keys.includes(key)) fail(where, `unknown member "${key}"`);
}

/**
 * @param {string} where
 * @param {unknown} s
 * @returns {asserts s is Scenario}
 */
function checkScenario(where, s) {
  if (!isObject(s)) fail(where, 'scenario must be an object');
  only(where, s, ['executor', 'startRate', 'timeUnit', 'preAllocatedVUs', 'maxVUs', 'stages']);
  if (s.executor !== 'ramping-arrival-rate')
    fail(where, 'scenario.executor must be "ramping-arrival-rate" (an open model)');
  if (!isCount(s.startRate)) fail(where, 'scenario.startRate must be a whole number ≥ 0');
  if (typeof s.timeUnit !== 'string' || !Object.hasOwn(TIME_UNITS, s.timeUnit))
    fail(where, 'scenario.timeUnit must be "1s" or "1m"');
  if (!isCount(s.preAllocatedVUs) || s.preAllocatedVUs < 1)
    fail(where, 'scenario.preAllocatedVUs must be a whole number ≥ 1');
  if (!isCount(s.maxVUs) || s.maxVUs < s.preAllocatedVUs)
    fail(where, 'scenario.maxVUs must be a whole number ≥ preAllocatedVUs');
  if (!Array.isArray(s.stages) || s.stages.length === 0)
    fail(where, 'scenario.stages must be a non-empty array');
  s.stages.forEach((/** @type {unknown} */ stage, /** @type {number} */ i) => {
    if (!isObject(stage)) fail(where, `stage ${i} must be an object`);
    only(`${where} stage ${i}`, stage, ['duration', 'target']);
    let seconds;
    try {
      seconds = parseDuration(stage.duration);
    } catch (e) {
      fail(`${where} stage ${i}`, e instanceof Error ? e.message : String(e));
    }
    if (seconds === 0) fail(`${where} stage ${i}`, 'a stage must last at least 1s');
    if (!isCount(stage.target)) fail(`${where} stage ${i}`, 'target must be a whole number ≥ 0');
  });
}

/**
 * @param {string} where
 * @param {unknown} t
 * @returns {asserts t is Thresholds}
 */
function checkThresholds(where, t) {
  if (!isObject(t)) fail(where, 'thresholds must be an object');
  only(where, t, ['p95Ms', 'p99Ms', 'errorRate', 'rate503']);
  if (!isPositive(t.p95Ms) || !isPositive(t.p99Ms) || t.p99Ms < t.p95Ms)
    fail(where, 'thresholds.p95Ms and p99Ms must be > 0 with p99Ms ≥ p95Ms');
  if (!isRate(t.errorRate) || !isRate(t.rate503))
    fail(where, 'thresholds.errorRate and rate503 must be rates in [0, 1]');
}

/**
 * The profile a JSON document describes, checked, with a derived profile's scenario computed:
 * `loadBase(name)` returns the parsed JSON of the profile `name` (a derived profile's base).
 * Throws ProfileError (code LOADTEST_PROFILE_INVALID) naming what is wrong.
 * @param {unknown} json
 * @param {(name: string) => unknown} loadBase
 * @returns {Profile}
 */
export function resolveProfile(json, loadBase) {
  const where = isObject(json) && typeof json.profile === 'string' ? json.profile : 'profile';
  if (!isObject(json)) fail(where, 'must be a JSON object');
  if (typeof json.profile !== 'string' || !PROFILE_NAME.test(json.profile))
    fail(where, 'profile must be a lower-case name');
  if (typeof json.description !== 'string') fail(where, 'description must be a string');
  if (!TARGETS.includes(json.target)) fail(where, 'target must be "cluster", "local" or "any"');
  if (json.scaleOf !== undefined) {
    only(where, json, ['profile', 'description', 'target', 'scaleOf', 'rate', 'time', 'maxVUs']);
    if (typeof json.scaleOf !== 'string') fail(where, 'scaleOf must name a profile');
    if (!isPositive(json.rate) || !isPositive(json.time))
      fail(where, 'rate and time must be scale factors > 0');
    if (!isCount(json.maxVUs) || json.maxVUs < 1) fail(where, 'maxVUs must be a whole number ≥ 1');
    const baseJson = loadBase(json.scaleOf);
    if (isObject(baseJson) && baseJson.scaleOf !== undefined)
      fail(where, `${json.scaleOf} is itself derived: scale a profile with a scenario`);
    const base = resolveProfile(baseJson, loadBase);
    const scenario = scaleScenario(base.scenario, json.rate, json.time, json.maxVUs);
    return Object.freeze({
      profile: json.profile,
      description: json.description,
      target: /** @type {Target} */ (json.target),
      mode: base.mode,
      scaleOf: base.profile,
      scenario,
      thresholds: base.thresholds,
      voters: Math.ceil(arrivals(scenario)),
    });
  }
  only(where, json, [
    'profile',
    'description',
    'target',
    'mode',
    'scenario',
    'thresholds',
    'voters',
  ]);
  if (!MODES.includes(json.mode)) fail(where, 'mode must be "client", "edge" or "mixed"');
  checkScenario(where, json.scenario);
  checkThresholds(where, json.thresholds);
  const needed = Math.ceil(arrivals(json.scenario));
  if (!isCount(json.voters) || json.voters < needed)
    fail(where, `voters must be a whole number ≥ the scenario's ${needed} arrivals`);
  // Checked member by member above: the document is a Profile.
  return /** @type {Profile} */ (Object.freeze({ ...json }));
}

/**
 * A scenario with every rate × `rate` and every duration × `time` (whole seconds, at least 1).
 * @param {Scenario} scenario
 * @param {number} rate
 * @param {number} time
 * @param {number} maxVUs
 * @returns {Scenario}
 */
export function scaleScenario(scenario, rate, time, maxVUs) {
  const perSecond = perSecondOf(scenario);
  const scaled = (/** @type {number} */ target) => Math.round((target / perSecond) * rate);
  return {
    executor: 'ramping-arrival-rate',
    startRate: scaled(scenario.startRate),
    timeUnit: '1s',
    preAllocatedVUs: Math.min(maxVUs, Math.max(1, Math.round(scenario.preAllocatedVUs * rate))),
    maxVUs,
    stages: scenario.stages.map((/** @type {Stage} */ stage) => ({
      duration: formatDuration(Math.max(1, Math.round(parseDuration(stage.duration) * time))),
      target: scaled(stage.target),
    })),
  };
}

/**
 * Seconds in the scenario's time unit.
 * @param {Scenario} scenario
 */
function perSecondOf(scenario) {
  const perSecond = TIME_UNITS[scenario.timeUnit];
  if (perSecond === undefined) throw new ProfileError(`not a time unit: ${scenario.timeUnit}`);
  return perSecond;
}

/**
 * The stages as [start s, end s, rate at start /s, rate at end /s].
 * @param {Scenario} scenario
 * @returns {Array<[number, number, number, number]>}
 */
function segments(scenario) {
  const perSecond = perSecondOf(scenario);
  /** @type {Array<[number, number, number, number]>} */
  const out = [];
  let t = 0;
  let rate = scenario.startRate / perSecond;
  for (const stage of scenario.stages) {
    const d = parseDuration(stage.duration);
    const next = stage.target / perSecond;
    out.push([t, t + d, rate, next]);
    t += d;
    rate = next;
  }
  return out;
}

/**
 * Seconds the scenario lasts.
 * @param {Scenario} scenario
 * @returns {number}
 */
export function durationOf(scenario) {
  return scenario.stages.reduce((sum, stage) => sum + parseDuration(stage.duration), 0);
}

/**
 * The arrival rate (per second) `t` seconds into the scenario; 0 after its end.
 * @param {Scenario} scenario
 * @param {number} t
 * @returns {number}
 */
export function rateAt(scenario, t) {
  for (const [a, b, r0, r1] of segments(scenario))
    if (t >= a && t < b) return r0 + ((r1 - r0) * (t - a)) / (b - a);
  return 0;
}

/**
 * Arrivals expected in the first `t` seconds (all of them without `t`): ∫ rate.
 * @param {Scenario} scenario
 * @param {number} [t]
 * @returns {number}
 */
export function arrivals(scenario, t = Infinity) {
  let sum = 0;
  for (const [a, b, r0, r1] of segments(scenario)) {
    if (t <= a) break;
    const end = Math.min(b, t);
    const rEnd = r0 + ((r1 - r0) * (end - a)) / (b - a);
    sum += ((r0 + rEnd) / 2) * (end - a);
  }
  return sum;
}

/**
 * The k6 thresholds of a profile's limits, on the METRICS; latency on the cast request only, and
 * with `maxDropped` (droppedLimit) a limit on dropped arrivals.
 * @param {Thresholds} thresholds
 * @param {number} [maxDropped]
 * @returns {Record<string, string[]>}
 */
export function k6Thresholds(thresholds, maxDropped) {
  return {
    [`${METRICS.latency}{name:${CAST_REQUEST_NAME}}`]: [
      `p(95)<${thresholds.p95Ms}`,
      `p(99)<${thresholds.p99Ms}`,
    ],
    [METRICS.errors]: [`rate<${thresholds.errorRate}`],
    [METRICS.unavailable]: [`rate<${thresholds.rate503}`],
    ...(maxDropped === undefined ? {} : { [METRICS.dropped]: [`count<${maxDropped}`] }),
  };
}

/**
 * How many dropped arrivals a run of the profile may have, exclusive: the error rate's share of
 * its arrivals (at least 1, so a limit of "none" is `count<1`). A dropped arrival is a voter who
 * never got to cast, as bad for the promise as an error; k6 counts them apart from iterations.
 * @param {Profile} profile
 */
export function droppedLimit(profile) {
  return Math.max(1, Math.ceil(profile.thresholds.errorRate * arrivals(profile.scenario)));
}

/**
 * k6's `options` for a profile: one scenario `cast` running the function `exec`.
 * @param {Profile} profile
 * @param {string} [exec]
 */
export function k6Options(profile, exec = 'cast') {
  return {
    scenarios: { cast: { ...profile.scenario, exec } },
    thresholds: k6Thresholds(profile.thresholds, droppedLimit(profile)),
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
  };
}

/**
 * Each threshold's verdict on measured figures `{ p95Ms, p99Ms, errorRate, rate503, dropped }`: a
 * list of `{ threshold, limit, value, ok }`, in the order of k6Thresholds (the dropped arrivals'
 * row only with `maxDropped`). A threshold holds when the value is strictly below its limit, as
 * k6's `<`. A missing value (no request measured) fails.
 * @param {Thresholds} thresholds
 * @param {Measured} measured
 * @param {number} [maxDropped]
 * @returns {Verdict[]}
 */
export function verdicts(thresholds, measured, maxDropped) {
  /** @type {Array<[string, number, unknown]>} */
  const rows = [
    [`${METRICS.latency} p(95)<${thresholds.p95Ms}`, thresholds.p95Ms, measured.p95Ms],
    [`${METRICS.latency} p(99)<${thresholds.p99Ms}`, thresholds.p99Ms, measured.p99Ms],
    [`${METRICS.errors} rate<${thresholds.errorRate}`, thresholds.errorRate, measured.errorRate],
    [`${METRICS.unavailable} rate<${thresholds.rate503}`, thresholds.rate503, measured.rate503],
  ];
  if (maxDropped !== undefined)
    rows.push([`${METRICS.dropped} count<${maxDropped}`, maxDropped, measured.dropped]);
  return rows.map(([threshold, limit, value]) => ({
    threshold,
    limit,
    value: typeof value === 'number' && Number.isFinite(value) ? value : null,
    ok: typeof value === 'number' && Number.isFinite(value) && value < limit,
  }));
}
