// The tally and the export through the real processes and servers: an election closes a few
// seconds after ballots in both modes (with re-votes), the ledger cuts its final block, the
// registrar aggregates, a trustee with a corrupted share file is refused with nothing stored, three
// of five trustees decrypt, and the exported record verifies offline — and stops verifying once a
// count in it is tampered with.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { uniqueName } from '../support/env.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const hanpyo = join(root, 'tools', 'hanpyo', 'bin', 'hanpyo.js');
const SERVICES = ['registrar', 'persister', 'ledger', 'edge'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface StackModule {
  startServices(names?: string[], options?: { timeoutMs?: number }): Promise<string[]>;
  stopServices(names?: string[]): Promise<string[]>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('tally and export: 3 of 5 trustees, a bad share refused, the record verifies', () => {
  let state: string;
  let stack: StackModule;
  let env: NodeJS.ProcessEnv;
  const electionId = uniqueName('tally-');

  before(async () => {
    state = await mkdtemp(join(tmpdir(), 'hanpyo-tally-'));
    env = {
      ...process.env,
      HANPYO_STATE_DIR: state,
      HANPYO_LOCAL_JSON: join(state, 'local.json'),
      HANPYO_KAFKA_TOPIC_PREFIX: `${uniqueName('e2e')}.`,
      HANPYO_CASSANDRA_KEYSPACE: uniqueName('e2e_'),
      HANPYO_REGISTRAR_PORT: String(await freePort()),
      HANPYO_EDGE_PORT: String(await freePort()),
      HANPYO_LEDGER_PORT: String(await freePort()),
      HANPYO_PERSISTER_PORT: String(await freePort()),
      HANPYO_VOTERS_PER_PARTITION: '10',
    };
    Object.assign(process.env, env);
    stack = (await import(join(root, 'scripts', 'stack', 'lib.mjs'))) as StackModule;
    await stack.startServices(SERVICES, { timeoutMs: 120_000 });
  });

  after(async () => {
    await stack?.stopServices(SERVICES);
    await rm(state, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    run(process.execPath, [hanpyo, ...args], { env, maxBuffer: 1 << 26 });
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

  it('counts, refuses a bad share, completes with trustees 1, 3, 5 and exports a record that verifies', async () => {
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
        {
          contestId: 'mayor',
          title: 'Mayor',
          options: ['a', 'b', 'c'].map((o) => ({ optionId: o, title: o })),
          minSelections: 1,
          maxSelections: 1,
        },
        {
          contestId: 'council',
          title: 'Council',
          options: ['x', 'y', 'z'].map((o) => ({ optionId: o, title: o })),
          minSelections: 0,
          maxSelections: 2,
        },
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
    const verified = await cli('verify', record);
    assert.match(verified.stdout, /^VALID: .*24 counted/m);
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
  });
});
