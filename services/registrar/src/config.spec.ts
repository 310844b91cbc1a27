// The registrar's credentials configuration: a credentials file or (outside production) the dev
// admin token, and the dev admin token refused in the production profile.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@hanpyo/service-kit';
import { registrarConfig } from './config.js';

const base = {
  HANPYO_REGISTRAR_KEY_SEED: '11'.repeat(32),
  HANPYO_REGISTRAR_NULLIFIER_SECRET: '22'.repeat(32),
};

describe('registrar credentials config', () => {
  it('takes a credentials file, the dev admin token, or both', () => {
    assert.equal(
      registrarConfig({ ...base, HANPYO_REGISTRAR_CREDENTIALS_FILE: '/x.json' })
        .HANPYO_REGISTRAR_CREDENTIALS_FILE,
      '/x.json',
    );
    assert.equal(
      registrarConfig({ ...base, HANPYO_REGISTRAR_ADMIN_TOKEN: 'a'.repeat(16) }).HANPYO_PROFILE,
      'development',
    );
  });

  it('needs one of them', () => {
    assert.throws(() => registrarConfig(base), /HANPYO_REGISTRAR_CREDENTIALS_FILE: required/);
  });

  it('refuses the dev admin token when HANPYO_PROFILE=production', () => {
    assert.throws(
      () =>
        registrarConfig({
          ...base,
          HANPYO_PROFILE: 'production',
          HANPYO_REGISTRAR_ADMIN_TOKEN: 'a'.repeat(16),
          HANPYO_REGISTRAR_CREDENTIALS_FILE: '/x.json',
        }),
      (e: unknown) =>
        e instanceof ConfigError && /refused when HANPYO_PROFILE=production/.test(e.message),
    );
  });
});
