// Retry-After for every 503 and 429 of every service (RFC 9110 §10.2.3, delta-seconds). A fixed
// value makes every refused client come back in the same second, so the next second is refused
// too; spreading the wait uniformly over a range breaks that lockstep.

/** The shortest and longest wait a refusal asks for (whole seconds). */
export const RETRY_AFTER_MIN_SECONDS = 1;
export const RETRY_AFTER_MAX_SECONDS = 3;

/**
 * A jittered Retry-After: a uniformly drawn whole number of seconds in [min, max] (default 1–3 s).
 * `random` returns a number in [0, 1), as Math.random does; tests inject their own.
 */
export function retryAfterSeconds(
  random: () => number = Math.random,
  min: number = RETRY_AFTER_MIN_SECONDS,
  max: number = RETRY_AFTER_MAX_SECONDS,
): number {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min)
    throw new RangeError('retryAfterSeconds needs whole seconds with 0 <= min <= max');
  const r = random();
  // A random source outside [0, 1) must not yield a wait outside the range.
  const u = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1 - Number.EPSILON) : 0;
  return min + Math.floor(u * (max - min + 1));
}
