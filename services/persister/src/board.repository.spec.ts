// The persister's statements and how they are grouped into writes: every row of every entry and
// dead letter exactly once, board_entries rows batched only with rows of the same Cassandra
// partition (kafka partition and offset bucket) and never beyond the batch size, receipts and
// voter_ballots rows a statement each.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OFFSET_BUCKET } from '@hanpyo/cassandra';
import type { BoardEntry } from '@hanpyo/contracts';
import { boardStatements, boardWrites } from './board.repository.js';
import type { BoardStatement } from './board.repository.js';

function entry(partition: number, offset: number): BoardEntry {
  const b64 = (n: number) => Buffer.alloc(32, n).toString('base64url');
  return {
    partition,
    offset,
    receivedAt: new Date(Date.UTC(2030, 0, 1) + offset).toISOString(),
    trackingCode: offset.toString(16).padStart(64, '0'),
    ballot: {
      electionId: 'e',
      ballotStyleId: 's',
      districtId: `d-${partition}`,
      nullifier: b64(offset % 256),
      contests: [
        {
          contestId: 'c',
          selections: [
            { optionId: 'a', alpha: b64(1), beta: b64(2), proof: { c: [b64(3)], z: [b64(4)] } },
          ],
          limitProof: { c: [b64(5)], z: [b64(6)] },
        },
      ],
    },
    token: 'token',
    castSignature: 'signature',
  };
}

const table = (s: BoardStatement) => /INSERT INTO \{ks\}\.(\w+)/.exec(s.cql)![1]!;

describe('boardStatements', () => {
  it('writes three rows per entry and one per dead letter, board_entries rows with their partition', () => {
    const statements = boardStatements(
      'e',
      [entry(0, 5), entry(1, OFFSET_BUCKET + 7)],
      [{ partition: 0, offset: 6, receivedAt: new Date(0) }],
    );
    assert.deepEqual(statements.map(table), [
      'board_entries',
      'receipts',
      'voter_ballots',
      'board_entries',
      'receipts',
      'voter_ballots',
      'board_entries',
    ]);
    assert.deepEqual(
      statements.map((s) => s.boardPartition),
      ['0/0', undefined, undefined, '1/1', undefined, undefined, '0/0'],
    );
    // The partition key in the parameters is the one named: election, kafka partition, bucket.
    for (const s of statements.filter((s) => s.boardPartition !== undefined))
      assert.equal(`${s.params[1] as number}/${s.params[2] as number}`, s.boardPartition);
    assert.equal(statements[0]!.params[8], JSON.stringify(entry(0, 5).ballot));
  });
});

describe('boardWrites', () => {
  const entries = Array.from({ length: 50 }, (_, i) => entry(i % 2, OFFSET_BUCKET - 20 + i));
  const statements = boardStatements('e', entries, [
    { partition: 0, offset: OFFSET_BUCKET + 100, receivedAt: new Date(0) },
  ]);

  it('groups board_entries rows by Cassandra partition, at most batchRows each', () => {
    const writes = boardWrites(statements, 8);
    assert.deepEqual(
      writes.flat().sort((a, b) => statements.indexOf(a) - statements.indexOf(b)),
      statements,
      'every statement once',
    );
    for (const w of writes) {
      assert.ok(w.length >= 1 && w.length <= 8);
      if (w.length > 1 || w[0]!.boardPartition !== undefined) {
        assert.ok(w.every((s) => table(s) === 'board_entries'));
        assert.equal(new Set(w.map((s) => s.boardPartition)).size, 1, 'one partition per batch');
      }
    }
    // 4 partitions (2 kafka partitions × the bucket boundary): 10, 10, 15 + the dead letter, 15.
    const sizes = new Map<string, number[]>();
    for (const w of writes)
      if (w[0]!.boardPartition !== undefined)
        sizes.set(w[0]!.boardPartition, [...(sizes.get(w[0]!.boardPartition) ?? []), w.length]);
    assert.deepEqual(Object.fromEntries(sizes), {
      '0/0': [8, 2],
      '1/0': [8, 2],
      '0/1': [8, 8],
      '1/1': [8, 7],
    });
    assert.equal(writes.filter((w) => table(w[0]!) !== 'board_entries').length, 100);
  });

  it('keeps each batch under its byte bound, and writes a row bigger than it alone', () => {
    const big = entry(0, 5);
    const huge = {
      ...big,
      offset: 6,
      ballot: { ...big.ballot, ballotStyleId: 'x'.repeat(2 * 1024 * 1024) },
    };
    const rows = boardStatements('e', [entry(0, 1), huge, entry(0, 2), entry(0, 3)], []);
    const perRow = JSON.stringify(big.ballot).length;
    // A bound of about two ordinary rows: batches of at most two, the huge row on its own.
    const writes = boardWrites(rows, 32, 2 * perRow + 400).filter(
      (w) => table(w[0]!) === 'board_entries',
    );
    assert.deepEqual(
      writes.map((w) => w.map((s) => s.params[3])),
      [[1, 2], [6], [3]],
    );
    assert.deepEqual(
      boardWrites(rows, 32)
        .filter((w) => table(w[0]!) === 'board_entries')
        .map((w) => w.length),
      [3, 1],
      'the default bound (1 MiB) takes the three ordinary rows together, not the 2 MiB one',
    );
  });

  it('with batchRows 1 writes every statement on its own', () => {
    const writes = boardWrites(statements, 1);
    assert.equal(writes.length, statements.length);
    assert.ok(writes.every((w) => w.length === 1));
  });
});
