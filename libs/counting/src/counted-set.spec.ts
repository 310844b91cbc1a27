// SPEC §9 counted set: against a direct reading of the rule (for each nullifier, among its
// authorized entries with a valid ballot, the first/last in board order), on random boards; the
// district rule; and the laziness the tally relies on (no validity asked once a voter is counted).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { base64url } from '@hanpyo/crypto';
import { countedEntries } from './count.js';
import type { JudgedEntry } from './count.js';
import { CountedSet } from './counted-set.js';
import type { RevotePolicy } from './counted-set.js';

const nullifier = (i: number) => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(0, i);
  b[31] = i & 0xff;
  return base64url(b);
};

interface Row {
  voter: number;
  partition: number;
  offset: number;
  authorized: boolean;
  valid: boolean;
  districtId: string;
}

const entry = (r: Row): JudgedEntry => ({
  authorized: r.authorized,
  valid: () => r.valid,
  nullifier: nullifier(r.voter),
  districtId: r.districtId,
  partition: r.partition,
  offset: r.offset,
});

/** SPEC §9 read literally. */
function reference(policy: RevotePolicy, rows: readonly Row[]): number[] {
  const byVoter = new Map<number, number[]>();
  rows.forEach((r, i) => {
    if (!r.authorized || !r.valid) return;
    byVoter.set(r.voter, [...(byVoter.get(r.voter) ?? []), i]);
  });
  const out: number[] = [];
  for (const list of byVoter.values()) {
    list.sort(
      (a, b) => rows[a]!.partition - rows[b]!.partition || rows[a]!.offset - rows[b]!.offset,
    );
    out.push(policy === 'first' ? list[0]! : list[list.length - 1]!);
  }
  return out.sort((a, b) => a - b);
}

const board = fc
  .array(
    fc.record({
      voter: fc.integer({ min: 0, max: 30 }),
      partition: fc.integer({ min: 0, max: 3 }),
      authorized: fc.boolean(),
      valid: fc.boolean(),
    }),
    { maxLength: 120 },
  )
  .map((rows) => {
    const next = [0, 0, 0, 0];
    return rows.map((r) => ({ ...r, offset: next[r.partition]!++, districtId: 'd1' }));
  });

describe('counted set (SPEC §9)', () => {
  for (const policy of ['first', 'last'] as const) {
    it(`"${policy}" agrees with the rule read literally, on random boards in any listing order`, () => {
      fc.assert(
        fc.property(board, fc.integer(), (rows, seed) => {
          // List the entries in a random order: the counted set follows board order only.
          const order = rows.map((_, i) => i);
          let s = seed >>> 0;
          for (let i = order.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            const j = s % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const listed = order.map((i) => rows[i]!);
          const got = countedEntries(policy, ['d1'], listed.map(entry)).counted.map(
            (i) => order[i]!,
          );
          assert.deepEqual(
            got.sort((a, b) => a - b),
            reference(policy, rows),
          );
        }),
        { numRuns: 300 },
      );
    });
  }

  it('counts a voter once even when copies of an authorized entry sit on several partitions', () => {
    const rows: Row[] = [
      { voter: 1, partition: 0, offset: 0, authorized: true, valid: true, districtId: 'd1' },
      { voter: 1, partition: 2, offset: 0, authorized: true, valid: true, districtId: 'd1' },
      { voter: 1, partition: 1, offset: 5, authorized: true, valid: true, districtId: 'd1' },
    ];
    assert.deepEqual(countedEntries('last', ['d1'], rows.map(entry)).counted, [1]);
    assert.deepEqual(countedEntries('first', ['d1'], rows.map(entry)).counted, [0]);
  });

  it('asks for validity only until the voter has a counted ballot', () => {
    const asked: number[] = [];
    const set = new CountedSet('first', ['d1']);
    const offer = (i: number, valid: boolean) =>
      set.offer(nullifier(7), 'd1', () => (asked.push(i), valid));
    assert.equal(offer(0, false), 'invalid');
    assert.equal(offer(1, true), 'counted');
    assert.equal(offer(2, true), 'superseded');
    assert.equal(offer(3, false), 'superseded');
    assert.deepEqual(asked, [0, 1]);
    assert.equal(set.counted, 1);
  });

  it('reports every nullifier whose authorized entries name two districts, counted or not', () => {
    const set = new CountedSet('last', ['d1', 'd2', 'd3']);
    set.offer(nullifier(1), 'd1', () => true);
    set.offer(nullifier(1), 'd2', () => true);
    set.offer(nullifier(1), 'd2', () => true);
    set.offer(nullifier(2), 'd3', () => false);
    set.offer(nullifier(2), 'd1', () => false);
    set.offer(nullifier(3), 'd3', () => true);
    assert.deepEqual(set.conflicts, [
      { nullifier: nullifier(1), districts: ['d1', 'd2'] },
      { nullifier: nullifier(2), districts: ['d3', 'd1'] },
    ]);
    assert.equal(set.conflictTotal, 2);
  });

  it('keeps exact membership as it grows past its first capacity (100,000 voters)', () => {
    const set = new CountedSet('first', ['d1']);
    for (let i = 0; i < 100_000; i++)
      assert.equal(
        set.offer(nullifier(i), 'd1', () => true),
        'counted',
      );
    for (let i = 0; i < 100_000; i += 997)
      assert.equal(
        set.offer(nullifier(i), 'd1', () => true),
        'superseded',
      );
    assert.equal(set.counted, 100_000);
  });

  it('refuses a district that is not the manifest’s', () => {
    assert.throws(
      () => new CountedSet('first', ['d1']).offer(nullifier(1), 'x', () => true),
      RangeError,
    );
  });
});
