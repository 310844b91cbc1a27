// The figures of `hanpyo bench overload` from the answers it recorded (pure, unit-tested): per
// phase the accepted throughput, the share of 503s and their Retry-After spread, the latency of
// accepted requests, and the time to full recovery once the overload stops.

/** One request of the benchmark and its answer. */
export interface Sample {
  /** When it was sent (ms, the run's clock). */
  readonly sentAt: number;
  /** Milliseconds to the answer. */
  readonly ms: number;
  /** HTTP status; 0 when no answer came (a connection error or the client's timeout). */
  readonly status: number;
  readonly retryAfter: string | null;
}

export interface PhaseFigures {
  readonly requests: number;
  readonly seconds: number;
  /** Arrivals per second asked for (open model), or undefined (closed loop). */
  readonly offeredPerSecond: number | undefined;
  /** Receipts (201) per second. */
  readonly acceptedPerSecond: number;
  readonly accepted: number;
  readonly shed503: number;
  readonly share503: number;
  /** Any other answer: 4xx other than expected, 5xx other than 503, or none (status 0). */
  readonly other: Readonly<Record<string, number>>;
  /** Retry-After values of the 503s: seconds → count. */
  readonly retryAfter: Readonly<Record<string, number>>;
  /** Latency of accepted requests (ms). */
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** The q-quantile (0..1) of sorted values, nearest rank; null when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

const ACCEPTED = new Set([200, 201, 202]);

/** The figures of one phase's samples, over `seconds` of wall clock. */
export function phaseFigures(
  samples: readonly Sample[],
  seconds: number,
  offeredPerSecond?: number,
): PhaseFigures {
  const latencies: number[] = [];
  const retryAfter: Record<string, number> = {};
  const other: Record<string, number> = {};
  let shed503 = 0;
  for (const s of samples) {
    if (ACCEPTED.has(s.status)) latencies.push(s.ms);
    else if (s.status === 503) {
      shed503++;
      const key = s.retryAfter ?? 'none';
      retryAfter[key] = (retryAfter[key] ?? 0) + 1;
    } else other[String(s.status)] = (other[String(s.status)] ?? 0) + 1;
  }
  latencies.sort((a, b) => a - b);
  return {
    requests: samples.length,
    seconds,
    offeredPerSecond,
    acceptedPerSecond: seconds > 0 ? latencies.length / seconds : 0,
    accepted: latencies.length,
    shed503,
    share503: samples.length > 0 ? shed503 / samples.length : 0,
    other,
    retryAfter,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.length > 0 ? latencies[latencies.length - 1]! : null,
  };
}

/**
 * Seconds from `overloadEnd` until the edge had fully recovered: the answer time of the last
 * request of the recovery phase that was refused or slower than `slowMs` (0 when none was).
 * Undefined when the last request of the phase was still bad (no recovery seen).
 */
export function recoverySeconds(
  recovery: readonly Sample[],
  overloadEnd: number,
  slowMs: number,
): number | undefined {
  const bad = (s: Sample) => !ACCEPTED.has(s.status) || s.ms > slowMs;
  const ordered = [...recovery].sort((a, b) => a.sentAt - b.sentAt);
  let lastBad: Sample | undefined;
  for (const s of ordered) if (bad(s)) lastBad = s;
  if (!lastBad) return 0;
  if (ordered[ordered.length - 1] === lastBad) return undefined;
  return Math.max(0, (lastBad.sentAt + lastBad.ms - overloadEnd) / 1000);
}

/** `value / base`, or null when either is missing or the base is 0. */
export function ratio(
  value: number | null | undefined,
  base: number | null | undefined,
): number | null {
  if (value === null || value === undefined || base === null || base === undefined || base === 0)
    return null;
  return value / base;
}
