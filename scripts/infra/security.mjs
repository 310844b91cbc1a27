// The TLS material and credentials of a secured local pair (HANPYO_INFRA_SECURE=true): a CA made
// for this infra directory alone, a server certificate for each of Kafka and Cassandra signed by it
// (PKCS#12 keystores), and generated passwords. Made once with openssl into <infra dir>/security/
// (mode 0700; never in git: .infra/ is ignored and the tests use a temporary directory). The CA's
// key and the servers' loose keys are deleted once the keystores exist: nothing else is ever signed.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { InfraError } from './config.mjs';
import { run } from './proc.mjs';

/** The name in each server certificate besides localhost and 127.0.0.1 (for TLS_SERVERNAME). */
export const SERVER_NAMES = Object.freeze({
  kafka: 'kafka.hanpyo.test',
  cassandra: 'cassandra.hanpyo.test',
});

const CREDENTIALS = 'credentials.json';
const DAYS = 825;

const OPENSSL_CONFIG = `# Written by scripts/infra/security.mjs; independent of the system's openssl.cnf.
[req]
distinguished_name = dn
prompt = no
[dn]
CN = hanpyo local CA
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
${Object.entries(SERVER_NAMES)
  .map(
    ([server, name]) => `[${server}]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:${name},DNS:localhost,IP:127.0.0.1
`,
  )
  .join('')}`;

const password = () => randomBytes(18).toString('hex');

async function openssl(dir, args, env) {
  const r = await run('openssl', args, dir, env).catch((error) => {
    throw new InfraError(
      'START_FAILED',
      `openssl does not run (${error.message}); a secured pair needs it (Debian: apt-get install openssl)`,
    );
  });
  if (r.code !== 0)
    throw new InfraError(
      'START_FAILED',
      `openssl ${args[0]} failed (exit ${r.code}) in ${dir}:\n${r.output.trim().split('\n').slice(-10).join('\n')}`,
    );
}

/** Makes the CA, both servers' keystores and the passwords into `dir` (which must not hold them). */
async function generate(dir, users) {
  const storePassword = password();
  writeFileSync(join(dir, 'openssl.cnf'), OPENSSL_CONFIG);
  // Every file is named relative to `dir` (the commands run there), so splitting on spaces is safe.
  const sh = (command, env) => openssl(dir, command.split(' '), env);
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  await sh(
    `req -x509 -config openssl.cnf -extensions ca ${ec} -keyout ca.key -out ca.pem -days ${DAYS}`,
  );
  for (const [server, name] of Object.entries(SERVER_NAMES)) {
    await sh(
      `req -new -config openssl.cnf -subj /CN=${name} ${ec} -keyout ${server}.key -out ${server}.csr`,
    );
    await sh(
      `x509 -req -in ${server}.csr -CA ca.pem -CAkey ca.key -set_serial 0x${randomBytes(16).toString('hex')} ` +
        `-days ${DAYS} -extfile openssl.cnf -extensions ${server} -out ${server}.pem`,
    );
    // The password from the environment, not the command line.
    await sh(
      `pkcs12 -export -in ${server}.pem -inkey ${server}.key -certfile ca.pem -name ${server} ` +
        `-out ${server}.p12 -passout env:HANPYO_STORE_PASSWORD`,
      { HANPYO_STORE_PASSWORD: storePassword },
    );
    for (const f of [`${server}.key`, `${server}.csr`]) rmSync(join(dir, f));
  }
  for (const f of ['ca.key', 'openssl.cnf']) rmSync(join(dir, f));
  return {
    caFile: join(dir, 'ca.pem'),
    storePassword,
    kafka: {
      keystore: join(dir, 'kafka.p12'),
      serverName: SERVER_NAMES.kafka,
      admin: { username: 'admin', password: password() },
      users: Object.fromEntries(users.map((u) => [u, password()])),
    },
    cassandra: {
      keystore: join(dir, 'cassandra.p12'),
      serverName: SERVER_NAMES.cassandra,
      // Cassandra's own default superuser, created at first start; the local pair keeps it.
      superuser: { username: 'cassandra', password: 'cassandra' },
    },
  };
}

function save(dir, material) {
  const file = join(dir, CREDENTIALS);
  writeFileSync(`${file}.partial`, `${JSON.stringify(material, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.partial`, file);
}

/** The secured pair's material and credentials, as `ensureSecurity` left them (or undefined). */
export function readSecurity(config) {
  try {
    return JSON.parse(readFileSync(join(config.securityDir, CREDENTIALS), 'utf8'));
  } catch {
    return undefined;
  }
}

/** One run per security directory at a time, in this process. */
const making = new Map();

/**
 * The material of this infra directory's secured pair, made on first use; a Kafka user named in
 * HANPYO_INFRA_KAFKA_USERS for the first time gets its password here. Both servers' `prepare` call
 * it at once: they share one run.
 */
export function ensureSecurity(config, log) {
  const dir = config.securityDir;
  const pending = making.get(dir);
  if (pending) return pending;
  const run = (async () => {
    const users = config.servers.kafka.users;
    let material = readSecurity(config);
    if (material === undefined) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      log(`security: making a CA and server keystores in ${dir}`);
      material = await generate(dir, users);
      save(dir, material);
    }
    const missing = users.filter((u) => !(u in material.kafka.users));
    if (missing.length > 0) {
      for (const u of missing) material.kafka.users[u] = password();
      save(dir, material);
    }
    for (const f of [material.caFile, material.kafka.keystore, material.cassandra.keystore])
      if (!existsSync(f))
        throw new InfraError(
          'CONFIG_MISMATCH',
          `security: ${f} is missing; wipe ${dir} and the data (npm run infra -- reset) to make new material`,
        );
    return material;
  })();
  making.set(dir, run);
  // Settled either way, the next `up` reads the files again (or retries a failed run).
  run.then(
    () => making.delete(dir),
    () => making.delete(dir),
  );
  return run;
}
