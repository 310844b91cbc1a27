// DESIGN.md: the board is partitioned by district; the nullifier picks the partition inside the
// district's range, so one voter's ballots keep their order on one partition.
import type { ICustomPartitioner } from 'kafkajs';
import { partitionFor } from '@hanpyo/ledger';
import type { PartitionLayout } from '@hanpyo/ledger';

/** Header naming the ballot's district on a board message (the key is the raw nullifier). */
export const DISTRICT_HEADER = 'hanpyo-district';

/** The partition of a board message: the district range, then the nullifier. */
export function boardPartition(
  layout: PartitionLayout,
  districtId: string,
  nullifier: Uint8Array,
): number {
  return partitionFor(layout, districtId, nullifier);
}

/**
 * A kafkajs partitioner for the board: reads the district from the `hanpyo-district` header and the
 * nullifier from the key. Refuses a message without them rather than guessing a partition.
 */
export function districtPartitioner(layout: PartitionLayout): ICustomPartitioner {
  return () =>
    ({ partitionMetadata, message }) => {
      if (partitionMetadata.length !== layout.partitionCount) {
        throw new Error(
          `the board has ${partitionMetadata.length} partitions, the layout ${layout.partitionCount}`,
        );
      }
      const header = message.headers?.[DISTRICT_HEADER];
      const district = Buffer.isBuffer(header)
        ? header.toString('utf8')
        : typeof header === 'string'
          ? header
          : undefined;
      const key = message.key;
      if (district === undefined || !Buffer.isBuffer(key)) {
        throw new Error(`a board message needs a nullifier key and a ${DISTRICT_HEADER} header`);
      }
      return partitionFor(layout, district, key);
    };
}
