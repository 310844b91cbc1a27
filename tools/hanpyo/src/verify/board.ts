// `hanpyo verify`, the board as a whole (SPEC §6, §10): entries in (partition, offset) order, each
// offset once, no gaps from 0.
import { RECORD_FILES } from '../record-io.js';
import type { Failures } from './collect.js';
import type { EntrySummary } from './entries.js';

/** What the board checks read of an entry. */
export type BoardPosition = Pick<EntrySummary, 'line' | 'parsed' | 'partition' | 'offset'>;

/** Reports entries out of board order, duplicated, or after a gap. */
export function checkBoard(entries: readonly BoardPosition[], failures: Failures): void {
  const file = RECORD_FILES.ballots;
  const next = new Map<number, number>();
  let previous: { partition: number; offset: number } | undefined;
  for (const e of entries) {
    if (!e.parsed) continue;
    const place = { file, line: e.line, ballot: e.line - 1, partition: e.partition };
    if (
      previous &&
      (e.partition < previous.partition ||
        (e.partition === previous.partition && e.offset <= previous.offset))
    ) {
      failures.add(
        e.partition === previous.partition && e.offset === previous.offset
          ? 'BOARD_DUPLICATE'
          : 'BOARD_ORDER',
        place,
        `entry ${e.partition}/${e.offset} does not follow ${previous.partition}/${previous.offset} in board order`,
      );
    }
    const expected = next.get(e.partition) ?? 0;
    if (e.offset > expected) {
      failures.add(
        'BOARD_GAP',
        place,
        `partition ${e.partition} has no entries at offsets ${expected}..${e.offset - 1}`,
      );
    }
    next.set(e.partition, Math.max(expected, e.offset + 1));
    previous = { partition: e.partition, offset: e.offset };
  }
}
