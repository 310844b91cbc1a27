// The one parser of a block height in a URL path or query (SPEC §8 numbers blocks from 1). Heights
// are stored as Cassandra `int`, so anything above 2^31 − 1 cannot name a block; it is refused
// here as bad input rather than reaching the driver (a 500 the fuzzer found).
import { parseDecimal } from '@hanpyo/contracts';

/** The largest height a block can have (the `blocks.height` column is a 32-bit int). */
export const MAX_HEIGHT = 2 ** 31 - 1;

/** A canonical decimal height 1 … MAX_HEIGHT, or undefined. */
export function parseHeight(text: unknown): number | undefined {
  const n = parseDecimal(text);
  return n !== undefined && n >= 1 && n <= MAX_HEIGHT ? n : undefined;
}
