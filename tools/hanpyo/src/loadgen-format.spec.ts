// The pure rules of `hanpyo loadgen prepare`'s directory: the shard plan, which mode each voter of
// a mixed preparation casts in, and resuming only a preparation of the same election, manifest,
// mode, voters and shard size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LOADGEN_FORMAT,
  LoadgenError,
  resumeMeta,
  shardFiles,
  shardPlan,
  voterMode,
} from './loadgen-format.js';

const asked = {
  electionId: 'e',
  manifestHash: 'ab'.repeat(32),
  mode: 'mixed' as const,
  voters: 250,
  shardSize: 100,
};

const refused = (f: () => unknown, code: string) =>
  assert.throws(f, (e: unknown) => e instanceof LoadgenError && e.code === code);

describe('loadgen format', () => {
  it('plans shards of the shard size, the last one shorter, covering every voter once', () => {
    assert.deepEqual(shardPlan(250, 100), [
      { index: 0, from: 0, to: 100 },
      { index: 1, from: 100, to: 200 },
      { index: 2, from: 200, to: 250 },
    ]);
    assert.deepEqual(shardPlan(1, 100), [{ index: 0, from: 0, to: 1 }]);
    assert.equal(shardPlan(1_000_000, 100_000).length, 10);
    refused(() => shardPlan(0, 10), 'LOADGEN_ARGUMENT');
    refused(() => shardPlan(10, 0), 'LOADGEN_ARGUMENT');
    refused(() => shardPlan(2.5, 1), 'LOADGEN_ARGUMENT');
  });

  it('names shard files with five digits, so they sort in order', () => {
    assert.deepEqual(shardFiles(7), {
      tokens: 'tokens-00007.ndjson',
      casts: 'casts-00007.ndjson',
      edge: 'edge-00007.ndjson',
    });
  });

  it('splits a mixed preparation by roll position, and keeps a single mode whole', () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((p) => voterMode('mixed', p)),
      ['client', 'edge', 'client', 'edge'],
    );
    assert.equal(voterMode('client', 1), 'client');
    assert.equal(voterMode('edge', 0), 'edge');
  });

  it('starts fresh, resumes the same preparation, and refuses any other', () => {
    const fresh = resumeMeta(undefined, asked);
    assert.equal(fresh.format, LOADGEN_FORMAT);
    assert.deepEqual(fresh.shards, []);
    assert.equal(fresh.complete, false);
    const shard = {
      index: 0,
      from: 0,
      to: 100,
      client: 50,
      edge: 50,
      files: shardFiles(0),
    };
    const earlier = { ...fresh, shards: [shard], seconds: 12 };
    assert.deepEqual(resumeMeta(JSON.parse(JSON.stringify(earlier)), asked), earlier);
    for (const change of [
      { electionId: 'other' },
      { manifestHash: 'cd'.repeat(32) },
      { mode: 'client' as const },
      { voters: 200 },
      { shardSize: 50 },
    ])
      refused(() => resumeMeta(earlier, { ...asked, ...change }), 'LOADGEN_MISMATCH');
    for (const junk of [
      null,
      7,
      'x',
      { format: 'other/1', shards: [], seconds: 0 },
      { format: LOADGEN_FORMAT },
    ])
      refused(() => resumeMeta(junk, asked), 'LOADGEN_META_INVALID');
  });
});
