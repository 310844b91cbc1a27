// `hanpyo loadgen prepare` against the real services and servers: a mixed-mode preparation in
// shards (tokens with device secrets, client casts ready to send, edge selections), resumed after a
// shard is lost, refused when asked to continue another preparation; then every prepared vote is
// cast the way a load tool does it — client lines sent as they are, edge lines encrypted by the
// edge and signed with their device secret — and `hanpyo audit` finds every receipt.
import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  base64url,
  castDigest,
  fromBase64url,
  sign,
  signingKeyFromSeed,
  trackingCode,
} from '@hanpyo/crypto';
import type { EncryptedBallot } from '@hanpyo/contracts';
import { setUpElection } from '../support/election.js';
import { uniqueName } from '../support/env.js';
import { contest } from '../support/manifest.js';
import { startLocalStack } from '../support/stack.js';
import type { LocalStack } from '../support/stack.js';

interface Meta {
  format: string;
  complete: boolean;
  voters: number;
  shards: {
    index: number;
    from: number;
    to: number;
    client: number;
    edge: number;
    files: Record<string, string>;
  }[];
}

const lines = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('hanpyo loadgen prepare (real services and servers)', () => {
  let local: LocalStack;
  const electionId = uniqueName('loadgen-');
  let out: string;

  before(async () => {
    local = await startLocalStack({ stateDirPrefix: 'hanpyo-loadgen-', namePrefix: 'loadgen' });
  });

  after(async () => {
    await local?.stop();
  });

  const cli = (...args: string[]) => local.cli(...args);
  const prepare = (voters: number) =>
    cli(
      'loadgen',
      'prepare',
      '--election',
      electionId,
      '--voters',
      String(voters),
      '--mode',
      'mixed',
      '--out',
      out,
      '--shard-size',
      '100',
      '--threads',
      '2',
    );

  it('prepares 250 voters in 3 shards, resumes a lost shard, refuses another preparation', async () => {
    const state = local.state;
    out = join(state, 'load');
    const now = Date.now();
    await setUpElection(local, {
      spec: 'hanpyo/1',
      electionId,
      title: 'loadgen',
      opens: new Date(now - 60_000).toISOString(),
      closes: new Date(now + 3_600_000).toISOString(),
      revotePolicy: 'last',
      encryptionModes: ['client', 'edge'],
      commitmentIntervalSeconds: 1,
      contests: [
        contest('mayor', 'Mayor', ['a', 'b', 'c'], 1, 1),
        contest('council', 'Council', ['x', 'y', 'z'], 0, 2),
      ],
      ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor', 'council'] }],
      districts: ['d1', 'd2'].map((d) => ({
        districtId: d,
        name: d,
        ballotStyleId: 's',
        registeredVoters: 200,
      })),
      trustees: { count: 1, threshold: 1 },
    });
    // Without a roll there is nothing to prepare, and it says how to make one.
    const noRoll = await prepare(10).then(
      () => assert.fail('prepared without a roll'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(noRoll.code, 1);
    assert.match(noRoll.stderr, /LOADGEN_ROLL: .*hanpyo roll synth/);
    await cli('roll', 'synth', '--election', electionId, '--count', '300');
    await cli('election', 'open', electionId);

    const first = await prepare(250);
    assert.match(first.stdout, /prepared 250 voters in .* 3 shards/);
    const meta = JSON.parse(await readFile(join(out, 'meta.json'), 'utf8')) as Meta;
    assert.equal(meta.format, 'hanpyo-loadgen/1');
    assert.equal(meta.complete, true);
    assert.deepEqual(
      meta.shards.map((s) => [s.index, s.from, s.to, s.client, s.edge]),
      [
        [0, 0, 100, 50, 50],
        [1, 100, 200, 50, 50],
        [2, 200, 250, 25, 25],
      ],
    );
    const tokens0 = await lines(join(out, 'tokens-00000.ndjson'));
    assert.equal(tokens0.length, 100);
    assert.deepEqual(Object.keys(tokens0[0]!).sort(), [
      'deviceSecret',
      'districtId',
      'position',
      'token',
      'voterId',
    ]);
    assert.equal((await stat(join(out, 'tokens-00000.ndjson'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(out, 'edge-00000.ndjson'))).mode & 0o777, 0o600);
    const casts0 = await lines(join(out, 'casts-00000.ndjson'));
    assert.deepEqual(Object.keys(casts0[0]!).sort(), [
      'body',
      'districtId',
      'token',
      'trackingCode',
      'voterId',
    ]);
    assert.ok(!('deviceSecret' in casts0[0]!), 'a client cast line carries no secret');

    // A run stopped during shard 1: meta.json without it, its files gone. Only shard 1 is redone.
    const casts0Before = await readFile(join(out, 'casts-00000.ndjson'), 'utf8');
    await writeFile(
      join(out, 'meta.json'),
      JSON.stringify({
        ...meta,
        complete: false,
        shards: meta.shards.filter((s) => s.index !== 1),
      }),
    );
    for (const f of Object.values(meta.shards[1]!.files)) await rm(join(out, f));
    const resumed = await prepare(250);
    assert.match(resumed.stdout, /resuming: 2 of 3 shards already complete/);
    assert.match(resumed.stdout, /prepared 100 voters/);
    assert.equal(await readFile(join(out, 'casts-00000.ndjson'), 'utf8'), casts0Before);
    const again = JSON.parse(await readFile(join(out, 'meta.json'), 'utf8')) as Meta;
    assert.equal(again.complete, true);
    assert.equal((await lines(join(out, 'casts-00001.ndjson'))).length, 50);

    // Another preparation in the same directory is refused.
    const other = await prepare(200).then(
      () => assert.fail('mixed two preparations'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(other.code, 1);
    assert.match(other.stderr, /LOADGEN_MISMATCH: .*voters 250, not 200/);
  });

  it('casts every prepared vote as a load tool does, and the audit finds them all', async () => {
    const { edge } = JSON.parse(await readFile(join(local.state, 'local.json'), 'utf8')) as {
      edge: { url: string };
    };
    const base = `${edge.url}/v1/elections/${electionId}`;
    const post = async (path: string, token: string, body: string) => {
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    };
    const receipts: string[] = [];
    for (const shard of ['00000', '00001', '00002']) {
      for (const c of await lines(join(out, `casts-${shard}.ndjson`))) {
        const r = await post('/ballots', c.token as string, c.body as string);
        assert.equal(r.status, 201, JSON.stringify(r.json));
        receipts.push(JSON.stringify({ receipt: r.json.receipt }));
      }
      for (const e of await lines(join(out, `edge-${shard}.ndjson`))) {
        const token = e.token as string;
        const enc = await post(
          '/ballots/encrypt',
          token,
          JSON.stringify({ selections: e.selections }),
        );
        assert.equal(enc.status, 200, JSON.stringify(enc.json));
        const ballot = enc.json.ballot as EncryptedBallot;
        const device = signingKeyFromSeed('device', fromBase64url(e.deviceSecret as string, 32));
        const castSignature = base64url(sign(device, castDigest(electionId, trackingCode(ballot))));
        const r = await post('/ballots', token, JSON.stringify({ ballot, castSignature }));
        assert.equal(r.status, 201, JSON.stringify(r.json));
        receipts.push(JSON.stringify({ receipt: r.json.receipt }));
      }
    }
    assert.equal(receipts.length, 250);
    const file = join(local.state, 'receipts.ndjson');
    await writeFile(file, `${receipts.join('\n')}\n`);
    const audit = await cli('audit', '--election', electionId, '--receipts', file);
    assert.match(
      audit.stdout,
      /^250 receipts: \d+ included, \d+ pending, 0 lost, 0 duplicated, 0 refused, 0 forged/m,
    );
  });
});
