// Time is injected (STYLE.md §5), so timestamps, windows and block cuts are reproducible in tests.

/** The source of the current time. */
export interface Clock {
  now(): Date;
}

/** Injection token of the process's clock. */
export const CLOCK = Symbol('Clock');

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };
