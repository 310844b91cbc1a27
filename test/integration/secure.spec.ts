// Kafka and Cassandra with authentication and TLS (docs/security.md), against real servers: a
// secured pair that this file starts on free ports (test/support/secure-pair.ts) and stops after.
// Kafka: a SASL_SSL listener with SCRAM and KRaft's StandardAuthorizer; a principal with the edge's
// ACLs (write the board, nothing else) produces to the board through the edge's own config, and is
// refused everywhere else; a wrong password is refused. Cassandra: PasswordAuthenticator and client
// TLS required; a role of the test's own migrates the schema through the persister's config; a
// wrong password, no credentials, no TLS, an unknown CA and another server name are refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import type { Admin, Kafka } from 'kafkajs';
import {
  MIGRATIONS,
  cassandraConfigFromEnv,
  classifyCassandraError,
  connectCassandra,
  createCassandraClient,
  execute,
  migrate,
} from '@hanpyo/cassandra';
import type { CassandraClient } from '@hanpyo/cassandra';
import { edgeConfig } from '@hanpyo/edge/config';
import {
  classifyKafkaError,
  createBoardProducer,
  createKafka,
  ensureTopics,
  kafkaConfigFromEnv,
  topicNames,
} from '@hanpyo/kafka';
import type { KafkaConfig, KafkaLogger, TopicNames } from '@hanpyo/kafka';
import { persisterConfig } from '@hanpyo/persister/dist/config.js';
import { uniqueName } from '../support/env.js';
import { SecurePair } from '../support/secure-pair.js';
import { until } from '../support/wait.js';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** Asserts that `promise` rejects with an error the adapter classifies as `code`. */
async function refusedWith(
  promise: Promise<unknown>,
  classify: (e: unknown) => { code: string; retriable: boolean; message: string },
  code: string,
  message?: RegExp,
): Promise<string> {
  let text = '';
  await assert.rejects(promise, (e: unknown) => {
    const c = classify(e);
    assert.equal(c.code, code, c.message);
    assert.equal(c.retriable, code.endsWith('_UNAVAILABLE'), c.message);
    if (message) assert.match(c.message, message);
    text = c.message;
    return true;
  });
  return text;
}

/** A logger that keeps every line, to check what reaches a log. */
function keptLog(): KafkaLogger & { text(): string } {
  const lines: string[] = [];
  const keep = (message: string, fields?: Record<string, unknown>) =>
    lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  return { warn: keep, error: keep, text: () => lines.join('\n') };
}

describe('secured Kafka and Cassandra (real servers, SASL_SSL and TLS)', () => {
  let pair: SecurePair;

  before(
    async () => {
      pair = await SecurePair.start(['edge']);
      console.log(`# secured pair up in ${pair.startSeconds.toFixed(1)} s (${pair.dir})`);
    },
    { timeout: 360_000 },
  );
  after(async () => {
    const t0 = Date.now();
    await pair?.stop();
    console.log(`# secured pair stopped and removed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  describe('Kafka: SCRAM over TLS, and ACLs like the edge’s', () => {
    const prefix = `${uniqueName('sec')}.`;
    let adminConfig: KafkaConfig;
    let admin: Admin;
    let names: TopicNames;

    /** The client variables of a principal, with the CA of the pair. */
    const env = (username: string, extra: Record<string, string | undefined> = {}) => ({
      HANPYO_KAFKA_BROKERS: pair.kafkaBrokers,
      HANPYO_KAFKA_TOPIC_PREFIX: prefix,
      HANPYO_KAFKA_TLS: 'true',
      HANPYO_KAFKA_TLS_CA_FILE: pair.credentials.caFile,
      HANPYO_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      HANPYO_KAFKA_SASL_USERNAME: username,
      HANPYO_KAFKA_SASL_PASSWORD:
        username === 'admin'
          ? pair.credentials.kafka.admin.password
          : pair.credentials.kafka.users[username],
      ...extra,
    });
    const edgeKafka = (extra: Record<string, string | undefined> = {}, logger?: KafkaLogger) =>
      createKafka(kafkaConfigFromEnv(env('edge', extra)), logger);

    before(async () => {
      adminConfig = kafkaConfigFromEnv(env('admin'));
      admin = createKafka(adminConfig).admin();
      await admin.connect();
      names = topicNames(adminConfig);
      await ensureTopics(admin, adminConfig, { partitionCount: 2 });
      // The edge's grant: WRITE on its board topic (which implies DESCRIBE), nothing else. Since
      // Kafka 3.0 an idempotent producer needs no IDEMPOTENT_WRITE on the cluster (KIP-679).
      const edgeAcl = {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: names.ballots,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: 'User:edge',
        host: '*',
        operation: AclOperationTypes.WRITE,
        permissionType: AclPermissionTypes.ALLOW,
      };
      await admin.createAcls({ acl: [edgeAcl] });
      // The broker's authorizer has it once it describes it (KRaft metadata, applied on its own).
      await until(
        'the edge ACL',
        async () => {
          const r = await admin.describeAcls({
            resourceType: AclResourceTypes.TOPIC,
            resourceName: names.ballots,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: 'User:edge',
            operation: AclOperationTypes.ANY,
            permissionType: AclPermissionTypes.ANY,
          });
          return r.resources.length === 1;
        },
        10_000,
      );
    });
    after(async () => {
      await admin?.disconnect();
    });

    const boardOffsets = async () =>
      Object.fromEntries(
        (await admin.fetchTopicOffsets(names.ballots)).map((p) => [p.partition, p.high]),
      );

    it('the edge’s principal writes to the board over TLS, by the edge’s own config (SCRAM-SHA-512, password from a mounted file)', async () => {
      const config = edgeConfig({
        ...env('edge', {
          HANPYO_KAFKA_SASL_PASSWORD: undefined,
          HANPYO_KAFKA_SASL_PASSWORD_FILE: pair.secretFile(
            'kafka-edge',
            pair.credentials.kafka.users.edge!,
          ),
        }),
        HANPYO_EDGE_KEY_SEED: '11'.repeat(32),
      });
      assert.equal(config.kafka.sasl?.username, 'edge');
      const producer = createBoardProducer(createKafka(config.kafka));
      await producer.connect();
      try {
        const [written] = await producer.send({
          topic: names.ballots,
          acks: -1,
          messages: [{ partition: 0, key: 'nullifier', value: 'an entry' }],
        });
        assert.equal(written?.baseOffset, '0');
      } finally {
        await producer.disconnect();
      }
      assert.deepEqual(await boardOffsets(), { 0: '1', 1: '0' });
    });

    it('SCRAM-SHA-256 works as well', async () => {
      const producer = createBoardProducer(
        edgeKafka({ HANPYO_KAFKA_SASL_MECHANISM: 'scram-sha-256' }),
      );
      await producer.connect();
      try {
        await producer.send({ topic: names.ballots, messages: [{ partition: 1, value: 'x' }] });
      } finally {
        await producer.disconnect();
      }
      assert.deepEqual(await boardOffsets(), { 0: '1', 1: '1' });
    });

    it('and it is refused everything else: other topics unseen and unwritable, no topic created, the board unreadable', async () => {
      const kafka: Kafka = edgeKafka();
      const edgeAdmin = kafka.admin();
      await edgeAdmin.connect();
      const producer = createBoardProducer(kafka);
      await producer.connect();
      try {
        // Metadata shows only what the principal may describe.
        assert.deepEqual(await edgeAdmin.listTopics(), [names.ballots]);
        await refusedWith(
          producer.send({ topic: names.blocks, messages: [{ partition: 0, value: 'forged' }] }),
          classifyKafkaError,
          'KAFKA_NOT_AUTHORIZED',
          /Not authorized/,
        );
        await refusedWith(
          edgeAdmin.createTopics({ topics: [{ topic: `${prefix}elsewhere` }] }),
          classifyKafkaError,
          'KAFKA_NOT_AUTHORIZED',
        );
        // Reading needs a group, which the edge may not use: kafkajs reports the broker's
        // GROUP_AUTHORIZATION_FAILED as "Failed to find group coordinator".
        const consumer = kafka.consumer({
          groupId: uniqueName('edge-reads-'),
          retry: { retries: 0, restartOnFailure: () => Promise.resolve(false) },
        });
        let received = 0;
        const crashed = new Promise<Error>((resolve) =>
          consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error)),
        );
        try {
          await consumer.connect();
          await consumer.subscribe({ topics: [names.ballots], fromBeginning: true });
          await consumer.run({
            eachMessage: () => {
              received++;
              return Promise.resolve();
            },
          });
          assert.match((await crashed).message, /group coordinator/);
        } finally {
          await consumer.disconnect();
        }
        assert.equal(received, 0);
        assert.deepEqual(await boardOffsets(), { 0: '1', 1: '1' }, 'nothing more was written');
      } finally {
        await producer.disconnect();
        await edgeAdmin.disconnect();
      }
    });

    it('a wrong password is refused at once: KAFKA_AUTHENTICATION_FAILED, not retriable, no password in the error or the log', async () => {
      const log = keptLog();
      const wrong = 'not-the-password-4c1d';
      const producer = createBoardProducer(edgeKafka({ HANPYO_KAFKA_SASL_PASSWORD: wrong }, log));
      const t0 = Date.now();
      const message = await refusedWith(
        producer.connect(),
        classifyKafkaError,
        'KAFKA_AUTHENTICATION_FAILED',
        /SASL SCRAM SHA512 authentication failed: .*invalid credentials/,
      );
      // A non-retriable error: kafkajs does not go through its retries (seconds) first.
      assert.ok(Date.now() - t0 < 5_000, `refused after ${Date.now() - t0} ms`);
      for (const secret of [wrong, pair.credentials.kafka.users.edge!]) {
        assert.ok(!message.includes(secret));
        assert.ok(!log.text().includes(secret), 'a password reached the log');
      }
      assert.match(log.text(), /authentication failed/);
    });

    it('the broker’s certificate is checked against the CA and HANPYO_KAFKA_TLS_SERVERNAME', async () => {
      const named = edgeKafka({ HANPYO_KAFKA_TLS_SERVERNAME: pair.credentials.kafka.serverName });
      const ok = named.admin();
      await ok.connect();
      await ok.disconnect();
      // Another name: the handshake fails on the name, so the certificate was verified. A
      // connection error is retriable to kafkajs, which retries for some seconds first.
      const misnamed = edgeKafka({ HANPYO_KAFKA_TLS_SERVERNAME: 'elsewhere.hanpyo.test' }).admin();
      await refusedWith(
        misnamed.connect(),
        classifyKafkaError,
        'KAFKA_UNAVAILABLE',
        /does not match certificate's altnames/,
      );
    });
  });

  describe('Cassandra: PasswordAuthenticator, TLS required', () => {
    const role = uniqueName('it_role_');
    const rolePassword = `pw-${uniqueName('')}`;
    const keyspace = uniqueName('it_sec_');
    let superuser: CassandraClient;

    const env = (extra: Record<string, string | undefined> = {}) => ({
      HANPYO_CASSANDRA_CONTACT_POINTS: pair.cassandraContactPoint,
      HANPYO_CASSANDRA_KEYSPACE: keyspace,
      HANPYO_CASSANDRA_TLS: 'true',
      HANPYO_CASSANDRA_TLS_CA_FILE: pair.credentials.caFile,
      HANPYO_CASSANDRA_USERNAME: role,
      HANPYO_CASSANDRA_PASSWORD: rolePassword,
      ...extra,
    });
    /** Connects with `extra` over the defaults, and closes again; resolves once connected. */
    const connectWith = async (extra: Record<string, string | undefined>) => {
      const client = createCassandraClient(cassandraConfigFromEnv(env(extra)));
      try {
        await connectCassandra(client);
      } finally {
        await client.shutdown();
      }
    };

    before(async () => {
      const su = pair.credentials.cassandra.superuser;
      // The node creates its default superuser just after it starts listening.
      superuser = await until(
        'the default superuser',
        async () => {
          const client = createCassandraClient(
            cassandraConfigFromEnv(
              env({
                HANPYO_CASSANDRA_USERNAME: su.username,
                HANPYO_CASSANDRA_PASSWORD: su.password,
              }),
            ),
          );
          try {
            await connectCassandra(client);
            return client;
          } catch (e) {
            await client.shutdown();
            if (classifyCassandraError(e).code === 'CASSANDRA_AUTHENTICATION_FAILED') return false;
            throw e;
          }
        },
        60_000,
      );
      // A role like a service's: it may log in and create keyspaces (and owns what it creates).
      await superuser.execute(
        `CREATE ROLE ${role} WITH PASSWORD = '${rolePassword}' AND LOGIN = true`,
      );
      await superuser.execute(`GRANT CREATE ON ALL KEYSPACES TO ${role}`);
    });
    after(async () => {
      await superuser?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => undefined);
      await superuser?.shutdown();
    });

    it('a role connects over TLS by the persister’s own config (password from a mounted file) and migrates the schema', async () => {
      const config = persisterConfig(
        env({
          HANPYO_CASSANDRA_PASSWORD: undefined,
          HANPYO_CASSANDRA_PASSWORD_FILE: pair.secretFile('cassandra-role', rolePassword),
        }),
      ).cassandra;
      const client = createCassandraClient(config);
      try {
        await connectCassandra(client);
        const report = await migrate(client, config);
        assert.deepEqual(
          report.applied,
          MIGRATIONS.map((m) => m.version),
        );
        const rows = await execute(client, config, 'SELECT version FROM {ks}.schema_migrations');
        assert.equal(rows.rowLength, MIGRATIONS.length);
        // The session is the role's: what it was not granted, it may not do.
        await refusedWith(
          execute(client, config, 'SELECT role FROM system_auth.roles'),
          classifyCassandraError,
          'CASSANDRA_NOT_AUTHORIZED',
          new RegExp(`User ${role} has no SELECT permission`),
        );
      } finally {
        await client.shutdown();
      }
    });

    it('a wrong password, or none, is CASSANDRA_AUTHENTICATION_FAILED (not retriable, no password in the error)', async () => {
      const wrong = 'not-the-password-77e2';
      const message = await refusedWith(
        connectWith({ HANPYO_CASSANDRA_PASSWORD: wrong }),
        classifyCassandraError,
        'CASSANDRA_AUTHENTICATION_FAILED',
        /username .* and\/or password are incorrect/,
      );
      assert.ok(!message.includes(wrong) && !message.includes(rolePassword));
      await refusedWith(
        connectWith({ HANPYO_CASSANDRA_USERNAME: undefined, HANPYO_CASSANDRA_PASSWORD: undefined }),
        classifyCassandraError,
        'CASSANDRA_AUTHENTICATION_FAILED',
        /requires authentication/,
      );
    });

    it('a client without TLS is refused (once plaintext is allowed on purpose on the client side)', async () => {
      await refusedWith(
        connectWith({
          HANPYO_CASSANDRA_TLS: 'false',
          HANPYO_CASSANDRA_TLS_CA_FILE: undefined,
          HANPYO_CASSANDRA_ALLOW_PLAINTEXT_AUTH: 'true',
        }),
        classifyCassandraError,
        'CASSANDRA_UNAVAILABLE',
      );
    });

    it('the node’s certificate is checked: Node’s default CAs or another name are refused, HANPYO_CASSANDRA_TLS_SERVERNAME accepted', async () => {
      await refusedWith(
        connectWith({ HANPYO_CASSANDRA_TLS_CA_FILE: undefined }),
        classifyCassandraError,
        'CASSANDRA_UNAVAILABLE',
        /self-signed certificate in certificate chain/,
      );
      await refusedWith(
        connectWith({ HANPYO_CASSANDRA_TLS_SERVERNAME: 'elsewhere.hanpyo.test' }),
        classifyCassandraError,
        'CASSANDRA_UNAVAILABLE',
        /does not match certificate's altnames/,
      );
      await connectWith({ HANPYO_CASSANDRA_TLS_SERVERNAME: pair.credentials.cassandra.serverName });
    });
  });
});
