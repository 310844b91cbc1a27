// The pure rules of the local load runner (`hanpyo loadtest`), kept apart from HTTP and the stack
// so they can be tested alone:
//
//   arrivals   when each voter arrives: an open model (k6's ramping-arrival-rate), deterministic
//              spacing — arrival k comes at the instant the scenario's integral ∫rate reaches k —
//              so a run has ⌈∫rate⌉ arrivals and their times depend on nothing the server does;
//   the cap    an arrival that finds `maxVUs` voters in flight is dropped (k6's
//              dropped_iterations), counted, never queued;
//   retries    a cast answered 503 is sent again after its Retry-After, up to RETRIES_ON_503 times;
//   verdicts   the figures the profile's thresholds are judged on, and the exit status.
import type { Measured, ProfileLib, Scenario, Verdict } from './loadtest-profiles.js';

type Integral = Pick<ProfileLib, 'arrivals' | 'rateAt' | 'durationOf'>;

/** How many voters the scenario brings: every k with k < ∫rate, that is ⌈∫rate⌉ (profile.voters). */
export function arrivalCount(scenario: Scenario, lib: Integral): number {
  return Math.ceil(lib.arrivals(scenario));
}

/**
 * The instants (seconds from the start) of the scenario's arrivals, in order: arrival k at the t
 * where ∫₀ᵗ rate = k (the first at 0). Newton's step on the piecewise-linear integral, kept inside
 * a bracket (bisection where the rate is 0), so each instant costs a few evaluations.
 */
export function* arrivalTimes(scenario: Scenario, lib: Integral): Generator<number> {
  const end = lib.durationOf(scenario);
  const count = arrivalCount(scenario, lib);
  let previous = 0;
  for (let k = 0; k < count; k++) {
    let lo = previous;
    let hi = end;
    let t = lo;
    for (let i = 0; i < 100; i++) {
      const excess = lib.arrivals(scenario, t) - k;
      if (Math.abs(excess) < 1e-9) break;
      if (excess > 0) hi = t;
      else lo = t;
      const rate = lib.rateAt(scenario, t);
      let next = rate > 0 ? t - excess / rate : Number.NaN;
      if (!(next > lo && next < hi)) next = (lo + hi) / 2;
      if (next === t) break;
      t = next;
    }
    previous = t;
    yield t;
  }
}

/** The clock the runner sleeps on (milliseconds); injected so tests run without waiting. */
export interface RunnerClock {
  now(): number;
  /** Resolves at (or after) the instant `ms` of now()'s scale. */
  sleepUntil(ms: number): Promise<void>;
}

/** The real clock: performance.now() and timers. */
export const systemRunnerClock: RunnerClock = {
  now: () => performance.now(),
  sleepUntil: (ms) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - performance.now()))),
};

/** What the arrival loop did. */
export interface ArrivalOutcome {
  readonly arrivals: number;
  readonly started: number;
  readonly dropped: number;
  /** The latest an arrival was started after its instant (ms): the runner's own lag. */
  readonly maxLagMs: number;
  /** Most voters in flight at once. */
  readonly peakInFlight: number;
}

/**
 * Runs an open model: each item arrives at its instant (seconds after the start) and `visit` is
 * started for it then, whatever earlier visits are doing; an arrival finding `maxInFlight` visits
 * running is dropped (`onDrop`), not queued. Resolves when the last visit has ended. `visit` must
 * not reject (it records its own failures); `stop` ends the arrivals early (Ctrl-C).
 */
export async function runArrivals<T>(options: {
  readonly arrivals: AsyncIterable<{ readonly at: number; readonly item: T }>;
  readonly maxInFlight: number;
  readonly visit: (item: T, index: number) => Promise<void>;
  readonly onDrop?: (item: T, index: number) => void;
  readonly clock?: RunnerClock;
  readonly stopped?: () => boolean;
  /** Called with the clock's start instant, before the first arrival. */
  readonly onStart?: (startMs: number) => void;
}): Promise<ArrivalOutcome> {
  const clock = options.clock ?? systemRunnerClock;
  const running = new Set<Promise<void>>();
  let arrivals = 0;
  let started = 0;
  let dropped = 0;
  let maxLagMs = 0;
  let peakInFlight = 0;
  const start = clock.now();
  options.onStart?.(start);
  for await (const { at, item } of options.arrivals) {
    if (options.stopped?.()) break;
    const due = start + at * 1000;
    if (clock.now() < due) await clock.sleepUntil(due);
    maxLagMs = Math.max(maxLagMs, clock.now() - due);
    const index = arrivals++;
    if (running.size >= options.maxInFlight) {
      dropped++;
      options.onDrop?.(item, index);
      continue;
    }
    started++;
    const visit = options.visit(item, index).finally(() => running.delete(visit));
    running.add(visit);
    peakInFlight = Math.max(peakInFlight, running.size);
  }
  await Promise.all(running);
  return { arrivals, started, dropped, maxLagMs, peakInFlight };
}

/** The longest pause a Retry-After may ask of the runner (ms). */
export const RETRY_AFTER_MAX_MS = 30_000;
/** The pause when a 503 says nothing usable (ms). */
export const RETRY_AFTER_DEFAULT_MS = 1_000;

/**
 * Whether to send a cast again, and after how long (ms): only a 503, only while fewer than
 * `retries` retries were made, after its Retry-After (delta-seconds or an HTTP date, RFC 9110
 * §10.2.3), bounded by RETRY_AFTER_MAX_MS. Undefined: the answer is final.
 */
export function retryDelayMs(
  status: number,
  retryAfter: string | undefined,
  retriesSoFar: number,
  retries: number,
  nowMs: number = Date.now(),
): number | undefined {
  if (status !== 503 || retriesSoFar >= retries) return undefined;
  const text = retryAfter?.trim() ?? '';
  let ms = RETRY_AFTER_DEFAULT_MS;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else if (text !== '' && Number.isFinite(Date.parse(text))) ms = Date.parse(text) - nowMs;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, ms));
}

/** The counts of a run, as the runner keeps them. */
export interface Tally {
  readonly arrivals: number;
  readonly dropped: number;
  /** Voters whose cast was started (arrivals − dropped). */
  readonly voters: number;
  /** Voters whose cast ended in 201 with a receipt naming their ballot. */
  readonly receipted: number;
  /** Cast requests sent, retries included, and how many of them were answered 503. */
  readonly requests: number;
  readonly unavailable: number;
}

/** Latency percentiles of the cast requests (ms); null when none was measured. */
export interface Latency {
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/**
 * What the thresholds are judged on: the 503 rate is over cast requests (retries included), the
 * error rate over voters whose cast started, and the dropped arrivals apart (as k6's
 * dropped_iterations, judged against profile.js's droppedLimit).
 */
export function measuredOf(tally: Tally, latency: Latency | null): Measured {
  return {
    p95Ms: latency?.p95Ms ?? null,
    p99Ms: latency?.p99Ms ?? null,
    errorRate: tally.voters > 0 ? (tally.voters - tally.receipted) / tally.voters : null,
    rate503: tally.requests > 0 ? tally.unavailable / tally.requests : null,
    dropped: tally.dropped,
  };
}

/** The run's exit status: 0 only when every threshold holds and the audit found nothing wrong. */
export function exitStatus(verdicts: readonly Verdict[], audit: { readonly ok: boolean }): 0 | 1 {
  return verdicts.length > 0 && verdicts.every((v) => v.ok) && audit.ok ? 0 : 1;
}
