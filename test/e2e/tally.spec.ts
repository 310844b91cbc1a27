// A full election through the real processes and servers, the observer included: ceremony, open,
// ballots in both modes (with re-votes), blocks cosigned by the observer, close a few seconds
// later, the ledger's final block, the registrar's aggregates, a trustee with a corrupted share
// file refused with nothing stored, three of five trustees decrypting, and the exported record:
// every block in it signed by the ledger and by the manifest's witness, verifying offline — and no
// longer verifying once a count or one board entry in a copy of it is tampered with.
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseManifest, parseSignedBlock } from '@hanpyo/contracts';
import type { SignedBlock } from '@hanpyo/contracts';
import { verifyBlockSignatures } from '@hanpyo/ledger';
import { uniqueName } from '../support/env.js';
import { startLocalStack } from '../support/stack.js';
import type { LocalStack } from '../support/stack.js';
import { until } from '../support/wait.js';
import { contest } from '../support/manifest.js';

describe('a full election: observer cosignatures, 3 of 5 trustees, a bad share refused, the record verifies', () => {
  let stack: LocalStack;
  let state: string;
  const electionId = uniqueName('tally-');

  before(async () => {
    stack = await startLocalStack({
      stateDirPrefix: 'hanpyo-tally-',
      namePrefix: 'e2e',
      maxBuffer: 1 << 26,
      env: {
        HANPYO_VOTERS_PER_PARTITION: '10',
        HANPYO_OBSERVER_ELECTIONS: electionId,
        HANPYO_OBSERVER_TICK_MS: '300',
      },
    });
    state = stack.state;
  });

  after(async () => {
    await stack?.stop();
  });

  const cli = (...args: string[]) => stack.cli(...args);
  /** Runs a command expected to fail; resolves with its exit code and output. */
  const failing = (...args: string[]) =>
    cli(...args).then(
      () => assert.fail(`hanpyo ${args.join(' ')} succeeded`),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const local = async () =>
    JSON.parse(await readFile(join(state, 'local.json'), 'utf8')) as {
      registrar: { url: string };
      ledger: { url: string };
    };
  const status = async () =>
    (await (
      await fetch(`${(await local()).registrar.url}/v1/elections/${electionId}/tally/status`)
    ).json()) as { status: string; trustees: number[]; trusteesUsed: number[] };

  it('counts, refuses a bad share, completes with trustees 1, 3, 5 and exports a cosigned record that verifies', async () => {
    const now = Date.now();
    const closes = now + 25_000;
    const manifest = {
      spec: 'hanpyo/1',
      electionId,
      title: 'tally e2e',
      opens: new Date(now - 60_000).toISOString(),
      closes: new Date(closes).toISOString(),
      revotePolicy: 'last',
      encryptionModes: ['client', 'edge'],
      commitmentIntervalSeconds: 1,
      contests: [
        contest('mayor', 'Mayor', ['a', 'b', 'c'], 1, 1),
        contest('council', 'Council', ['x', 'y', 'z'], 0, 2),
      ],
      ballotStyles: [
        { ballotStyleId: 'full', contestIds: ['mayor', 'council'] },
        { ballotStyleId: 'mayor-only', contestIds: ['mayor'] },
      ],
      districts: [
        { districtId: 'd1', name: 'd1', ballotStyleId: 'full', registeredVoters: 40 },
        { districtId: 'd2', name: 'd2', ballotStyleId: 'mayor-only', registeredVoters: 40 },
        // A district nobody votes in (syntheticVoters gives it no voter of 24): identity aggregates, counts 0.
        { districtId: 'd3', name: 'd3', ballotStyleId: 'full', registeredVoters: 1 },
      ],
      trustees: { count: 5, threshold: 3 },
    };
    await writeFile(join(state, 'manifest.json'), JSON.stringify(manifest));
    await cli('election', 'create', '--manifest', join(state, 'manifest.json'));
    const ceremony = join(state, 'ceremony');
    await cli('ceremony', 'local', '--election', electionId, '--out', ceremony);
    await cli('election', 'ceremony', electionId, '--record', join(ceremony, 'ceremony.json'));
    await cli('election', 'open', electionId);
    await cli('tokens', '--election', electionId, '--count', '24', '--out', join(state, 'tokens'));
    const cast = await cli(
      'cast',
      '--election',
      electionId,
      '--tokens',
      join(state, 'tokens'),
      '--receipts',
      join(state, 'receipts'),
      '--mode',
      'mixed',
      '--revote',
      '0.25',
      '--concurrency',
      '8',
    );
    assert.match(cast.stdout, /^cast 30 ballots/m);

    // Before the final block the tally refuses to start.
    const early = await failing('election', 'tally', electionId);
    assert.match(early.stderr, /ELECTION_STATE/);

    await sleep(Math.max(0, closes - Date.now() + 1500));
    await cli('election', 'close', electionId);
    const ledger = `${(await local()).ledger.url}/v1/elections/${electionId}/blocks/latest`;
    let final = false;
    for (let i = 0; i < 60 && !final; i++) {
      const r = await fetch(ledger);
      if (r.ok) final = ((await r.json()) as { block: { final: boolean } }).block.final;
      if (!final) await sleep(1000);
    }
    assert.ok(final, 'the ledger cut its final block');
    // The observer replays and cosigns every block, in order: the final one last.
    await until(
      'the observer to cosign the final block',
      async () => {
        const r = await fetch(ledger);
        const latest = (await r.json()) as SignedBlock;
        return (
          latest.block.final && latest.signatures.signatures.some((s) => s.keyId === 'observer-1')
        );
      },
      60_000,
    );

    const tally = await cli('election', 'tally', electionId);
    assert.match(tally.stdout, /24 ballots counted in 3 districts/);
    assert.match(tally.stdout, /d3: 0 counted/);

    // Trustee 2's file with another trustee's secret: every proof fails; refused, nothing stored.
    const share2 = JSON.parse(await readFile(join(ceremony, 'trustee-2.json'), 'utf8')) as {
      secretShare: string;
    };
    const share4 = JSON.parse(await readFile(join(ceremony, 'trustee-4.json'), 'utf8')) as {
      secretShare: string;
    };
    const corrupted = join(state, 'trustee-2-corrupted.json');
    await writeFile(corrupted, JSON.stringify({ ...share2, secretShare: share4.secretShare }));
    const bad = await failing('trustee', 'decrypt', '--election', electionId, '--share', corrupted);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /DECRYPTION_SHARE_INVALID: trustee 2: the share of district 'd1', contest 'mayor', option 'a'/,
    );
    assert.ok(!bad.stderr.includes(share4.secretShare), 'the secret is never printed');
    assert.deepEqual((await status()).trustees, []);
    const notYet = await fetch(`${(await local()).registrar.url}/v1/elections/${electionId}/tally`);
    assert.equal(notYet.status, 404);
    assert.equal(
      ((await notYet.json()) as { error: { code: string } }).error.code,
      'TALLY_NOT_FOUND',
    );

    for (const i of [1, 3]) {
      const r = await cli(
        'trustee',
        'decrypt',
        '--election',
        electionId,
        '--share',
        join(ceremony, `trustee-${i}.json`),
      );
      assert.match(
        r.stdout,
        new RegExp(`^trustee ${i}: 15 partial decryptions accepted; tally aggregated`, 'm'),
      );
    }
    const last = await cli(
      'trustee',
      'decrypt',
      '--election',
      electionId,
      '--share',
      join(ceremony, 'trustee-5.json'),
    );
    assert.match(last.stdout, /tally complete/);
    assert.deepEqual(await status(), {
      ...(await status()),
      status: 'complete',
      trustees: [1, 3, 5],
      trusteesUsed: [1, 3, 5],
    });

    const record = join(state, 'record');
    const exported = await cli('election', 'export', electionId, '--out', record);
    assert.match(exported.stdout, /30 board entries/);
    // Every block of the record is signed by the ledger and cosigned by the manifest's witness.
    const recordManifest = parseManifest(
      JSON.parse(await readFile(join(record, 'manifest.json'), 'utf8')),
    );
    assert.deepEqual(
      recordManifest.witnesses.map((w) => w.keyId),
      ['observer-1'],
    );
    const blocks = (await readFile(join(record, 'blocks.ndjson'), 'utf8'))
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => parseSignedBlock(JSON.parse(l)));
    assert.ok(blocks.length >= 2, `${blocks.length} blocks`);
    assert.ok(blocks[blocks.length - 1]!.block.final, 'the record ends with the final block');
    for (const signed of blocks) {
      const report = verifyBlockSignatures(signed, recordManifest);
      const h = signed.block.height;
      assert.deepEqual(report.failures, [], `block ${h}`);
      assert.deepEqual(report.ledgerSigners, ['ledger-1'], `block ${h} is signed by the ledger`);
      assert.deepEqual(report.witnesses, ['observer-1'], `block ${h} is cosigned`);
    }
    // `hanpyo verify` checks those signatures too (a bad one fails the record): valid.
    const verified = await cli('verify', record);
    assert.match(verified.stdout, /^VALID: .*24 counted/m);
    assert.match(verified.stdout, new RegExp(`, ${blocks.length} blocks, checked in `));
    const published = JSON.parse(await readFile(join(record, 'tally.json'), 'utf8')) as {
      trusteesUsed: number[];
      districts: {
        districtId: string;
        counted: number;
        contests: { options: { count: number }[] }[];
      }[];
    };
    assert.deepEqual(published.trusteesUsed, [1, 3, 5]);
    const mayorVotes = (d: number) =>
      published.districts[d]!.contests[0]!.options.reduce((s, o) => s + o.count, 0);
    // Mayor is choose-exactly-one: its counts add up to the district's counted ballots.
    assert.equal(mayorVotes(0), published.districts[0]!.counted);
    assert.equal(mayorVotes(1), published.districts[1]!.counted);

    // A tampered count in a copy of the record: the verifier refuses it.
    const tampered = join(state, 'tampered');
    await cp(record, tampered, { recursive: true });
    published.districts[0]!.contests[0]!.options[0]!.count += 1;
    await writeFile(join(tampered, 'tally.json'), JSON.stringify(published));
    const refused = await failing('verify', tampered);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /TALLY_COUNT_MISMATCH/);

    // One board entry tampered with in another copy (a proof scalar swapped, still valid JSON):
    // the verifier refuses it, naming that entry's line.
    const tamperedBoard = join(state, 'tampered-board');
    await cp(record, tamperedBoard, { recursive: true });
    const lines = (await readFile(join(tamperedBoard, 'ballots.ndjson'), 'utf8')).split('\n');
    const at = 3; // 1-based line number
    const entry = JSON.parse(lines[at - 1]!) as {
      ballot: { contests: { selections: { proof: { z: string[] } }[] }[] };
    };
    const z = entry.ballot.contests[0]!.selections[0]!.proof.z;
    assert.notEqual(z[0], z[1]);
    [z[0], z[1]] = [z[1]!, z[0]!];
    lines[at - 1] = JSON.stringify(entry);
    await writeFile(join(tamperedBoard, 'ballots.ndjson'), lines.join('\n'));
    const broken = await failing('verify', tamperedBoard);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, new RegExp(`^FAIL PROOF_INVALID at ballots\\.ndjson:${at} `, 'm'));
    const proofFailures = broken.stdout
      .split('\n')
      .filter((l) => l.startsWith('FAIL PROOF_INVALID'));
    for (const l of proofFailures)
      assert.ok(l.startsWith(`FAIL PROOF_INVALID at ballots.ndjson:${at} `), l);
    assert.match(broken.stdout, /^INVALID: /m);
  });
});
