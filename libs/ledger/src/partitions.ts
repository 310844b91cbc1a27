// DESIGN.md "the board": each district maps to a contiguous range of partitions of
// hanpyo.ballots.v1 whose width follows its registered voters; small districts share a partition;
// the nullifier picks the partition inside the range. A pure function of the manifest (and two
// deployment constants), fixed for the election.
import type { District } from '@hanpyo/contracts';
import { compareUtf8 } from './encoding.js';

/** Sizing of the layout; the defaults give ~200 partitions for 10 million voters. */
export interface PartitionSizing {
  /** Registered voters one partition is sized for. */
  readonly votersPerPartition: number;
  /** Upper bound on the partition count; the per-partition size grows to respect it. */
  readonly maxPartitions: number;
}

export const DEFAULT_PARTITION_SIZING: PartitionSizing = {
  votersPerPartition: 50_000,
  maxPartitions: 512,
};

/** A district's partitions: `[first, first + width)`. */
export interface PartitionRange {
  readonly districtId: string;
  readonly first: number;
  readonly width: number;
}

/** The district → partition-range map and the topic's partition count. */
export interface PartitionLayout {
  readonly partitionCount: number;
  readonly votersPerPartition: number;
  readonly ranges: readonly PartitionRange[];
}

/**
 * Computes the layout: districts in UTF-8 order of their ids; a district of at least one partition's
 * worth of voters gets round(voters / size) partitions of its own; smaller districts are packed,
 * in order, into shared partitions of up to `size` voters.
 */
export function partitionLayout(
  manifest: { readonly districts: readonly Pick<District, 'districtId' | 'registeredVoters'>[] },
  sizing: PartitionSizing = DEFAULT_PARTITION_SIZING,
): PartitionLayout {
  if (!(sizing.votersPerPartition >= 1) || !(sizing.maxPartitions >= 1)) {
    throw new RangeError('votersPerPartition and maxPartitions must be ≥ 1');
  }
  const districts = [...manifest.districts].sort((a, b) => compareUtf8(a.districtId, b.districtId));
  const total = districts.reduce((s, d) => s + d.registeredVoters, 0);
  let size = Math.max(sizing.votersPerPartition, Math.ceil(total / sizing.maxPartitions));
  for (;;) {
    const layout = pack(districts, size);
    if (layout.partitionCount <= sizing.maxPartitions) return layout;
    size = Math.ceil(size * 1.1); // rounding pushed us over the cap: widen partitions and repack
  }
}

function pack(
  districts: readonly { districtId: string; registeredVoters: number }[],
  size: number,
): PartitionLayout {
  const ranges: PartitionRange[] = [];
  let cursor = 0;
  let fill = 0;
  let open = false;
  for (const d of districts) {
    if (d.registeredVoters >= size) {
      if (open) {
        cursor++;
        fill = 0;
        open = false;
      }
      const width = Math.max(1, Math.round(d.registeredVoters / size));
      ranges.push({ districtId: d.districtId, first: cursor, width });
      cursor += width;
    } else {
      if (open && fill + d.registeredVoters > size) {
        cursor++;
        fill = 0;
      }
      ranges.push({ districtId: d.districtId, first: cursor, width: 1 });
      fill += d.registeredVoters;
      open = true;
    }
  }
  return { partitionCount: cursor + (open ? 1 : 0), votersPerPartition: size, ranges };
}

/** The partition of a ballot: inside its district's range, chosen by the nullifier's first 4 bytes. */
export function partitionFor(
  layout: PartitionLayout,
  districtId: string,
  nullifier: Uint8Array,
): number {
  const range = layout.ranges.find((r) => r.districtId === districtId);
  if (!range) throw new RangeError(`unknown district '${districtId}'`);
  if (nullifier.length < 4) throw new RangeError('nullifier too short');
  const key =
    ((nullifier[0]! << 24) >>> 0) + (nullifier[1]! << 16) + (nullifier[2]! << 8) + nullifier[3]!;
  return range.first + (key % range.width);
}
