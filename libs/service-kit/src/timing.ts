// How long a ballot can still be on its way to the board after `closes`, and so how long the
// ledger's final cut must wait (SPEC §7, §8: no receipted ballot outside the final block). The edge
// refuses a ballot once its cached election state is closed — the cache lags by at most its TTL —
// or once its clock passes `closes`; a ballot it took may wait up to its write timeout for acks=all
// before it is receipted or refused; and the broker's clock may differ from the ledger's. Every
// service reads these variables through this one schema, so the ledger's grace is derived from the
// edge's own settings, and a grace set by hand is refused at boot when it is shorter.
import { z } from 'zod';
import { ConfigError } from './config.js';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** The shared timing variables (edge, ledger and registrar read them alike). */
export const pipelineTimingSchema = z.object({
  /** Longest a ballot waits for its acks=all write before the voter gets 503 UNAVAILABLE (ms). */
  HANPYO_EDGE_WRITE_TIMEOUT_MS: int(100, 600_000, 10_000),
  /** How long an election's state (open, closed) is cached at the edge (ms). */
  HANPYO_EDGE_CATALOG_TTL_MS: int(0, 60_000, 2000),
  /** Largest difference assumed between the clocks of brokers, edges and ledgers (ms). */
  HANPYO_CLOCK_SKEW_MS: int(0, 60_000, 2000),
  /** Seconds between `closes` (or the close, if later) and the final cut; default: the minimum. */
  HANPYO_LEDGER_FINAL_GRACE_SECONDS: z.coerce.number().min(0).optional(),
});
export type PipelineTiming = z.infer<typeof pipelineTimingSchema>;

/** The shortest safe grace (ms): write timeout + election-cache TTL + clock skew. */
export function minimumFinalGraceMs(t: PipelineTiming): number {
  return t.HANPYO_EDGE_WRITE_TIMEOUT_MS + t.HANPYO_EDGE_CATALOG_TTL_MS + t.HANPYO_CLOCK_SKEW_MS;
}

/**
 * The grace before the final cut (ms): the configured one, which must not be shorter than the
 * minimum (ConfigError naming both), or the minimum rounded up to a whole second.
 */
export function finalGraceMs(t: PipelineTiming): number {
  const minimum = minimumFinalGraceMs(t);
  if (t.HANPYO_LEDGER_FINAL_GRACE_SECONDS === undefined) return Math.ceil(minimum / 1000) * 1000;
  const configured = t.HANPYO_LEDGER_FINAL_GRACE_SECONDS * 1000;
  if (configured < minimum) {
    throw new ConfigError(
      `HANPYO_LEDGER_FINAL_GRACE_SECONDS=${t.HANPYO_LEDGER_FINAL_GRACE_SECONDS} is shorter than the edge can still be waiting for a ballot's acknowledgement: ` +
        `HANPYO_EDGE_WRITE_TIMEOUT_MS (${t.HANPYO_EDGE_WRITE_TIMEOUT_MS}) + HANPYO_EDGE_CATALOG_TTL_MS (${t.HANPYO_EDGE_CATALOG_TTL_MS}) + HANPYO_CLOCK_SKEW_MS (${t.HANPYO_CLOCK_SKEW_MS}) = ${minimum} ms; ` +
        'a receipted ballot could fall outside the final block. Raise it, or leave it unset to derive it.',
    );
  }
  return configured;
}

/** When the final block can be cut: after `closes` (or the close, if later) and the grace. */
export function finalCutAt(closes: number, closedAt: number, graceMs: number): number {
  return Math.max(closes, closedAt) + graceMs;
}
