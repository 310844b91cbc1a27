// `hanpyo roll import`'s first pass, on files: every problem with its line (rows that are not rows,
// unknown districts, a voter twice, a district over its registeredVoters), CSV and NDJSON alike, and
// the digest the registrar computes over the batches (libs/crypto rollChainNext).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROLL_BATCH_MAX } from '@hanpyo/contracts';
import { rollChainNext, rollChainStart } from '@hanpyo/crypto';
import { checkRoll, fileSource, syntheticSource, syntheticVoters } from './roll.js';

const manifest = {
  electionId: 'roll-unit',
  districts: [
    { districtId: 'd1', name: 'd1', ballotStyleId: 's', registeredVoters: 3 },
    { districtId: 'd2', name: 'd2', ballotStyleId: 's', registeredVoters: 100_000 },
  ],
};

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hanpyo-roll-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('roll check (pass 1)', () => {
  it('accepts a CSV roll with quoted fields and a BOM, and digests it as the registrar does', async () => {
    const path = await file(
      'ok.csv',
      '\uFEFFvoterId,districtId\r\nv1,d1\r\n"v,2",d2\r\n"v ""3""",d2\r\n',
    );
    const check = await checkRoll(manifest, fileSource(path));
    assert.deepEqual(check.problems, []);
    assert.equal(check.rows, 3);
    assert.deepEqual(check.districts, { d1: 1, d2: 2 });
    const rows = [
      { voterId: 'v1', districtId: 'd1' },
      { voterId: 'v,2', districtId: 'd2' },
      { voterId: 'v "3"', districtId: 'd2' },
    ];
    assert.equal(check.digest, rollChainNext(rollChainStart('roll-unit'), 0, rows));
  });

  it('reads NDJSON alike, and chains batches of ROLL_BATCH_MAX rows', async () => {
    const rows = [...syntheticVoters({ districts: [manifest.districts[1]!] }, ROLL_BATCH_MAX + 7)];
    const path = await file('big.ndjson', rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const check = await checkRoll(manifest, fileSource(path));
    assert.deepEqual(check.problems, []);
    const first = rollChainNext(rollChainStart('roll-unit'), 0, rows.slice(0, ROLL_BATCH_MAX));
    assert.equal(check.digest, rollChainNext(first, ROLL_BATCH_MAX, rows.slice(ROLL_BATCH_MAX)));
    // The synthetic source yields the same rows, so the same digest.
    const synthetic = await checkRoll(manifest, {
      ...syntheticSource({ districts: [manifest.districts[1]!] }, ROLL_BATCH_MAX + 7),
      name: 'synthetic',
    });
    assert.equal(synthetic.digest, check.digest);
  });

  it('lists every problem with its line', async () => {
    const path = await file(
      'bad.csv',
      [
        'voterId,districtId',
        'a,d1', // 2
        'b,d9', // 3: unknown district
        'a,d2', // 4: a again
        '"c,d1', // 5: unterminated
        'd,d1,x', // 6: three fields
        'e,d1', // 7
        'f,d1', // 8: d1's fourth voter
        ',d1', // 9: empty voter id
        'a,d1', // 10: a a third time
      ].join('\n'),
    );
    const check = await checkRoll(manifest, fileSource(path));
    assert.deepEqual(check.problems, [
      "line 3: 'd9' is not a district of 'roll-unit'",
      'line 5: unterminated quoted field',
      'line 6: expected 2 fields, found 3',
      'line 9: $.voterId: Too small: expected string to have >=1 characters',
      "district 'd1' has 4 voters on the roll but 3 registered voters in the manifest",
      'line 4: the voter of line 2 appears again (a voter is on the roll once)',
      'line 10: the voter of line 2 appears again (a voter is on the roll once)',
    ]);
  });

  it('refuses a file that is neither CSV with the header nor NDJSON', async () => {
    const check = await checkRoll(
      manifest,
      fileSource(await file('no.csv', 'id,district\nx,d1\n')),
    );
    assert.equal(check.problems.length, 1);
    assert.match(check.problems[0]!, /^line 1: not a roll/);
  });

  it('finds duplicates among many voters in bounded buckets (60,000 rows, 3 repeated)', async () => {
    const rows = [...syntheticVoters({ districts: [manifest.districts[1]!] }, 60_000)];
    rows.push(rows[17]!, rows[40_000]!, rows[59_999]!);
    const path = await file('dups.ndjson', rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const check = await checkRoll(manifest, fileSource(path));
    assert.deepEqual(check.problems, [
      'line 60001: the voter of line 18 appears again (a voter is on the roll once)',
      'line 60002: the voter of line 40001 appears again (a voter is on the roll once)',
      'line 60003: the voter of line 60000 appears again (a voter is on the roll once)',
    ]);
  });
});
