// loadtest/k6: k6 cannot run here, so the scripts are type-checked against @types/k6 (tsc on
// loadtest/k6/tsconfig.json: checkJs, strict), and a copy with deliberate misuses of the k6 API
// must fail that same check (a check that cannot fail proves nothing). Then the scripts' decisions,
// which live in loadtest/k6/lib/plan.js with no k6 import, are tested as plain functions; and the
// README is held to the code (every environment variable, the thresholds' metrics).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { k6Options, resolveProfile } from '../loadtest/lib/profile.js';
import {
  ENV,
  LOADGEN_FORMAT,
  castOutcome,
  instanceArrivals,
  parseCasts,
  parseShardList,
  readSettings,
  retryAfterSeconds,
  segmentFraction,
  selectShards,
} from '../loadtest/k6/lib/plan.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const k6Dir = join(root, 'loadtest', 'k6');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);
const SCRIPTS = ['smoke', 'city', 'province'];

/** tsc on a project: its exit status and its output. */
async function typeCheck(project) {
  try {
    const { stdout } = await run(process.execPath, [tsc, '-p', project, '--pretty', 'false'], {
      cwd: root,
    });
    return { status: 0, output: stdout };
  } catch (e) {
    if (typeof e.code !== 'number') throw e;
    return { status: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

const load = (name) =>
  JSON.parse(readFileSync(join(root, 'loadtest', 'profiles', `${name}.json`), 'utf8'));
const profileOf = (name) => resolveProfile(load(name), load);

describe('the k6 scripts type-check against @types/k6', () => {
  it('tsc -p loadtest/k6/tsconfig.json reports no error', async () => {
    const { status, output } = await typeCheck(join(k6Dir, 'tsconfig.json'));
    assert.equal(status, 0, output);
  });

  const temp = mkdtempSync(join(tmpdir(), 'hanpyo-k6-check-'));
  after(() => rmSync(temp, { recursive: true, force: true }));

  it('fails on a copy with misuses of the k6 API and of the profile types', async () => {
    // The same layout and tsconfig, and the repository's node_modules (@types/k6, typescript).
    cpSync(join(root, 'loadtest', 'k6'), join(temp, 'loadtest', 'k6'), { recursive: true });
    cpSync(join(root, 'loadtest', 'lib'), join(temp, 'loadtest', 'lib'), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(temp, 'node_modules'), 'dir');
    const mutate = (file, from, to) => {
      const path = join(temp, 'loadtest', file);
      const text = readFileSync(path, 'utf8');
      assert.ok(text.includes(from), `${file} no longer contains ${from}: update this test`);
      writeFileSync(path, text.replace(from, to));
    };
    // A property k6/execution does not have.
    mutate('k6/lib/cast.js', 'exec.scenario.iterationInInstance', 'exec.scenario.iterationInRun');
    // sleep() takes seconds as a number, not the header's text.
    mutate(
      'k6/lib/cast.js',
      "sleep(retryAfterSeconds(res.headers['Retry-After']))",
      "sleep(res.headers['Retry-After'])",
    );
    // A stage whose duration is a number is not a k6 Stage: the profile's options no longer fit
    // k6's Options, so profile.js's types and k6's are held together.
    mutate(
      'lib/profile.js',
      '{{ duration: string, target: number }} Stage',
      '{{ duration: number, target: number }} Stage',
    );
    const { status, output } = await typeCheck(join(temp, 'loadtest', 'k6', 'tsconfig.json'));
    assert.notEqual(status, 0, 'tsc accepted the misuses');
    assert.match(output, /cast\.js\(\d+,\d+\): error TS2339: Property 'iterationInRun'/);
    assert.match(
      output,
      /cast\.js\(\d+,\d+\): error TS2345: Argument of type 'string \| undefined'/,
    );
    assert.match(output, /cast\.js\(\d+,\d+\): error TS2322: .*Options/s);
  });
});

describe('the three scripts are thin', () => {
  for (const name of SCRIPTS) {
    it(`${name}.js names its profile and restates no number`, () => {
      const text = readFileSync(join(k6Dir, `${name}.js`), 'utf8');
      assert.match(text, new RegExp(`castScript\\('${name}'\\)`));
      assert.match(text, /^export const options = script\.options;$/m);
      assert.match(text, /^export const cast = script\.cast;$/m);
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      assert.doesNotMatch(code, /\d/, 'a number in the script: it belongs in the profile');
      assert.ok(load(name), `loadtest/profiles/${name}.json`);
    });
  }

  it('the receipt is the only console output, so the console file holds receipts only', () => {
    const files = ['lib/cast.js', 'lib/plan.js', ...SCRIPTS.map((s) => `${s}.js`)];
    const calls = files.flatMap((f) =>
      [...readFileSync(join(k6Dir, f), 'utf8').matchAll(/console\.\w+\(/g)].map(
        (m) => `${f}: ${m[0]}`,
      ),
    );
    assert.deepEqual(calls, ['lib/cast.js: console.log(']);
  });
});

describe('plan.js: settings', () => {
  const env = {
    HANPYO_LOAD_DIR: '/data/load/',
    HANPYO_BASE_URL: 'https://vote.example.org/',
  };

  it('reads the environment, trimming trailing slashes; shards and election optional', () => {
    assert.deepEqual(readSettings(env), {
      loadDir: '/data/load',
      shards: null,
      baseUrl: 'https://vote.example.org',
      election: null,
    });
    assert.deepEqual(
      readSettings({ ...env, HANPYO_SHARDS: '3-5,0', HANPYO_ELECTION: 'city-2026' }),
      {
        loadDir: '/data/load',
        shards: [3, 4, 5, 0],
        baseUrl: 'https://vote.example.org',
        election: 'city-2026',
      },
    );
  });

  it('refuses a relative or missing load directory and a base URL with a path', () => {
    for (const bad of [
      { ...env, HANPYO_LOAD_DIR: 'load' },
      { HANPYO_BASE_URL: env.HANPYO_BASE_URL },
      { ...env, HANPYO_BASE_URL: 'https://vote.example.org/v1' },
      { ...env, HANPYO_BASE_URL: 'vote.example.org' },
      { HANPYO_LOAD_DIR: env.HANPYO_LOAD_DIR },
    ])
      assert.throws(() => readSettings(bad), { code: 'LOADTEST_LOAD_INVALID' });
  });

  it('parses shard lists and refuses bad ones', () => {
    assert.deepEqual(parseShardList('0'), [0]);
    assert.deepEqual(parseShardList('0, 1'), [0, 1]);
    assert.deepEqual(parseShardList('0-4,7'), [0, 1, 2, 3, 4, 7]);
    for (const bad of ['', 'a', '1,', '5-3', '1,1', '0-2,2', '-1'])
      assert.throws(() => parseShardList(bad), { code: 'LOADTEST_LOAD_INVALID' }, bad);
  });
});

describe('plan.js: the prepared load', () => {
  const smoke = profileOf('smoke');
  const shard = (index, client) => ({
    index,
    from: index * 10,
    to: index * 10 + client,
    client,
    edge: 0,
    files: {
      tokens: `tokens-${String(index).padStart(5, '0')}.ndjson`,
      casts: `casts-${String(index).padStart(5, '0')}.ndjson`,
    },
  });
  const meta = {
    format: LOADGEN_FORMAT,
    electionId: 'city-2026',
    manifestHash: '00',
    mode: 'client',
    voters: 30,
    shardSize: 10,
    shards: [shard(0, 10), shard(2, 10), shard(1, 10)],
    complete: true,
  };
  const settings = { loadDir: '/load', shards: null, baseUrl: 'http://edge', election: null };

  it('takes every listed shard, in order, without HANPYO_SHARDS', () => {
    assert.deepEqual(selectShards(meta, settings, smoke), {
      electionId: 'city-2026',
      shards: [0, 1, 2].map((i) => ({ index: i, client: 10, file: `casts-0000${i}.ndjson` })),
    });
  });

  it('takes the shards named, in the order named', () => {
    const chosen = selectShards(meta, { ...settings, shards: [2, 0] }, smoke);
    assert.deepEqual(
      chosen.shards.map((s) => s.index),
      [2, 0],
    );
  });

  it('refuses what the k6 scripts cannot send', () => {
    const refused = (m, s = settings, p = smoke) =>
      assert.throws(() => selectShards(m, s, p), { code: 'LOADTEST_LOAD_INVALID' });
    refused({ ...meta, format: 'hanpyo-loadgen/2' });
    refused(null);
    refused(meta, { ...settings, election: 'province-2026' });
    refused({ ...meta, mode: 'mixed' });
    refused({ ...meta, mode: 'edge' });
    refused(meta, { ...settings, shards: [3] }); // not listed: not prepared or not complete
    refused({ ...meta, shards: [] });
    refused({ ...meta, shards: [{ ...shard(0, 10), files: { casts: '../../etc/passwd' } }] });
    refused({ ...meta, shards: [{ index: 0 }] });
    refused(meta, settings, { ...smoke, mode: 'edge' });
  });

  const line = (i) =>
    JSON.stringify({
      voterId: `v-${i}`,
      districtId: 'd-0',
      trackingCode: `t-${i}`,
      token: `jws-${i}`,
      body: JSON.stringify({ ballot: { i }, castSignature: 's' }),
    });

  it('reads every cast line of a shard, as FORMAT.md writes them', () => {
    const text = `${line(0)}\n${line(1)}\n`;
    assert.deepEqual(parseCasts(text, 'casts-00000.ndjson', 2), [
      {
        voterId: 'v-0',
        trackingCode: 't-0',
        token: 'jws-0',
        body: '{"ballot":{"i":0},"castSignature":"s"}',
      },
      {
        voterId: 'v-1',
        trackingCode: 't-1',
        token: 'jws-1',
        body: '{"ballot":{"i":1},"castSignature":"s"}',
      },
    ]);
    assert.equal(parseCasts(`${line(0)}\n${line(1)}`, 'f', 2).length, 2, 'no final newline');
  });

  it('refuses a truncated, foreign or broken shard, naming the line', () => {
    assert.throws(
      () => parseCasts(`${line(0)}\n`, 'f', 2),
      /1 cast lines where meta\.json lists 2/,
    );
    assert.throws(() => parseCasts(`${line(0)}\n{"voterId":\n`, 'f', 2), /f:2: not JSON/);
    const edgeLine = JSON.stringify({
      voterId: 'v',
      districtId: 'd',
      token: 't',
      deviceSecret: 's',
      selections: {},
    });
    assert.throws(() => parseCasts(`${edgeLine}\n`, 'f', 1), /f:1: not a cast line/);
  });
});

describe('plan.js: answers', () => {
  it('waits the Retry-After seconds the edge sends, else one second', () => {
    assert.equal(retryAfterSeconds('2'), 2);
    assert.equal(retryAfterSeconds(' 0 '), 0);
    assert.equal(retryAfterSeconds(undefined), 1);
    assert.equal(retryAfterSeconds('Wed, 21 Oct 2026 07:28:00 GMT'), 1);
    assert.equal(retryAfterSeconds('-3', 5), 5);
  });

  const receipt = { trackingCode: 'abc', partition: 1, offset: 7 };

  it('a 201 with a receipt naming the tracking code is a success', () => {
    assert.deepEqual(castOutcome(201, JSON.stringify({ receipt }), 'abc'), {
      ok: true,
      reason: null,
      code: null,
      receipt,
    });
  });

  it('a receipt naming another tracking code fails but is kept for the audit', () => {
    assert.deepEqual(castOutcome(201, JSON.stringify({ receipt }), 'xyz'), {
      ok: false,
      reason: 'tracking-code',
      code: null,
      receipt,
    });
  });

  it('a 201 without a receipt, and every other answer, fail with a bounded reason', () => {
    assert.equal(castOutcome(201, '{}', 'abc').reason, 'receipt');
    assert.equal(castOutcome(201, 'not json', 'abc').reason, 'receipt');
    assert.equal(castOutcome(201, null, 'abc').reason, 'receipt');
    const refused = castOutcome(409, '{"error":{"code":"TOKEN_USED","message":"m"}}', 'abc');
    assert.deepEqual(refused, { ok: false, reason: 'status', code: 'TOKEN_USED', receipt: null });
    assert.deepEqual(castOutcome(503, '{"error":{"code":"OVERLOADED"}}', 'abc'), {
      ok: false,
      reason: 'unavailable',
      code: 'OVERLOADED',
      receipt: null,
    });
    assert.equal(castOutcome(0, null, 'abc').reason, 'network');
    // Not an error code: never a tag value.
    assert.equal(castOutcome(400, '{"error":{"code":"v-0000001 said no"}}', 'abc').code, null);
  });
});

describe('plan.js: an instance among several', () => {
  it('reads k6 execution segments', () => {
    assert.equal(segmentFraction(null), 1);
    assert.equal(segmentFraction(undefined), 1);
    assert.equal(segmentFraction(''), 1);
    assert.equal(segmentFraction('0:1'), 1);
    assert.equal(segmentFraction('0:1/4'), 0.25);
    assert.equal(segmentFraction('1/4'), 0.25);
    assert.equal(segmentFraction('3/10:2/5'), 0.4 - 0.3);
    assert.equal(segmentFraction('25%:50%'), 0.25);
    assert.equal(segmentFraction('0.5:1'), 0.5);
    for (const bad of ['1/2:1/4', '0:2', 'x', '1/0', '0:'])
      assert.throws(() => segmentFraction(bad), { code: 'LOADTEST_LOAD_INVALID' }, bad);
  });

  it('sizes an instance: one 100,000-voter shard each for a tenth of city and a hundredth of province', () => {
    const city = profileOf('city');
    const province = profileOf('province');
    assert.equal(instanceArrivals(city, 1), 997_560);
    assert.equal(instanceArrivals(city, segmentFraction('0:1/10')), 99_756);
    assert.ok(instanceArrivals(province, segmentFraction('0:1/100')) <= 100_000);
    assert.ok(instanceArrivals(province, segmentFraction('0:1/100')) > 99_900);
  });
});

describe('loadtest/k6/README.md agrees with the code', () => {
  const readme = readFileSync(join(k6Dir, 'README.md'), 'utf8');

  it('documents every environment variable the scripts read', () => {
    for (const name of Object.values(ENV)) assert.ok(readme.includes(`\`${name}\``), name);
  });

  it('names the thresholds as k6 receives them, and each script', () => {
    // The same metrics for every profile; only the limits differ.
    for (const key of Object.keys(k6Options(profileOf('smoke')).thresholds))
      assert.ok(readme.includes(key), key);
    for (const name of SCRIPTS) assert.ok(readme.includes(`loadtest/k6/${name}.js`), name);
    assert.ok(readme.includes('--console-output') && readme.includes('--log-format raw'));
  });
});
