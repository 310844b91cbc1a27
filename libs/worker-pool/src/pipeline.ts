/**
 * Feeds batches from `source` to `handle` with at most `window` batches in flight, delivering
 * results to `consume` in source order (a huge record never queues more than a few batches).
 */
export async function pipeline<B, R>(
  source: AsyncIterable<B>,
  handle: (batch: B) => Promise<R>,
  consume: (result: R, batch: B) => void,
  window: number,
): Promise<void> {
  const inFlight: { batch: B; result: Promise<R> }[] = [];
  for await (const batch of source) {
    const result = handle(batch);
    // Marked handled now; the rejection still surfaces where the result is awaited, in order.
    result.catch(() => undefined);
    inFlight.push({ batch, result });
    if (inFlight.length >= window) {
      const head = inFlight.shift()!;
      consume(await head.result, head.batch);
    }
  }
  for (const head of inFlight) consume(await head.result, head.batch);
}
