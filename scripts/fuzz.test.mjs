// The fuzzer's own logic, without servers: its command line, the invariant it judges each answer
// by (a 500, a 4xx without a code, a hang or a write to another path must be violations), and
// the mutations' claims about meaning (a duplicated key with the original last parses to the
// same value; a flipped trailing base64url bit does not).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseFuzzArgs } from './fuzz.mjs';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const dist = (f) => pathToFileURL(join(ROOT, 'test', 'dist', 'support', f)).href;
const built = existsSync(join(ROOT, 'test', 'dist', 'support', 'fuzz-endpoints.js'));

describe('npm run fuzz: the command line', () => {
  it('has the long run as its defaults and a fresh seed', () => {
    const o = parseFuzzArgs([], 1234);
    assert.equal(o.runs, 10000);
    assert.equal(o.records, 500);
    assert.equal(o.seed, 1234);
    assert.equal(o.only, undefined);
  });
  it('takes counts, a seed and endpoint filters', () => {
    const o = parseFuzzArgs([
      '--seed',
      '7',
      '--runs',
      '200',
      '--records',
      '0',
      '--only',
      'edge.,ledger.block',
    ]);
    assert.deepEqual([o.seed, o.runs, o.records, o.only], [7, 200, 0, ['edge.', 'ledger.block']]);
  });
  it('refuses counts that are not canonical integers', () => {
    for (const args of [
      ['--runs', '0'],
      ['--runs', '1e3'],
      ['--seed', '-1'],
      ['--records', ''],
      ['--bogus'],
    ])
      assert.throws(() => parseFuzzArgs(args), undefined, args.join(' '));
  });
});

describe('the fuzzer judges answers', { skip: built ? false : 'test/dist not built' }, async () => {
  const { judge } = built ? await import(dist('fuzz-endpoints.js')) : {};
  const endpoint = {
    name: 'x.write',
    service: 'edge',
    method: 'POST',
    template: '/v1/elections/{id}/ballots',
    params: { id: 'e1' },
    judge2xx: () => ({ ok: true, class: 'accepted' }),
  };
  const req = (over = {}) => ({
    method: 'POST',
    path: '/v1/elections/e1/ballots',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from('{}'),
    family: 'test',
    note: '',
    ...over,
  });
  const answer = (status, json, over = {}) => ({
    status,
    text: JSON.stringify(json),
    json,
    headers: {},
    ms: 1,
    ...over,
  });
  const coded = { error: { code: 'REQUEST_INVALID', message: 'no' } };

  it('takes a 4xx with a code, nothing less', () => {
    assert.deepEqual(judge(endpoint, req(), answer(400, coded)), {
      ok: true,
      class: 'REQUEST_INVALID',
    });
    assert.equal(
      judge(endpoint, req(), answer(414, { statusCode: 414, code: 'FST_ERR_MAX_PARAM_LENGTH' })).ok,
      false,
    );
    assert.equal(judge(endpoint, req(), answer(400, undefined)).ok, false);
  });
  it('never takes a 5xx, a hang or a dropped connection', () => {
    assert.equal(
      judge(endpoint, req(), answer(500, { error: { code: 'INTERNAL', message: 'x' } })).ok,
      false,
    );
    assert.equal(judge(endpoint, req(), answer(0, undefined, { transport: 'TIMEOUT' })).ok, false);
    assert.equal(
      judge(endpoint, req(), answer(0, undefined, { transport: 'ECONNRESET' })).ok,
      false,
    );
    // Shedding with Retry-After is counted apart, not a failure.
    const shed = answer(
      503,
      { error: { code: 'OVERLOADED', message: 'x' } },
      { headers: { 'retry-after': '1' } },
    );
    assert.deepEqual(judge(endpoint, req(), shed), { ok: true, class: 'shed' });
  });
  it('takes a reset only after headers over Node’s limit', () => {
    const big = req({ headers: { 'x-fuzz': 'a'.repeat(17_000) } });
    assert.equal(judge(endpoint, big, answer(0, undefined, { transport: 'ECONNRESET' })).ok, true);
  });
  it('refuses a 2xx for another method or another election', () => {
    assert.equal(judge(endpoint, req(), answer(201, {})).ok, true);
    assert.equal(
      judge(endpoint, req({ path: '/v1/elections/e1/ballots?x=1' }), answer(201, {})).ok,
      true,
    );
    assert.equal(judge(endpoint, req({ method: 'PATCH' }), answer(201, {})).ok, false);
    assert.equal(
      judge(endpoint, req({ path: '/v1/elections/E1/ballots' }), answer(201, {})).ok,
      false,
    );
  });
});

describe(
  'the mutations say what they change',
  { skip: built ? false : 'test/dist not built' },
  async () => {
    const { applyText, applyBytes, sameJson } = built ? await import(dist('fuzz-mutate.js')) : {};
    const { applyRecordCase } = built ? await import(dist('fuzz-record.js')) : {};
    const value = { a: 1, key: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', list: [1, 2] };

    it('a duplicated key parses to the original only when the original comes last', () => {
      const same = applyText(value, { kind: 'duplicate-key', pick: 0, junkFirst: true });
      assert.equal(same.meaning, 'same');
      assert.ok(sameJson(JSON.parse(same.text), value));
      const changed = applyText(value, { kind: 'duplicate-key', pick: 0, junkFirst: false });
      assert.equal(changed.meaning, 'changed');
      assert.ok(!sameJson(JSON.parse(changed.text), value));
    });
    it('a flipped trailing base64url bit changes the text, 1e400 is written as such', () => {
      const t = applyText(value, { kind: 'base64url', pick: 0, how: 'trailing-bits' });
      assert.equal(t.meaning, 'changed');
      assert.match(t.text, /"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"/);
      assert.match(applyText(value, { kind: 'number', pick: 0, text: '1e400' }).text, /"a":1e400/);
    });
    it('byte edits do what they say', () => {
      const b = Buffer.from('abcdef');
      assert.equal(applyBytes(b, [{ kind: 'truncate', at: 3 }]).toString(), 'abc');
      assert.equal(applyBytes(b, [{ kind: 'delete', at: 1, length: 2 }]).toString(), 'adef');
      assert.equal(applyBytes(b, [{ kind: 'flip', at: 0, bit: 0 }]).toString(), '`bcdef');
      assert.deepEqual([...applyBytes(b, [{ kind: 'bom' }]).subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    });
    it('record edits: CRLF keeps every line, a deleted line is gone', () => {
      const files = new Map([['ballots.ndjson', Buffer.from('{"a":1}\n{"a":2}\n')]]);
      const crlf = applyRecordCase(files, [{ kind: 'encoding', file: 0, how: 'crlf' }]);
      assert.equal(crlf.files.get('ballots.ndjson').toString(), '{"a":1}\r\n{"a":2}\r\n');
      const deleted = applyRecordCase(files, [{ kind: 'lines', file: 0, how: 'delete', at: 1 }]);
      assert.equal(deleted.files.get('ballots.ndjson').toString(), '{"a":1}\n');
    });
  },
);
