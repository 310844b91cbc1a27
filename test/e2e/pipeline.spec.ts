// The whole pipeline through its real processes and commands: the five services started by the
// stack launcher on free ports (own topic prefix, keyspace and state directory), an election made
// with the `hanpyo` commands — its electoral roll imported (a roll with problems refused whole, with
// their lines, and nothing imported), tokens bound to device keys for its voters — signed ballots
// cast through the edge in both modes, and every receipt proven included in a signed block.
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
    // A roll with problems is refused whole, each problem with its line, and nothing is imported.
    const bad = join(state, 'bad-roll.csv');
    await writeFile(
      bad,
      [
        'voterId,districtId',
        'v-1,d1',
        'v-2,d9',
        'v-1,d2',
        '"v,3",d1,extra',
        '"v ""4""",d3',
        '',
      ].join('\n'),
    );
    const refused = await cli('roll', 'import', '--election', electionId, bad).then(
      () => assert.fail('a bad roll was imported'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /bad-roll\.csv: line 3: 'd9' is not a district/);
    assert.match(refused.stderr, /bad-roll\.csv: line 5: expected 2 fields, found 3/);
    assert.match(refused.stderr, /bad-roll\.csv: line 4: the voter of line 2 appears again/);
    assert.match(refused.stderr, /ROLL_INVALID: 3 problems .* nothing was imported/);
    const crowded = join(state, 'crowded-roll.ndjson');
    await writeFile(
      crowded,
      Array.from(
        { length: 101 },
        (_, i) => `${JSON.stringify({ voterId: `c-${i}`, districtId: 'd1' })}\n`,
      ).join(''),
    );
    const full = await cli('roll', 'import', '--election', electionId, crowded).then(
      () => assert.fail('an over-full roll was imported'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(full.code, 1);
    assert.match(full.stderr, /district 'd1' has 101 voters on the roll but 100 registered voters/);
    const local = JSON.parse(await readFile(join(state, 'local.json'), 'utf8')) as {
      registrar: { url: string; adminToken: string };
    };
    const rollStatus = async () =>
      (await (
        await fetch(`${local.registrar.url}/v1/elections/${electionId}/roll`, {
          headers: { authorization: `Bearer ${local.registrar.adminToken}` },
        })
      ).json()) as { status: string; voters: number; districts: Record<string, number> };
    assert.deepEqual(await rollStatus(), {
      status: 'none',
      voters: 0,
      districts: {},
      digest: null,
    });
    // A good CSV roll (quoted fields included) imports, and importing it again changes nothing.
    const good = join(state, 'roll.csv');
    const rows = Array.from({ length: 60 }, (_, i) => `"voter ""${i}""",d${(i % 3) + 1}`);
    await writeFile(good, `voterId,districtId\n${rows.join('\n')}\n`);
    const imported = await cli('roll', 'import', '--election', electionId, good);
    assert.match(imported.stdout, /imported the roll of .*: 60 voters in 3 districts/);
    await cli('roll', 'import', '--election', electionId, good);
    const roll = await rollStatus();
    assert.equal(roll.status, 'committed');
    assert.deepEqual(roll.districts, { d1: 20, d2: 20, d3: 20 });
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
    // One line per voter of the roll: its id, district, token and the device's secret seed.
    const lines = (await readFile(join(state, 'tokens.ndjson'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 60);
    const first = JSON.parse(lines[0]!) as Record<string, string>;
    assert.deepEqual(Object.keys(first).sort(), ['deviceSecret', 'districtId', 'token', 'voterId']);
    assert.equal(first.voterId, 'voter "0"');
    assert.match(first.deviceSecret!, /^[A-Za-z0-9_-]{43}$/);
    // Asking for more tokens than the roll has voters mints what there is, and says so.
    const short = await cli(
      'tokens',
      '--election',
      electionId,
      '--count',
      '61',
      '--out',
      join(state, 'more.ndjson'),
    ).then(
      () => assert.fail('minted past the roll'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.match(short.stderr, /has 60 voters; minted 60, not 61/);
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
