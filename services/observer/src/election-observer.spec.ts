// The observer's decisions, without servers: a clean chain is cosigned block by block; a
// checkpoint (through JSON) resumes to the same verdicts as an uninterrupted run; a bad entry, a
// wrong root, a missing offset or a forged ledger signature is a divergence naming its height,
// and no later block is cosigned.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Block, BlockSignatures } from '@hanpyo/contracts';
import { signingKeyFromSeed, toHex } from '@hanpyo/crypto';
import { BlockBuilder, blockSignatures } from '@hanpyo/ledger';
import type { LedgerEntry } from '@hanpyo/ledger';
import { ElectionObserver, checkpointSchema } from './election-observer.js';
import type { CheckedEntry } from './entry-check.js';

const key = signingKeyFromSeed('ledger-1', new Uint8Array(32).fill(7));
const manifest = {
  electionId: 'e1',
  districts: ['d-b', 'd-a'].map((districtId) => ({
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

interface Made {
  block: Block;
  signatures: BlockSignatures;
  entries: CheckedEntry[];
}

/** A chain of blocks over a random board: `ends[i]` is where block i+1's cuts end. */
function makeChain(ends: number[][]): Made[] {
  const builder = new BlockBuilder({ manifest, genesisHash: Q });
  return ends.map((end, i) => {
    const cuts = builder.nextCuts(end);
    const entries: CheckedEntry[] = cuts.flatMap((c) =>
      Array.from({ length: c.toOffset - c.fromOffset }, (_, k) => ({
        partition: c.partition,
        offset: c.fromOffset + k,
        trackingCode: toHex(randomBytes(32)),
        districtId: manifest.districts[(c.fromOffset + k) % 2]!.districtId,
        refusals: [],
      })),
    );
    const built = builder.buildBlock(cuts, entries as LedgerEntry[], {
      closedAt: new Date(Date.UTC(2026, 5, 3, 0, i)).toISOString(),
      final: false,
    });
    return { block: built.block, signatures: blockSignatures(built.block, [key]), entries };
  });
}

const ENDS = [
  [3, 2],
  [3, 5],
  [8, 9],
  [12, 9],
];

function observe(observer: ElectionObserver, made: readonly Made[]) {
  return made.map((m) => observer.verify(m.block, m.signatures, m.entries, m.entries.length));
}

describe('ElectionObserver', () => {
  it('cosigns a chain it replays identically', () => {
    const chain = makeChain(ENDS);
    const verdicts = observe(new ElectionObserver(manifest, 'mh', Q), chain);
    assert.deepEqual(
      verdicts.map((v) => [v.height, v.cosign, v.divergences.length, v.ballots]),
      [
        [1, true, 0, 5],
        [2, true, 0, 3],
        [3, true, 0, 9],
        [4, true, 0, 4],
      ],
    );
  });

  it('resumes from a checkpoint (through JSON) exactly where it stopped', () => {
    const chain = makeChain(ENDS);
    const first = new ElectionObserver(manifest, 'mh', Q);
    observe(first, chain.slice(0, 2));
    const saved = checkpointSchema.parse(JSON.parse(JSON.stringify(first.checkpoint())));
    const resumed = new ElectionObserver(manifest, 'mh', Q, saved);
    assert.equal(resumed.height, 2);
    assert.deepEqual(resumed.offsets, [3, 5]);
    const verdicts = observe(resumed, chain.slice(2));
    assert.deepEqual(
      verdicts.map((v) => [v.height, v.cosign, v.divergences]),
      [
        [3, true, []],
        [4, true, []],
      ],
    );
    assert.equal(verdicts[1]!.blockHash, resumed.checkpoint().blockHash);
    assert.equal(resumed.checkpoint().blocksVerified, 4);
    assert.throws(() => new ElectionObserver(manifest, 'other', Q, saved), /another/);
  });

  it('reports a refused entry beside the verdict, and still cosigns its block and the next', () => {
    const chain = makeChain(ENDS);
    const bad = chain[1]!.entries[1]!;
    chain[1]!.entries[1] = {
      ...bad,
      refusals: [
        { rule: 'token', code: 'TOKEN_MISSING', message: 'there is no token' },
        { rule: 'cast-signature', code: 'CAST_SIGNATURE_MISSING', message: 'unsigned' },
      ],
    };
    const observer = new ElectionObserver(manifest, 'mh', Q);
    const verdicts = observe(observer, chain);
    assert.deepEqual(
      verdicts.map((v) => v.cosign),
      [true, true, true, true],
    );
    assert.deepEqual(verdicts[1]!.divergences, []);
    assert.deepEqual(verdicts[1]!.refused, [
      {
        height: 2,
        partition: bad.partition,
        offset: bad.offset,
        districtId: bad.districtId,
        rule: 'token',
        code: 'TOKEN_MISSING',
        message: 'TOKEN_MISSING: there is no token; CAST_SIGNATURE_MISSING: unsigned',
      },
    ]);
    assert.equal(observer.checkpoint().divergedAt, null);
    assert.equal(observer.checkpoint().refusedEntries, 1);
  });

  it('reports a wrong root, a missing entry and a forged ledger signature', () => {
    // An entry the ledger did not put in the block: the replayed roots differ.
    const chain = makeChain(ENDS);
    const v1 = new ElectionObserver(manifest, 'mh', Q).verify(
      chain[0]!.block,
      chain[0]!.signatures,
      chain[0]!.entries.slice(1),
      chain[0]!.entries.length,
    );
    assert.deepEqual([...new Set(v1.divergences.map((d) => d.code))].sort(), [
      'BLOCK_BALLOT_COUNT',
      'BLOCK_ROOT',
      'BLOCK_TREE_SIZE',
      'ENTRY_MISSING',
    ]);
    // The board gave another tracking code than the one the ledger logged.
    const swapped = chain[0]!.entries.map((e, i) =>
      i === 0 ? { ...e, trackingCode: toHex(randomBytes(32)) } : e,
    );
    const v2 = new ElectionObserver(manifest, 'mh', Q).verify(
      chain[0]!.block,
      chain[0]!.signatures,
      swapped,
      swapped.length,
    );
    assert.ok(v2.divergences.some((d) => d.code === 'BLOCK_ROOT' && d.districtId !== undefined));
    assert.equal(v2.cosign, false);
    // A signature that is not the ledger's.
    const forged = {
      ...chain[0]!.signatures,
      signatures: [{ keyId: 'ledger-1', signature: chain[1]!.signatures.signatures[0]!.signature }],
    };
    const v3 = new ElectionObserver(manifest, 'mh', Q).verify(
      chain[0]!.block,
      forged,
      chain[0]!.entries,
      chain[0]!.entries.length,
    );
    assert.ok(v3.divergences.some((d) => d.code === 'SIGNATURE_INVALID'));
    assert.equal(v3.cosign, false);
  });
});
