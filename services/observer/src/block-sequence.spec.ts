// The observer's reading of the blocks topic by height, without servers: the next height is
// taken; a byte-identical copy of a height taken is a duplicate; a different block for a height
// taken is BLOCK_CONFLICT; a block without a valid ledger signature is BLOCK_UNSIGNED; bytes that
// are not a block are BLOCK_MALFORMED; a height beyond the next is BLOCK_GAP. After each of these
// the next valid block is still taken.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Block } from '@hanpyo/contracts';
import { signingKeyFromSeed } from '@hanpyo/crypto';
import { BlockBuilder, blockSignatures } from '@hanpyo/ledger';
import { BlockSequence } from './block-sequence.js';

const key = signingKeyFromSeed('ledger-1', new Uint8Array(32).fill(7));
const stranger = signingKeyFromSeed('ledger-1', new Uint8Array(32).fill(9));
const manifest = {
  electionId: 'e1',
  districts: [{ districtId: 'd-a', name: 'd-a', ballotStyleId: 's', registeredVoters: 10 }],
  ledgerSigners: [
    { keyId: 'ledger-1', publicKey: Buffer.from(key.publicKey).toString('base64url') },
  ],
  witnesses: [],
};
const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

/** Empty blocks 1..n of a chain, each as the ledger publishes it. */
function chain(n: number, closedAtMinute = 0): Block[] {
  const builder = new BlockBuilder({ manifest, genesisHash: 'cd'.repeat(32) });
  return Array.from({ length: n }, (_, i) => {
    const built = builder.buildBlock(builder.nextCuts([0]), [], {
      closedAt: new Date(Date.UTC(2026, 5, 3, 0, closedAtMinute + i)).toISOString(),
      final: false,
    });
    return built.block;
  });
}

const message = (block: Block, signer = key) =>
  JSON.stringify({ block, signatures: blockSignatures(block, [signer]) });

describe('BlockSequence', () => {
  it('takes heights in order and skips a byte-identical duplicate', () => {
    const [b1, b2, b3] = chain(3);
    const s = new BlockSequence(manifest, sha256);
    assert.equal(s.offer(message(b1!)).kind, 'next');
    assert.equal(s.offer(message(b2!)).kind, 'next');
    assert.deepEqual(s.offer(message(b2!)), { kind: 'duplicate', height: 2, known: true });
    assert.deepEqual(s.offer(message(b1!)), { kind: 'duplicate', height: 1, known: true });
    const third = s.offer(message(b3!));
    assert.equal(third.kind, 'next');
    assert.equal(s.height, 3);
  });

  it('rejects a different block for a height taken as BLOCK_CONFLICT, and goes on', () => {
    const [b1, b2] = chain(2);
    const [other1] = chain(1, 30); // another closedAt: another block 1, validly signed
    const s = new BlockSequence(manifest, sha256);
    s.offer(message(b1!));
    const d = s.offer(message(other1!));
    assert.equal(d.kind, 'rejected');
    assert.equal(d.kind === 'rejected' && d.code, 'BLOCK_CONFLICT');
    assert.equal(d.kind === 'rejected' && d.height, 1);
    assert.equal(s.offer(message(b2!)).kind, 'next');
  });

  it('rejects an unsigned or wrongly signed block as BLOCK_UNSIGNED and waits for the real one', () => {
    const [b1, b2] = chain(2);
    const s = new BlockSequence(manifest, sha256);
    s.offer(message(b1!));
    const unsigned = JSON.stringify({
      block: b2,
      signatures: { ...blockSignatures(b2!, [key]), signatures: [] },
    });
    const u = s.offer(unsigned);
    assert.equal(u.kind === 'rejected' && u.code, 'BLOCK_UNSIGNED');
    const forged = s.offer(message(b2!, stranger));
    assert.equal(forged.kind === 'rejected' && forged.code, 'BLOCK_UNSIGNED');
    // At a height already taken, or far ahead, an unsigned block is still BLOCK_UNSIGNED.
    const [, , b3] = chain(3);
    for (const b of [b1!, b3!]) {
      const d = s.offer(message(b, stranger));
      assert.equal(d.kind === 'rejected' && d.code, 'BLOCK_UNSIGNED');
    }
    assert.equal(s.height, 1);
    assert.equal(s.offer(message(b2!)).kind, 'next');
  });

  it('rejects bytes that are not a block as BLOCK_MALFORMED, at the next height', () => {
    const [b1] = chain(1);
    const s = new BlockSequence(manifest, sha256);
    for (const bad of [null, 'not json', '{"block":{}}', '[]']) {
      const d = s.offer(bad);
      assert.equal(d.kind === 'rejected' && d.code, 'BLOCK_MALFORMED', String(bad));
      assert.equal(d.kind === 'rejected' && d.height, 1);
    }
    assert.equal(s.offer(message(b1!)).kind, 'next');
  });

  it('rejects a height beyond the next as BLOCK_GAP', () => {
    const [b1, b2, b3] = chain(3);
    const s = new BlockSequence(manifest, sha256);
    s.offer(message(b1!));
    const d = s.offer(message(b3!));
    assert.equal(d.kind === 'rejected' && d.code, 'BLOCK_GAP');
    assert.equal(s.offer(message(b2!)).kind, 'next');
    assert.equal(s.offer(message(b3!)).kind, 'next');
  });

  it('resumes after a checkpoint: earlier heights are skipped, the last one compared', () => {
    const [b1, b2, b3] = chain(3);
    const [other2] = chain(2, 30).slice(1);
    const s = new BlockSequence(manifest, sha256, { height: 2, lastDigest: sha256(message(b2!)) });
    assert.deepEqual(s.offer(message(b1!)), { kind: 'duplicate', height: 1, known: false });
    assert.deepEqual(s.offer(message(b2!)), { kind: 'duplicate', height: 2, known: true });
    const c = s.offer(message(other2!));
    assert.equal(c.kind === 'rejected' && c.code, 'BLOCK_CONFLICT');
    assert.equal(s.offer(message(b3!)).kind, 'next');
  });
});
