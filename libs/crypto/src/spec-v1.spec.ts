// Known-answer vectors of SPEC.md, from ../shared/vectors/spec-v1.json (made by an implementation
// written apart from this project, nonces given by role). The suite (@hanpyo/crypto-testing) runs
// on both group backends here; libs/crypto-native runs it on the native one.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SPEC_VECTORS_URL, describeSpecVectorConformance } from '@hanpyo/crypto-testing';
import { loadSodiumBackend, nobleBackend } from './group.js';

// vectors/spec-v1.json is a copy of ../shared/vectors/spec-v1.json so a clone runs alone; when the
// shared original sits beside the checkout, the copy must not have drifted from it.
describe('vendored copy of spec-v1.json', () => {
  const upstream = new URL('../../../../shared/vectors/spec-v1.json', import.meta.url);
  it(
    'equals ../shared/vectors/spec-v1.json byte for byte',
    { skip: !existsSync(upstream) && 'no ../shared beside this checkout' },
    () => {
      assert.equal(readFileSync(SPEC_VECTORS_URL, 'utf8'), readFileSync(upstream, 'utf8'));
    },
  );
});

describeSpecVectorConformance('noble', () => Promise.resolve(nobleBackend));
describeSpecVectorConformance('sodium', loadSodiumBackend);
