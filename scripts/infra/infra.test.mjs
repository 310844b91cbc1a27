// Unit tests of scripts/infra that need no java: configuration, templates, probes (against fake
// servers on ephemeral ports), port checks, log tails. The servers themselves are exercised by
// the integration tier.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { InfraError, REPO_ROOT, loadConfig, serverNames } from './config.mjs';
import { tailLines } from './lib.mjs';
import { probeCassandra, probeKafka, tcpOpen } from './probe.mjs';
import { describeCommand, isPortFree } from './proc.mjs';
import { ensureSecurity } from './security.mjs';
import { readJvmOptions, render } from './servers.mjs';

/** A TCP server on an ephemeral loopback port answering each request with `reply(request)`. */
async function fakeServer(reply) {
  const server = createServer((socket) => {
    socket.once('data', (request) => {
      const answer = reply(request);
      if (answer) socket.write(answer);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.infraDir, join(REPO_ROOT, '.infra'));
    assert.deepEqual(c.servers.kafka.ports, {
      HANPYO_KAFKA_PORT: 9092,
      HANPYO_KAFKA_CONTROLLER_PORT: 9093,
    });
    assert.deepEqual(c.servers.cassandra.ports, {
      HANPYO_CASSANDRA_PORT: 9042,
      HANPYO_CASSANDRA_STORAGE_PORT: 7000,
      HANPYO_CASSANDRA_JMX_PORT: 7199,
    });
    assert.equal(c.servers.kafka.heap, '512m');
    assert.equal(c.servers.cassandra.heap, '1g');
    assert.equal(c.servers.cassandra.dataDir, join(REPO_ROOT, '.infra', 'data', 'cassandra'));
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.servers.kafka));
  });

  it('takes ports, heaps and directories from the environment', () => {
    const c = loadConfig({
      HANPYO_INFRA_DIR: '/tmp/x',
      HANPYO_KAFKA_PORT: '19092',
      HANPYO_CASSANDRA_HEAP: '2G',
      HANPYO_INFRA_START_TIMEOUT: '5',
    });
    assert.equal(c.servers.kafka.port, 19092);
    assert.equal(c.servers.kafka.dataDir, '/tmp/x/data/kafka');
    assert.equal(c.servers.kafka.pidFile, '/tmp/x/run/kafka.pid');
    assert.equal(c.servers.cassandra.heap, '2g');
    assert.equal(c.servers.cassandra.startTimeoutMs, 5000);
  });

  for (const [name, value] of [
    ['HANPYO_KAFKA_PORT', 'abc'],
    ['HANPYO_KAFKA_PORT', '70000'],
    ['HANPYO_CASSANDRA_HEAP', '1.5g'],
    ['HANPYO_INFRA_START_TIMEOUT', '-1'],
  ])
    it(`refuses ${name}=${value}`, () =>
      assert.throws(
        () => loadConfig({ [name]: value }),
        (e) => e instanceof InfraError && e.code === 'CONFIG_INVALID' && e.message.includes(name),
      ));

  it('is plaintext by default; HANPYO_INFRA_SECURE=true secures both servers', () => {
    const plain = loadConfig({});
    assert.equal(plain.secure, false);
    assert.equal(plain.servers.kafka.secure, false);
    assert.deepEqual(plain.servers.kafka.users, []);
    const c = loadConfig({
      HANPYO_INFRA_DIR: '/tmp/s',
      HANPYO_INFRA_SECURE: 'true',
      HANPYO_INFRA_KAFKA_USERS: 'ledger, edge,edge',
    });
    assert.equal(c.servers.cassandra.secure, true);
    assert.equal(c.servers.kafka.securityDir, '/tmp/s/security');
    assert.deepEqual(c.servers.kafka.users, ['edge', 'ledger']);
  });

  it('takes the jar cache from HANPYO_INFRA_JARS_DIR, the rest from HANPYO_INFRA_DIR', () => {
    const c = loadConfig({ HANPYO_INFRA_DIR: '/tmp/s', HANPYO_INFRA_JARS_DIR: '/tmp/j' });
    assert.equal(c.servers.kafka.libDir, '/tmp/j/kafka/lib');
    assert.equal(c.servers.kafka.confDir, '/tmp/s/kafka/conf');
    assert.equal(c.servers.cassandra.dataDir, '/tmp/s/data/cassandra');
    assert.equal(
      loadConfig({ HANPYO_INFRA_DIR: '/tmp/s' }).servers.kafka.libDir,
      '/tmp/s/kafka/lib',
    );
  });

  for (const [env, pattern] of [
    [{ HANPYO_INFRA_SECURE: 'yes' }, /HANPYO_INFRA_SECURE=yes/],
    [{ HANPYO_INFRA_KAFKA_USERS: 'edge' }, /needs HANPYO_INFRA_SECURE=true/],
    [{ HANPYO_INFRA_SECURE: 'true', HANPYO_INFRA_KAFKA_USERS: 'admin' }, /'admin'/],
    [{ HANPYO_INFRA_SECURE: 'true', HANPYO_INFRA_KAFKA_USERS: 'a b' }, /'a b'/],
  ])
    it(`refuses ${JSON.stringify(env)}`, () =>
      assert.throws(
        () => loadConfig(env),
        (e) => e instanceof InfraError && e.code === 'CONFIG_INVALID' && pattern.test(e.message),
      ));

  it('refuses two servers on one port', () =>
    assert.throws(
      () => loadConfig({ HANPYO_CASSANDRA_PORT: '9092' }),
      (e) => e.code === 'CONFIG_INVALID' && /HANPYO_KAFKA_PORT/.test(e.message),
    ));
});

describe('serverNames', () => {
  it('defaults to both, in start order, and rejects unknown names', () => {
    assert.deepEqual(serverNames(undefined), ['kafka', 'cassandra']);
    // An empty list is nothing: stopping "what this run started" when it started nothing.
    assert.deepEqual(serverNames([]), []);
    assert.deepEqual(serverNames(['cassandra', 'kafka']), ['kafka', 'cassandra']);
    assert.throws(
      () => serverNames(['zookeeper']),
      (e) => e.code === 'USAGE',
    );
  });
});

describe('templates', () => {
  it('fill every placeholder of the shipped templates and leave none behind', () => {
    const values = {
      PORT: 1,
      CONTROLLER_PORT: 2,
      STORAGE_PORT: 3,
      DATA_DIR: '/d',
      CLIENT_PROTOCOL: 'SASL_SSL',
      CONTROLLER_PROTOCOL: 'SASL_SSL',
      ADMIN_PASSWORD: 'p',
      KEYSTORE: '/k.p12',
      STORE_PASSWORD: 's',
      CA_FILE: '/ca.pem',
      // A cluster node's (server-cluster.properties, cassandra-cluster.yaml, cassandra-rackdc).
      NODE_ID: 2,
      HOST: '127.0.0.3',
      QUORUM_VOTERS: '1@127.0.0.2:2',
      REPLICATION_FACTOR: 3,
      MIN_INSYNC_REPLICAS: 2,
      SEEDS: '127.0.0.2:3',
      DATACENTER: 'dc1',
      RACK: 'r2',
    };
    for (const server of ['kafka', 'cassandra'])
      for (const file of readdirSync(join(REPO_ROOT, 'infra', server))) {
        if (file === 'pom.xml' || file === 'jvm.options') continue;
        const text = readFileSync(join(REPO_ROOT, 'infra', server, file), 'utf8');
        assert.doesNotMatch(render(text, values, file), /\{\{/, `${server}/${file}`);
      }
  });

  it('reject an unknown placeholder', () =>
    assert.throws(() => render('a={{NOPE}}', {}, 'x'), /unknown \{\{NOPE\}\}/));

  it('jvm.options files are flags only', () => {
    for (const server of ['kafka', 'cassandra']) {
      const flags = readJvmOptions(join(REPO_ROOT, 'infra', server, 'jvm.options'));
      assert.ok(flags.length > 5);
      for (const f of flags) assert.match(f, /^-\S+$/, `${server}: ${f}`);
    }
  });
});

describe('probes', () => {
  it('Kafka: accepts an ApiVersions reply carrying our correlation id', async () => {
    const fake = await fakeServer((req) => {
      assert.equal(req.readInt16BE(4), 18); // api_key ApiVersions
      const reply = Buffer.alloc(10);
      reply.writeInt32BE(6, 0);
      req.copy(reply, 4, 8, 12); // echo the correlation id
      reply.writeInt16BE(0, 8);
      return reply;
    });
    try {
      assert.equal(await probeKafka(fake.port), true);
    } finally {
      await fake.close();
    }
  });

  it('Kafka: rejects a reply with another correlation id', async () => {
    const fake = await fakeServer(() => Buffer.alloc(10));
    try {
      assert.equal(await probeKafka(fake.port), false);
    } finally {
      await fake.close();
    }
  });

  it('Cassandra: accepts SUPPORTED, rejects anything else', async () => {
    const supported = await fakeServer(() => Buffer.from([0x84, 0, 0, 1, 0x06, 0, 0, 0, 0]));
    const error = await fakeServer(() => Buffer.from([0x84, 0, 0, 1, 0x00, 0, 0, 0, 0]));
    try {
      assert.equal(await probeCassandra(supported.port), true);
      assert.equal(await probeCassandra(error.port), false);
    } finally {
      await supported.close();
      await error.close();
    }
  });

  it('time out on a silent server and fail on a closed port', async () => {
    const silent = await fakeServer(() => undefined);
    const closed = await fakeServer(() => undefined);
    await closed.close();
    try {
      assert.equal(await probeKafka(silent.port, 200), false);
      assert.equal(await probeCassandra(closed.port, 200), false);
      assert.equal(await tcpOpen(silent.port), true);
      assert.equal(await tcpOpen(closed.port), false);
    } finally {
      await silent.close();
    }
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('security material (openssl)', { skip: !hasOpenssl && 'openssl is not installed' }, () => {
  it('makes a CA and keystores once, keeps passwords, adds a new user, leaves no loose key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hanpyo-infra-security-'));
    const quiet = () => undefined;
    try {
      const env = { HANPYO_INFRA_DIR: dir, HANPYO_INFRA_SECURE: 'true' };
      const first = await ensureSecurity(
        loadConfig({ ...env, HANPYO_INFRA_KAFKA_USERS: 'edge' }),
        quiet,
      );
      const security = join(dir, 'security');
      assert.equal(statSync(security).mode & 0o777, 0o700);
      assert.equal(statSync(join(security, 'credentials.json')).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(security).sort(), [
        'ca.pem',
        'cassandra.p12',
        'cassandra.pem',
        'credentials.json',
        'kafka.p12',
        'kafka.pem',
      ]);
      assert.match(first.kafka.users.edge, /^[0-9a-f]{36}$/);
      const again = await ensureSecurity(
        loadConfig({ ...env, HANPYO_INFRA_KAFKA_USERS: 'edge,ledger' }),
        quiet,
      );
      assert.equal(again.storePassword, first.storePassword);
      assert.equal(again.kafka.users.edge, first.kafka.users.edge);
      assert.match(again.kafka.users.ledger, /^[0-9a-f]{36}$/);
      assert.equal(readFileSync(again.caFile, 'utf8'), readFileSync(first.caFile, 'utf8'));

      // The TLS probe: answers only over a certificate that verifies against the CA.
      const server = createTlsServer(
        { pfx: readFileSync(first.kafka.keystore), passphrase: first.storePassword },
        (socket) =>
          socket.once('data', (request) => {
            const reply = Buffer.alloc(10);
            request.copy(reply, 4, 8, 12);
            socket.write(reply);
          }),
      );
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address();
      try {
        const ca = readFileSync(first.caFile);
        assert.equal(await probeKafka(port, 2000, { ca }), true);
        assert.equal(await probeKafka(port, 2000, {}), false, 'an unknown CA is no reply');
        assert.equal(await probeKafka(port), false, 'plaintext to a TLS port is no reply');
      } finally {
        await new Promise((r) => server.close(r));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ports and processes', () => {
  it('isPortFree sees a listener on 127.0.0.1', async () => {
    const fake = await fakeServer(() => undefined);
    try {
      assert.equal(await isPortFree(fake.port), false);
    } finally {
      await fake.close();
    }
    assert.equal(await isPortFree(fake.port), true);
  });

  it('describeCommand names a java main class', () => {
    assert.equal(
      describeCommand(['/usr/bin/java', '-Xmx1g', '-cp', 'a:b', 'kafka.Kafka', 'x.properties']),
      'java kafka.Kafka',
    );
    assert.equal(describeCommand(['node', 'server.js']), 'node server.js');
  });
});

describe('tailLines', () => {
  it('returns the last n lines, or nothing for a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hanpyo-infra-'));
    try {
      const file = join(dir, 'x.log');
      writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n') + '\n');
      assert.equal(tailLines(file, 3), 'line 4997\nline 4998\nline 4999');
      assert.equal(tailLines(join(dir, 'missing.log'), 3), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
