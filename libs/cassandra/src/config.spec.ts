// cassandraConfigFromEnv's security settings (docs/security.md): PasswordAuthenticator credentials
// from a variable or a mounted file, TLS with a CA bundle and a server name, the plaintext rule,
// and that no password ever shows in the config's JSON, its inspection or an error message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { CassandraConfigError, cassandraConfigFromEnv } from './config.js';

// A self-signed CA certificate whose key was discarded when it was made: parsing is all we need.
const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUNqnC3uqdTnvehD1Ema2yt0Ix4zUwCgYIKoZIzj0EAwIw
LjEsMCoGA1UEAwwjaGFucHlvIHVuaXQtdGVzdCBDQSAoa2V5IGRpc2NhcmRlZCkw
IBcNMjYxMjAyMTAwOTUxWhgPMjEyNjExMDgxMDA5NTFaMC4xLDAqBgNVBAMMI2hh
bnB5byB1bml0LXRlc3QgQ0EgKGtleSBkaXNjYXJkZWQpMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEvvlgY5TYcpUt3HgGsVB+vowBpIq3iGHauuLzqTZ34jQusBru
QpvrB1xZ7mHF7nmWnCkOE5LhBwJZNSU9xZfAO6NTMFEwHQYDVR0OBBYEFE6o52KT
Ia1JSW+IPH01Kql3taO4MB8GA1UdIwQYMBaAFE6o52KTIa1JSW+IPH01Kql3taO4
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAO3yAQWWZgKqXVEf
T36c/nISlUfYzpSALs9M0ZQRV6c6AiBSfmWiOdBscl7NuvEalUnUhhSZAsRJ9TEN
PuzpAPMDwg==
-----END CERTIFICATE-----
`;
const PASSWORD = 'correct horse battery staple';

const dir = mkdtempSync(join(tmpdir(), 'hanpyo-cassandra-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A role's credentials over TLS: the usual secure setup. */
const SECURE = {
  HANPYO_CASSANDRA_USERNAME: 'hanpyo_edge',
  HANPYO_CASSANDRA_PASSWORD: PASSWORD,
  HANPYO_CASSANDRA_TLS: 'true',
};

/** The config error for `env`, checked for its code, the variables it names, and no password. */
function refusal(env: Record<string, string | undefined>, ...names: string[]): string {
  let error: unknown;
  try {
    cassandraConfigFromEnv(env);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof CassandraConfigError, 'expected a CassandraConfigError');
  assert.equal(error.code, 'CONFIG_INVALID');
  assert.match(error.message, /^invalid Cassandra configuration: /);
  for (const name of names) assert.ok(error.message.includes(name), `${name} in ${error.message}`);
  assert.ok(!error.message.includes(PASSWORD), 'the password is not in the message');
  return error.message;
}

describe('cassandraConfigFromEnv: security', () => {
  it('has no credentials and no TLS by default', () => {
    const c = cassandraConfigFromEnv({});
    assert.equal(c.auth, undefined);
    assert.equal(c.tls, undefined);
  });

  it('reads credentials over TLS with a CA bundle and a server name', () => {
    const c = cassandraConfigFromEnv({
      ...SECURE,
      HANPYO_CASSANDRA_TLS_CA_FILE: file('ca.pem', CA_PEM),
      HANPYO_CASSANDRA_TLS_SERVERNAME: 'cassandra.hanpyo.test',
    });
    assert.ok(c.auth && c.tls);
    assert.equal(c.auth.username, 'hanpyo_edge');
    assert.equal(c.auth.password.reveal(), PASSWORD);
    assert.equal(c.tls.ca, CA_PEM);
    assert.equal(c.tls.servername, 'cassandra.hanpyo.test');
    assert.ok(Object.isFrozen(c.auth) && Object.isFrozen(c.tls));
  });

  it('reads the password from a mounted file, the trailing newline trimmed', () => {
    const c = cassandraConfigFromEnv({
      ...SECURE,
      HANPYO_CASSANDRA_PASSWORD: '',
      HANPYO_CASSANDRA_PASSWORD_FILE: file('password', `${PASSWORD}\n`),
    });
    assert.equal(c.auth?.password.reveal(), PASSWORD);
  });

  it('takes TLS without credentials', () => {
    const c = cassandraConfigFromEnv({ HANPYO_CASSANDRA_TLS: 'true' });
    assert.equal(c.auth, undefined);
    assert.deepEqual(c.tls, {});
  });

  it('never shows the password: JSON, util.inspect, string conversion', () => {
    const c = cassandraConfigFromEnv(SECURE);
    for (const text of [JSON.stringify(c), inspect(c, { depth: 10 }), String(c.auth?.password)]) {
      assert.ok(!text.includes(PASSWORD), text);
      assert.match(text, /redacted/);
    }
  });

  it('refuses a username without a password, and a password without a username', () => {
    refusal(
      { HANPYO_CASSANDRA_USERNAME: 'hanpyo_edge', HANPYO_CASSANDRA_TLS: 'true' },
      'HANPYO_CASSANDRA_PASSWORD: required with HANPYO_CASSANDRA_USERNAME',
    );
    refusal(
      { HANPYO_CASSANDRA_PASSWORD_FILE: file('orphan', PASSWORD), HANPYO_CASSANDRA_TLS: 'true' },
      'HANPYO_CASSANDRA_PASSWORD_FILE: set, but HANPYO_CASSANDRA_USERNAME is not',
    );
  });

  it('refuses a password given both ways, or an unreadable or empty file', () => {
    refusal(
      { ...SECURE, HANPYO_CASSANDRA_PASSWORD_FILE: file('both', PASSWORD) },
      'set exactly one of the two',
    );
    const base = { ...SECURE, HANPYO_CASSANDRA_PASSWORD: undefined };
    const missing = join(dir, 'missing');
    refusal({ ...base, HANPYO_CASSANDRA_PASSWORD_FILE: missing }, missing, 'ENOENT');
    refusal({ ...base, HANPYO_CASSANDRA_PASSWORD_FILE: file('blank', '\r\n') }, 'is empty');
  });

  it('refuses a password without TLS unless HANPYO_CASSANDRA_ALLOW_PLAINTEXT_AUTH=true', () => {
    const plaintext = { ...SECURE, HANPYO_CASSANDRA_TLS: 'false' };
    refusal(plaintext, 'a password without TLS is refused', 'ALLOW_PLAINTEXT_AUTH=true');
    const c = cassandraConfigFromEnv({
      ...plaintext,
      HANPYO_CASSANDRA_ALLOW_PLAINTEXT_AUTH: 'true',
    });
    assert.equal(c.auth?.username, 'hanpyo_edge');
    assert.equal(c.tls, undefined);
  });

  it('refuses a CA file or server name without TLS, and a CA file that is not PEM', () => {
    refusal(
      {
        HANPYO_CASSANDRA_TLS_CA_FILE: file('ca-no-tls.pem', CA_PEM),
        HANPYO_CASSANDRA_TLS_SERVERNAME: 'cassandra.hanpyo.test',
      },
      'HANPYO_CASSANDRA_TLS_CA_FILE: set, but HANPYO_CASSANDRA_TLS is not true',
      'HANPYO_CASSANDRA_TLS_SERVERNAME: set, but HANPYO_CASSANDRA_TLS is not true',
    );
    refusal(
      { HANPYO_CASSANDRA_TLS: 'true', HANPYO_CASSANDRA_TLS_CA_FILE: file('text.pem', 'hello') },
      'holds no PEM certificate',
    );
    refusal({ HANPYO_CASSANDRA_TLS: 'TRUE!' }, 'HANPYO_CASSANDRA_TLS');
  });
});

describe('cassandraConfigFromEnv: production profile', () => {
  it('refuses RF 1 and consistency ONE in production with PROFILE_REFUSED naming both', () => {
    assert.throws(
      () =>
        cassandraConfigFromEnv({
          HANPYO_PROFILE: 'production',
          HANPYO_CASSANDRA_CONSISTENCY: 'ONE',
        }),
      (e: unknown) =>
        (e as { code?: unknown }).code === 'PROFILE_REFUSED' &&
        /replication factor is 1/.test((e as Error).message) &&
        /HANPYO_CASSANDRA_CONSISTENCY is ONE/.test((e as Error).message),
    );
  });

  it('takes NetworkTopologyStrategy dc1=3 with LOCAL_QUORUM in production', () => {
    const c = cassandraConfigFromEnv({
      HANPYO_PROFILE: 'production',
      HANPYO_CASSANDRA_REPLICATION: 'NetworkTopologyStrategy:dc1=3',
    });
    assert.equal(c.profile, 'production');
  });
});
