// The test runner counts every failure: a failing `after` or `before` hook (in a suite or at the top
// of a file), a failing test, a file that does not load, a test or a file that never ends (after the
// per-test timeout, 2 s here); and it keeps every skip with its reason.
// Each case is a fixture file run through the harness itself (`node scripts/test-harness.mjs FILE`,
// a process of its own, as `npm test` runs it), whose exit status must then be non-zero.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exitCode } from './test-harness.mjs';

const harness = fileURLToPath(new URL('./test-harness.mjs', import.meta.url));

const FIXTURES = {
  'after-hook': `import { describe, it, after } from 'node:test';
describe('a suite', () => { after(() => { throw new Error('after fails'); }); it('passes', () => {}); });`,
  'before-hook': `import { describe, it, before } from 'node:test';
describe('a suite', () => { before(() => { throw new Error('before fails'); }); it('never runs', () => {}); });`,
  'file-after-hook': `import { it, after } from 'node:test';
after(() => { throw new Error('file-level after fails'); });
it('passes', () => {});`,
  'import-error': `throw new Error('this file does not load');`,
  'failing-test': `import { it } from 'node:test';
it('fails', () => { throw new Error('no'); });`,
  'hanging-test': `import { it } from 'node:test';
it('never ends', () => new Promise(() => { setInterval(() => {}, 1000); }));`,
  'hanging-file': `import { it } from 'node:test';
it('passes, but leaves its process running', () => { setInterval(() => {}, 1000); });`,
  passing: `import { it } from 'node:test';
it('passes', () => {});
it('is skipped', { skip: 'the backend is not built here' }, () => {});`,
};

let dir;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hanpyo-harness-'));
  for (const [name, text] of Object.entries(FIXTURES))
    await writeFile(join(dir, `${name}.fixture.mjs`), `${text}\n`);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The harness on one fixture, in a process of its own: its exit status and summary lines. */
async function runFixture(name) {
  // Outside node's own test runner (which marks its children with NODE_TEST_CONTEXT).
  const env = { ...process.env, HANPYO_TEST_TIMEOUT_MS: '2000' };
  delete env.NODE_TEST_CONTEXT;
  const r = await promisify(execFile)(
    process.execPath,
    [harness, join(dir, `${name}.fixture.mjs`)],
    {
      cwd: dir,
      env,
    },
  ).then(
    (x) => ({ code: 0, stdout: x.stdout }),
    (e) => ({ code: e.code, stdout: e.stdout }),
  );
  const lines = r.stdout.trimEnd().split('\n');
  const at = lines.findIndex((l) => l.startsWith('skipped (') || /^\d+ passed, /.test(l));
  return { code: r.code, summary: lines.slice(at) };
}

describe('the test harness', () => {
  for (const name of [
    'after-hook',
    'before-hook',
    'file-after-hook',
    'import-error',
    'failing-test',
    'hanging-test',
    'hanging-file',
  ]) {
    it(`fails the run for a fixture with a ${name.replace('-', ' ')}`, async () => {
      const r = await runFixture(name);
      assert.equal(r.code, 1, r.summary.join('\n'));
      assert.match(r.summary.at(-1), /^\d+ passed, [1-9]\d* failed/);
    });
  }

  it('passes a run of passing tests, and names each skip with its reason', async () => {
    const r = await runFixture('passing');
    assert.equal(r.code, 0);
    assert.deepEqual(r.summary, [
      'skipped (1):',
      '  passing.fixture.mjs: is skipped — the backend is not built here',
      '1 passed, 0 failed, 1 skipped',
    ]);
  });

  it('fails a run where nothing passed', () => {
    assert.equal(exitCode({ passed: 0, failed: 0, skipped: 3, skips: [], failures: [] }), 1);
  });
});
