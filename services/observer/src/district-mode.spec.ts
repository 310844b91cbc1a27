// An observer following chosen districts (HANPYO_OBSERVER_DISTRICTS): the partitions it reads come
// from the registrar's partition layout; it replays those districts' roots and sizes (the chain and
// signatures too) with no divergence on a good chain, finds a missing entry of its districts, never
// cosigns, and resumes only a checkpoint of the same districts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { BlockSignatures } from '@hanpyo/contracts';
import { signingKeyFromSeed, toHex } from '@hanpyo/crypto';
import { BlockBuilder, blockSignatures, partitionLayout } from '@hanpyo/ledger';
import type { LedgerEntry } from '@hanpyo/ledger';
import { followedPartitions } from './election-check.js';
import { ElectionObserver, checkpointSchema } from './election-observer.js';
import type { CheckedEntry } from './entry-check.js';

const key = signingKeyFromSeed('ledger-1', new Uint8Array(32).fill(7));
const manifest = {
  electionId: 'e1',
  districts: ['d-b', 'd-a', 'd-c'].map((districtId) => ({
    districtId,
    name: districtId,
    ballotStyleId: 's',
    registeredVoters: 10,
  })),
  ledgerSigners: [
    { keyId: 'ledger-1', publicKey: Buffer.from(key.publicKey).toString('base64url') },
  ],
  witnesses: [],
};
const Q = 'cd'.repeat(32);
const FOLLOWED = ['d-c', 'd-a'];

/** A chain over a board where every partition mixes the districts; `outside` marked as a worker would. */
function makeChain(ends: number[][]) {
  const builder = new BlockBuilder({ manifest, genesisHash: Q });
  return ends.map((end, i) => {
    const cuts = builder.nextCuts(end);
    const entries: CheckedEntry[] = cuts.flatMap((c) =>
      Array.from({ length: c.toOffset - c.fromOffset }, (_, k) => {
        const districtId = manifest.districts[(c.fromOffset + k) % 3]!.districtId;
        return {
          partition: c.partition,
          offset: c.fromOffset + k,
          trackingCode: toHex(randomBytes(32)),
          districtId,
          refusals: [],
          ...(FOLLOWED.includes(districtId) ? {} : { outside: true }),
        };
      }),
    );
    const built = builder.buildBlock(cuts, entries as LedgerEntry[], {
      closedAt: new Date(Date.UTC(2026, 5, 3, 0, i)).toISOString(),
      final: false,
    });
    const signatures: BlockSignatures = blockSignatures(built.block, [key]);
    return { block: built.block, signatures, entries };
  });
}

const ENDS = [
  [4, 3],
  [7, 8],
  [12, 9],
];

describe('ElectionObserver following chosen districts', () => {
  it('replays those districts with no divergence and never cosigns', () => {
    const chain = makeChain(ENDS);
    const observer = new ElectionObserver(manifest, 'mh', Q, undefined, { districts: FOLLOWED });
    assert.deepEqual(observer.districts, ['d-a', 'd-c']);
    const verdicts = chain.map((m) =>
      observer.verify(m.block, m.signatures, m.entries, m.entries.length),
    );
    assert.deepEqual(
      verdicts.map((v) => [v.height, v.cosign, v.divergences]),
      [
        [1, false, []],
        [2, false, []],
        [3, false, []],
      ],
    );
    const followedBallots = chain.flatMap((m) => m.entries).filter((e) => !e.outside).length;
    assert.equal(observer.checkpoint().ballotsVerified, followedBallots);
    assert.deepEqual(Object.keys(observer.checkpoint().districts).sort(), ['d-a', 'd-c']);
    // The full observer's block hash is the same: the chain is checked all the same.
    const full = new ElectionObserver(manifest, 'mh', Q);
    for (const m of chain) full.verify(m.block, m.signatures, m.entries, m.entries.length);
    assert.equal(observer.checkpoint().blockHash, full.checkpoint().blockHash);
  });

  it('finds a missing entry of its districts, not the ballot count it cannot know', () => {
    const [b1] = makeChain(ENDS);
    const dropped = b1!.entries.filter(
      (e) => e !== b1!.entries.find((x) => x.districtId === 'd-c'),
    );
    const v = new ElectionObserver(manifest, 'mh', Q, undefined, { districts: FOLLOWED }).verify(
      b1!.block,
      b1!.signatures,
      dropped,
      b1!.entries.length,
    );
    assert.deepEqual(
      [...new Set(v.divergences.map((d) => `${d.code} ${d.districtId ?? ''}`))].sort(),
      ['BLOCK_ROOT d-c', 'BLOCK_TREE_SIZE d-c', 'ENTRY_MISSING '],
    );
    assert.equal(v.cosign, false);
  });

  it('resumes only a checkpoint of the same districts', () => {
    const chain = makeChain(ENDS);
    const first = new ElectionObserver(manifest, 'mh', Q, undefined, { districts: FOLLOWED });
    for (const m of chain.slice(0, 2))
      first.verify(m.block, m.signatures, m.entries, m.entries.length);
    const saved = checkpointSchema.parse(JSON.parse(JSON.stringify(first.checkpoint())));
    const resumed = new ElectionObserver(manifest, 'mh', Q, saved, { districts: ['d-a', 'd-c'] });
    const v = resumed.verify(
      chain[2]!.block,
      chain[2]!.signatures,
      chain[2]!.entries,
      chain[2]!.entries.length,
    );
    assert.deepEqual(v.divergences, []);
    assert.throws(() => new ElectionObserver(manifest, 'mh', Q, saved), /every district/);
    assert.throws(
      () => new ElectionObserver(manifest, 'mh', Q, saved, { districts: ['d-a'] }),
      /use another state directory/,
    );
    // A checkpoint written before the districts option (no `followed`) is a full observer's.
    const legacy = checkpointSchema.parse({
      ...new ElectionObserver(manifest, 'mh', Q).checkpoint(),
      followed: undefined,
    });
    assert.doesNotThrow(() => new ElectionObserver(manifest, 'mh', Q, legacy));
  });
});

describe('followedPartitions', () => {
  const sized = {
    districts: [
      { districtId: 'big', registeredVoters: 120 },
      { districtId: 'small-1', registeredVoters: 10 },
      { districtId: 'small-2', registeredVoters: 20 },
    ],
  };
  const layout = partitionLayout(sized, { votersPerPartition: 50, maxPartitions: 16 });

  it('maps the chosen districts to their partitions (shared ones included)', () => {
    const big = layout.ranges.find((r) => r.districtId === 'big')!;
    const result = followedPartitions(sized as never, JSON.parse(JSON.stringify(layout)), [
      'small-2',
      'big',
      'nowhere',
    ]);
    assert.ok(!('error' in result));
    assert.deepEqual(result.districts, ['big', 'small-2']);
    assert.deepEqual(result.unknown, ['nowhere']);
    const small = layout.ranges.find((r) => r.districtId === 'small-2')!;
    assert.deepEqual(result.partitions, [
      ...Array.from({ length: big.width }, (_, i) => big.first + i),
      small.first,
    ]);
  });

  it('says why it cannot: no chosen district in the election, no layout, a bad layout', () => {
    const error = (layoutValue: unknown, chosen: string[]) => {
      const r = followedPartitions(sized as never, layoutValue, chosen);
      return 'error' in r ? r.error : undefined;
    };
    assert.match(error(layout, ['x']) ?? '', /none of the chosen districts/);
    assert.match(error(undefined, ['big']) ?? '', /no partitionLayout/);
    assert.match(error({ partitionCount: 'x' }, ['big']) ?? '', /unreadable/);
    assert.match(
      error({ partitionCount: 1, ranges: [{ districtId: 'big', first: 0, width: 3 }] }, ['big']) ??
        '',
      /no valid partition range/,
    );
  });
});
