// The whole pipeline through its real processes and commands: the five services started by the
// stack launcher on free ports (own topic prefix, keyspace and state directory), an election made
// with the `hanpyo` commands, ballots cast through the edge in both modes, and every receipt
// proven included in a signed block through the ledger's API.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { uniqueName } from '../support/env.js';
import { startLocalStack } from '../support/stack.js';
import type { LocalStack } from '../support/stack.js';
import { contest } from '../support/manifest.js';

describe('pipeline: token → receipt → block → inclusion proof (real services and servers)', () => {
  let local: LocalStack;
  let state: string;
  const electionId = uniqueName('e2e-');

  before(async () => {
    local = await startLocalStack({
      stateDirPrefix: 'hanpyo-e2e-',
      namePrefix: 'e2e',
      env: { HANPYO_VOTERS_PER_PARTITION: '50' },
    });
    state = local.state;
  });

  after(async () => {
    await local?.stop();
  });

  const cli = (...args: string[]) => local.cli(...args);

  it('runs an election through the hanpyo commands and proves every receipt', async () => {
    const now = Date.now();
    const manifest = {
      spec: 'hanpyo/1',
      electionId,
      title: 'e2e',
      opens: new Date(now - 60_000).toISOString(),
      closes: new Date(now + 3_600_000).toISOString(),
      revotePolicy: 'last',
      encryptionModes: ['client', 'edge'],
      commitmentIntervalSeconds: 1,
      contests: [
        contest('mayor', 'Mayor', ['a', 'b', 'c'], 1, 1),
        contest('council', 'Council', ['x', 'y', 'z', 'w'], 0, 2),
      ],
      ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor', 'council'] }],
      districts: ['d1', 'd2', 'd3'].map((d) => ({
        districtId: d,
        name: d,
        ballotStyleId: 's',
        registeredVoters: 100,
      })),
      trustees: { count: 3, threshold: 2 },
    };
    await writeFile(join(state, 'manifest.json'), JSON.stringify(manifest));
    const created = JSON.parse(
      (await cli('election', 'create', '--manifest', join(state, 'manifest.json'))).stdout,
    ) as { manifestHash: string; manifest: { edgeSigners: unknown[] } };
    assert.match(created.manifestHash, /^[0-9a-f]{64}$/);
    assert.equal(created.manifest.edgeSigners.length, 1, 'the registrar filled in the edge key');
    await cli('ceremony', 'local', '--election', electionId, '--out', join(state, 'ceremony'));
    const shares = JSON.parse(
      await readFile(join(state, 'ceremony', 'trustee-1.json'), 'utf8'),
    ) as { electionId: string; index: number; secretShare: string };
    assert.equal(shares.electionId, electionId);
    assert.match(shares.secretShare, /^[A-Za-z0-9_-]{43}$/);
    await cli(
      'election',
      'ceremony',
      electionId,
      '--record',
      join(state, 'ceremony', 'ceremony.json'),
    );
    await cli('election', 'open', electionId);
    await cli(
      'tokens',
      '--election',
      electionId,
      '--count',
      '60',
      '--out',
      join(state, 'tokens.ndjson'),
    );
    const cast = await cli(
      'cast',
      '--election',
      electionId,
      '--tokens',
      join(state, 'tokens.ndjson'),
      '--receipts',
      join(state, 'receipts.ndjson'),
      '--mode',
      'mixed',
      '--revote',
      '0.2',
      '--concurrency',
      '8',
    );
    assert.match(cast.stdout, /^cast 72 ballots/m);
    // Blocks every second: every receipt must soon be provably included.
    let last = '';
    for (let i = 0; i < 40; i++) {
      const r = await cli(
        'receipts',
        'check',
        '--election',
        electionId,
        '--receipts',
        join(state, 'receipts.ndjson'),
      ).then(
        (x) => ({ ok: true, out: x.stdout }),
        (e: { stdout: string }) => ({ ok: false, out: e.stdout }),
      );
      last = r.out;
      if (r.ok) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.match(last, /^72 receipts proven included, 0 pending, 0 failed$/m);
  });
});
