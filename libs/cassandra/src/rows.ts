// What the table modules share: the connected client and keyspace they run against, a result row,
// and the driver's bigint columns as numbers.
import type { CassandraClient } from './client.js';
import type { CassandraConfig } from './config.js';

/** The connected client and the keyspace to run in. */
export type Store = { client: CassandraClient; config: Pick<CassandraConfig, 'keyspace'> };

/** A result row of the driver. */
export type Row = { get(name: string): unknown };

/** A `bigint` column (the driver's Long) as a number; offsets and positions stay below 2^53. */
export function long(value: unknown): number {
  if (typeof value === 'number') return value;
  return (value as { toNumber(): number }).toNumber();
}
