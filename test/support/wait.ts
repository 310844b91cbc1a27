// Polling: the tests wait for things the services do asynchronously.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls `probe` every 200 ms until it resolves with something other than undefined or false, and
 * resolves with that; rejects after `timeoutMs` (or as soon as the probe throws).
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
