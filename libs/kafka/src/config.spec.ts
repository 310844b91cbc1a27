// kafkaConfigFromEnv's security settings (docs/security.md): SASL/SCRAM credentials from a variable
// or a mounted file, TLS with a CA bundle and a server name, the plaintext rule, and that no
// password ever shows in the config's JSON, its inspection or an error message.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { KafkaConfigError, kafkaConfigFromEnv } from './config.js';

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

const dir = mkdtempSync(join(tmpdir(), 'hanpyo-kafka-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** SASL over TLS with the password in a variable: the usual secure setup. */
const SECURE = {
  HANPYO_KAFKA_SASL_MECHANISM: 'scram-sha-512',
  HANPYO_KAFKA_SASL_USERNAME: 'edge',
  HANPYO_KAFKA_SASL_PASSWORD: PASSWORD,
  HANPYO_KAFKA_TLS: 'true',
};

/** The config error for `env`, checked for its code, the variables it names, and no password. */
function refusal(env: Record<string, string | undefined>, ...names: string[]): string {
  let error: unknown;
  try {
    kafkaConfigFromEnv(env);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof KafkaConfigError, 'expected a KafkaConfigError');
  assert.equal(error.code, 'CONFIG_INVALID');
  assert.match(error.message, /^invalid Kafka configuration: /);
  for (const name of names) assert.ok(error.message.includes(name), `${name} in ${error.message}`);
  assert.ok(!error.message.includes(PASSWORD), 'the password is not in the message');
  return error.message;
}

describe('kafkaConfigFromEnv: security', () => {
  it('is plaintext without SASL by default', () => {
    const c = kafkaConfigFromEnv({});
    assert.equal(c.sasl, undefined);
    assert.equal(c.tls, undefined);
  });

  it('reads SCRAM-SHA-512 over TLS, the password from a variable', () => {
    const c = kafkaConfigFromEnv(SECURE);
    assert.ok(c.sasl && c.tls);
    assert.equal(c.sasl.mechanism, 'scram-sha-512');
    assert.equal(c.sasl.username, 'edge');
    assert.equal(c.sasl.password.reveal(), PASSWORD);
    assert.deepEqual(c.tls, {});
    assert.ok(Object.isFrozen(c.sasl) && Object.isFrozen(c.tls));
  });

  it('takes SCRAM-SHA-256, in any case', () => {
    const c = kafkaConfigFromEnv({ ...SECURE, HANPYO_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' });
    assert.equal(c.sasl?.mechanism, 'scram-sha-256');
  });

  it('reads the password from a mounted file, trailing newlines trimmed, inner spaces kept', () => {
    for (const [text, expected] of [
      [`${PASSWORD}\n`, PASSWORD],
      [`${PASSWORD}\r\n`, PASSWORD],
      [` ${PASSWORD} `, ` ${PASSWORD} `],
    ] as const) {
      const c = kafkaConfigFromEnv({
        ...SECURE,
        HANPYO_KAFKA_SASL_PASSWORD: undefined,
        HANPYO_KAFKA_SASL_PASSWORD_FILE: file('password', text),
      });
      assert.equal(c.sasl?.password.reveal(), expected);
    }
  });

  it('reads a CA bundle and a server name', () => {
    const c = kafkaConfigFromEnv({
      ...SECURE,
      HANPYO_KAFKA_TLS_CA_FILE: file('ca.pem', CA_PEM + CA_PEM),
      HANPYO_KAFKA_TLS_SERVERNAME: 'kafka.hanpyo.test',
    });
    assert.equal(c.tls?.ca, CA_PEM + CA_PEM);
    assert.equal(c.tls?.servername, 'kafka.hanpyo.test');
  });

  it('takes TLS without SASL, and an empty variable as unset', () => {
    const c = kafkaConfigFromEnv({
      HANPYO_KAFKA_TLS: 'true',
      HANPYO_KAFKA_SASL_MECHANISM: '',
      HANPYO_KAFKA_SASL_USERNAME: '',
      HANPYO_KAFKA_TLS_CA_FILE: '',
    });
    assert.equal(c.sasl, undefined);
    assert.deepEqual(c.tls, {});
  });

  it('never shows the password: JSON, util.inspect, string conversion', () => {
    const c = kafkaConfigFromEnv(SECURE);
    for (const text of [JSON.stringify(c), inspect(c, { depth: 10 }), String(c.sasl?.password)]) {
      assert.ok(!text.includes(PASSWORD), text);
      assert.match(text, /redacted/);
    }
  });

  it('refuses a mechanism without credentials, naming both', () => {
    refusal(
      { HANPYO_KAFKA_SASL_MECHANISM: 'scram-sha-512', HANPYO_KAFKA_TLS: 'true' },
      'HANPYO_KAFKA_SASL_USERNAME: required',
      'HANPYO_KAFKA_SASL_PASSWORD: required',
    );
  });

  it('refuses credentials without a mechanism', () => {
    refusal(
      {
        HANPYO_KAFKA_SASL_USERNAME: 'edge',
        HANPYO_KAFKA_SASL_PASSWORD: PASSWORD,
        HANPYO_KAFKA_TLS: 'true',
      },
      'HANPYO_KAFKA_SASL_USERNAME: set, but HANPYO_KAFKA_SASL_MECHANISM is not',
      'HANPYO_KAFKA_SASL_PASSWORD: set, but HANPYO_KAFKA_SASL_MECHANISM is not',
    );
  });

  it('refuses a password given both ways', () => {
    refusal(
      { ...SECURE, HANPYO_KAFKA_SASL_PASSWORD_FILE: file('both', PASSWORD) },
      'HANPYO_KAFKA_SASL_PASSWORD, HANPYO_KAFKA_SASL_PASSWORD_FILE: set exactly one',
    );
  });

  it('refuses an unreadable or empty password file, naming the path and the reason', () => {
    const base = { ...SECURE, HANPYO_KAFKA_SASL_PASSWORD: undefined };
    const missing = join(dir, 'no-such-file');
    refusal({ ...base, HANPYO_KAFKA_SASL_PASSWORD_FILE: missing }, missing, 'ENOENT');
    refusal({ ...base, HANPYO_KAFKA_SASL_PASSWORD_FILE: dir }, 'EISDIR');
    refusal({ ...base, HANPYO_KAFKA_SASL_PASSWORD_FILE: file('empty', '\n') }, 'is empty');
    if (process.getuid?.() !== 0) {
      // root reads a file of mode 000 all the same
      const locked = file('locked', PASSWORD);
      chmodSync(locked, 0o000);
      refusal({ ...base, HANPYO_KAFKA_SASL_PASSWORD_FILE: locked }, 'EACCES');
    }
  });

  it('refuses SASL without TLS unless HANPYO_KAFKA_ALLOW_PLAINTEXT_SASL=true', () => {
    const plaintext = { ...SECURE, HANPYO_KAFKA_TLS: 'false' };
    refusal(plaintext, 'SASL without TLS is refused', 'HANPYO_KAFKA_ALLOW_PLAINTEXT_SASL=true');
    refusal({ ...SECURE, HANPYO_KAFKA_TLS: undefined }, 'SASL without TLS is refused');
    const c = kafkaConfigFromEnv({ ...plaintext, HANPYO_KAFKA_ALLOW_PLAINTEXT_SASL: 'true' });
    assert.equal(c.sasl?.username, 'edge');
    assert.equal(c.tls, undefined);
  });

  it('refuses a CA file or server name without TLS', () => {
    refusal(
      {
        HANPYO_KAFKA_TLS_CA_FILE: file('ca-no-tls.pem', CA_PEM),
        HANPYO_KAFKA_TLS_SERVERNAME: 'a.b',
      },
      'HANPYO_KAFKA_TLS_CA_FILE: set, but HANPYO_KAFKA_TLS is not true',
      'HANPYO_KAFKA_TLS_SERVERNAME: set, but HANPYO_KAFKA_TLS is not true',
    );
  });

  it('refuses a CA file that is missing, not PEM, or a broken certificate', () => {
    const tls = { HANPYO_KAFKA_TLS: 'true' };
    refusal({ ...tls, HANPYO_KAFKA_TLS_CA_FILE: join(dir, 'nope.pem') }, 'ENOENT');
    refusal(
      { ...tls, HANPYO_KAFKA_TLS_CA_FILE: file('key.pem', '-----BEGIN PRIVATE KEY-----\n') },
      'holds no PEM certificate',
    );
    const broken = CA_PEM.replace('MIIB', 'MIIA');
    refusal(
      { ...tls, HANPYO_KAFKA_TLS_CA_FILE: file('broken.pem', broken) },
      'certificate 1 of',
      'does not parse',
    );
  });

  it('refuses a mechanism, flag or server name it does not know', () => {
    refusal({ ...SECURE, HANPYO_KAFKA_SASL_MECHANISM: 'plain' }, 'HANPYO_KAFKA_SASL_MECHANISM');
    refusal({ ...SECURE, HANPYO_KAFKA_TLS: 'yes' }, 'HANPYO_KAFKA_TLS');
    refusal({ ...SECURE, HANPYO_KAFKA_ALLOW_PLAINTEXT_SASL: '1' }, 'HANPYO_KAFKA_ALLOW_PLAINTEXT');
    refusal(
      { ...SECURE, HANPYO_KAFKA_TLS_SERVERNAME: 'not a name' },
      'HANPYO_KAFKA_TLS_SERVERNAME: expected a DNS name',
    );
  });

  it('lists every problem at once', () => {
    const message = refusal(
      {
        HANPYO_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        HANPYO_KAFKA_TLS_SERVERNAME: 'kafka.hanpyo.test',
        HANPYO_KAFKA_REPLICATION_FACTOR: '1',
        HANPYO_KAFKA_MIN_INSYNC_REPLICAS: '2',
      },
      'HANPYO_KAFKA_MIN_INSYNC_REPLICAS exceeds',
      'HANPYO_KAFKA_SASL_USERNAME',
      'HANPYO_KAFKA_TLS_SERVERNAME',
      'SASL without TLS',
    );
    assert.equal(message.split('; ').length, 5, message);
  });
});

describe('kafkaConfigFromEnv: production profile', () => {
  it('refuses RF 1 and min ISR 1 in production with PROFILE_REFUSED naming both', () => {
    assert.throws(
      () => kafkaConfigFromEnv({ HANPYO_PROFILE: 'production' }),
      (e: unknown) =>
        (e as { code?: unknown }).code === 'PROFILE_REFUSED' &&
        /HANPYO_KAFKA_REPLICATION_FACTOR is 1/.test((e as Error).message) &&
        /HANPYO_KAFKA_MIN_INSYNC_REPLICAS is 1/.test((e as Error).message),
    );
  });

  it('takes RF 3 and min ISR 2 in production, and the defaults in development', () => {
    const c = kafkaConfigFromEnv({
      HANPYO_PROFILE: 'production',
      HANPYO_KAFKA_REPLICATION_FACTOR: '3',
      HANPYO_KAFKA_MIN_INSYNC_REPLICAS: '2',
    });
    assert.equal(c.profile, 'production');
    assert.equal(kafkaConfigFromEnv({}).profile, 'development');
  });
});
