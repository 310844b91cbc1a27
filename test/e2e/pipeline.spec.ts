// The whole pipeline through its real processes and commands: the four services started by the
// stack launcher on free ports (own topic prefix, keyspace and state directory), an election made
// with the `hanpyo` commands, ballots cast through the edge in both modes, and every receipt
// proven included in a signed block through the ledger's API.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

describe('pipeline: token → receipt → block → inclusion proof (real services and servers)', () => {
  let state: string;
  let stack: StackModule;
  let env: NodeJS.ProcessEnv;
  const electionId = uniqueName('e2e-');

  before(async () => {
    state = await mkdtemp(join(tmpdir(), 'hanpyo-e2e-'));
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
      HANPYO_OBSERVER_PORT: String(await freePort()),
      HANPYO_VOTERS_PER_PARTITION: '50',
    };
    Object.assign(process.env, env);
    stack = (await import(join(root, 'scripts', 'stack', 'lib.mjs'))) as StackModule;
    await stack.startServices(undefined, { timeoutMs: 120_000 });
  });

  after(async () => {
    await stack?.stopServices();
    await rm(state, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    run(process.execPath, [hanpyo, ...args], { env, maxBuffer: 1 << 24 });

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
          options: ['x', 'y', 'z', 'w'].map((o) => ({ optionId: o, title: o })),
          minSelections: 0,
          maxSelections: 2,
        },
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
