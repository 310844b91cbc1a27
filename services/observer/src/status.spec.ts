// The status page escapes everything it shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusPage } from './status.js';

describe('statusPage', () => {
  it('lists each election and escapes its values', () => {
    const html = statusPage('observer-1', [
      {
        electionId: 'e<1>',
        phase: 'following',
        detail: null,
        cosigning: true,
        height: 7,
        blockHash: 'ab'.repeat(32),
        lagBlocks: 0,
        divergedAt: 5,
        blocksVerified: 4,
        ballotsVerified: 10,
        divergences: 1,
        refusedEntries: 2,
        recentDivergences: [{ height: 5, code: 'PROOF_INVALID', message: '<script>' }],
      },
    ]);
    assert.match(html, /e&lt;1&gt;/);
    assert.match(html, /<td>7<\/td>/);
    assert.match(html, /block 5: PROOF_INVALID — &lt;script&gt;/);
    assert.doesNotMatch(html, /<script>/);
  });
});
