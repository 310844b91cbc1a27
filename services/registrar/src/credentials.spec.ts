// The registrar's credentials file parser and matcher (pure logic), and the store's re-read on a
// change of the file (rotation without a restart).
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ADMIN_TOKEN_ID,
  CredentialStore,
  CredentialsError,
  authorize,
  bearer,
  keyDigest,
  matchCredential,
  parseCredentials,
} from './credentials.js';

const file = (entries: unknown) => JSON.stringify({ credentials: entries });
const entry = (id: string, roles: string[], key: string) => ({ id, roles, sha256: keyDigest(key) });

describe('parseCredentials', () => {
  it('reads {id, roles, sha256} entries, and `role` for one role', () => {
    const list = parseCredentials(
      file([
        entry('op-1', ['operator'], 'k1'),
        { id: 'tally-1', role: 'tally', sha256: keyDigest('k2') },
      ]),
    );
    assert.deepEqual(
      list.map((c) => [c.id, c.roles]),
      [
        ['op-1', ['operator']],
        ['tally-1', ['tally']],
      ],
    );
    assert.equal(list[0]!.digest.toString('hex'), keyDigest('k1'));
  });

  const refused: [string, string, RegExp][] = [
    ['not JSON', '{', /not JSON/],
    ['no list', '{"keys": []}', /must be \{"credentials"/],
    [
      'a plaintext key',
      file([{ ...entry('a', ['operator'], 'k'), key: 'k' }]),
      /unknown field 'key'/,
    ],
    ['an unknown role', file([entry('a', ['admin'], 'k')]), /roles must be/],
    ['no roles', file([entry('a', [], 'k')]), /roles must be/],
    ['a short digest', file([{ id: 'a', roles: ['operator'], sha256: 'abc' }]), /sha256 must be/],
    [
      'an uppercase digest',
      file([{ id: 'a', roles: ['operator'], sha256: keyDigest('k').toUpperCase() }]),
      /sha256 must be/,
    ],
    [
      'a duplicate id',
      file([entry('a', ['operator'], 'k1'), entry('a', ['issuer'], 'k2')]),
      /appears twice/,
    ],
    [
      'a duplicate key',
      file([entry('a', ['operator'], 'k'), entry('b', ['issuer'], 'k')]),
      /digest appears twice/,
    ],
    ['a bad id', file([entry('a b', ['operator'], 'k')]), /id must be/],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what} with CREDENTIALS_INVALID`, () => {
      assert.throws(
        () => parseCredentials(text),
        (e: unknown) =>
          e instanceof CredentialsError &&
          e.code === 'CREDENTIALS_INVALID' &&
          message.test(e.message),
      );
    });
  }
});

describe('matchCredential and authorize', () => {
  const list = parseCredentials(
    file([
      entry('op-1', ['operator'], 'operator-key'),
      entry('op-2', ['operator'], 'operator-key-new'),
      entry('multi', ['issuer', 'tally'], 'multi-key'),
    ]),
  );

  it('finds the credential of a key, whichever of several valid keys it is', () => {
    assert.equal(matchCredential(list, 'operator-key')?.id, 'op-1');
    assert.equal(matchCredential(list, 'operator-key-new')?.id, 'op-2');
  });

  it('finds none for an unknown, empty, longer or shorter key', () => {
    for (const k of ['nope', '', 'operator-key ', 'operator-ke', keyDigest('operator-key')])
      assert.equal(matchCredential(list, k), undefined, k);
  });

  it('401 code without a valid key, 403 code with the wrong role, the role otherwise', () => {
    assert.deepEqual(authorize(list, '', ['operator']), { ok: false, code: 'ADMIN_UNAUTHORIZED' });
    const forbidden = authorize(list, 'multi-key', ['operator']);
    assert.equal(forbidden.ok, false);
    assert.equal(!forbidden.ok && forbidden.code, 'ROLE_FORBIDDEN');
    const ok = authorize(list, 'multi-key', ['tally', 'operator']);
    assert.ok(ok.ok);
    assert.equal(ok.ok && ok.role, 'tally');
    assert.equal(ok.ok && ok.credential.id, 'multi');
  });

  it('reads only a Bearer header', () => {
    assert.equal(bearer('Bearer abc'), 'abc');
    assert.equal(bearer('Basic abc'), '');
    assert.equal(bearer(undefined), '');
    assert.equal(bearer(['Bearer abc']), '');
  });
});

describe('CredentialStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hanpyo-credentials-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('re-reads a changed file (rotation), and keeps the last good set when it stops parsing', () => {
    const path = join(dir, 'credentials.json');
    writeFileSync(path, file([entry('old', ['operator'], 'old-key')]));
    let t = 0;
    const errors: string[] = [];
    const store = new CredentialStore(
      path,
      undefined,
      2000,
      (e) => errors.push(e.message),
      () => t,
    );
    const ids = () => store.current().map((c) => c.id);
    assert.deepEqual(ids(), ['old']);
    // Rename over it, as an operator's tooling would, so the change is seen whatever the mtime.
    const next = join(dir, 'next.json');
    writeFileSync(
      next,
      file([entry('old', ['operator'], 'old-key'), entry('new', ['operator'], 'new-key')]),
    );
    renameSync(next, path);
    assert.deepEqual(ids(), ['old'], 'not re-checked before pollMs');
    t += 2000;
    assert.deepEqual(ids(), ['old', 'new']);
    writeFileSync(next, file([entry('new', ['operator'], 'new-key')]));
    renameSync(next, path);
    t += 2000;
    assert.deepEqual(ids(), ['new']);
    assert.equal(matchCredential(store.current(), 'old-key'), undefined);
    writeFileSync(next, '{ half written');
    renameSync(next, path);
    t += 2000;
    assert.deepEqual(ids(), ['new']);
    assert.equal(errors.length, 1);
    assert.doesNotMatch(errors[0]!, /new-key/);
  });

  it('refuses an unreadable file at boot', () => {
    assert.throws(
      () => new CredentialStore(join(dir, 'missing.json'), undefined),
      CredentialsError,
    );
  });

  it('adds the dev admin token as one credential holding every role', () => {
    const store = new CredentialStore(undefined, 'a-long-dev-admin-token');
    const c = matchCredential(store.current(), 'a-long-dev-admin-token');
    assert.equal(c?.id, ADMIN_TOKEN_ID);
    assert.deepEqual(c?.roles, ['operator', 'issuer', 'tally', 'observer']);
  });
});
