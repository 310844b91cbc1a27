// The production profile against the real servers (docs/security.md, "Production profile"): a
// service started with HANPYO_PROFILE=production and the local defaults (RF 1, min ISR 1,
// SimpleStrategy:1, consistency ONE) refuses to start with PROFILE_REFUSED naming each problem;
// existing topics and keyspaces are read back, and ones with fewer replicas or a lower min ISR than
// configured are KAFKA_TOPIC_CONFIG_MISMATCH / CASSANDRA_KEYSPACE_MISMATCH in production, and
// reported (not refused) in development.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import { createCassandraClient, migrate } from '@hanpyo/cassandra';
import type { CassandraClient } from '@hanpyo/cassandra';
import { createKafka, ensureTopics, kafkaConfigFromEnv, topicNames } from '@hanpyo/kafka';
import { testCassandraConfig, testKafkaConfig, uniqueName } from '../support/env.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs a service's main with `env`; resolves with its exit code and output once it exits. */
function runService(
  name: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'services', name, 'dist', 'main.js')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not exit within 30 s: ${output}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('production profile (real Kafka and Cassandra)', () => {
  it('a service refuses to start with weak durability, naming each problem', async () => {
    const { code, output } = await runService('ledger', {
      PATH: process.env.PATH,
      HANPYO_PROFILE: 'production',
      HANPYO_LEDGER_KEY_SEED: '11'.repeat(32),
      HANPYO_LEDGER_PORT: '0',
      HANPYO_CASSANDRA_CONSISTENCY: 'ONE',
    });
    assert.equal(code, 1, output);
    assert.match(output, /PROFILE_REFUSED/);
    assert.match(output, /HANPYO_KAFKA_REPLICATION_FACTOR is 1/);
    assert.match(output, /HANPYO_KAFKA_MIN_INSYNC_REPLICAS is 1/);
    assert.doesNotMatch(output, /"msg":"listening|Nest application successfully started/);
  });

  it('refuses a weak Cassandra setting once Kafka passes', async () => {
    const { code, output } = await runService('ledger', {
      PATH: process.env.PATH,
      HANPYO_PROFILE: 'production',
      HANPYO_LEDGER_KEY_SEED: '11'.repeat(32),
      HANPYO_LEDGER_PORT: '0',
      HANPYO_KAFKA_REPLICATION_FACTOR: '3',
      HANPYO_KAFKA_MIN_INSYNC_REPLICAS: '2',
      HANPYO_CASSANDRA_CONSISTENCY: 'ONE',
    });
    assert.equal(code, 1, output);
    assert.match(output, /PROFILE_REFUSED/);
    assert.match(output, /replication factor is 1/);
    assert.match(output, /HANPYO_CASSANDRA_CONSISTENCY is ONE/);
  });

  describe('existing topics read back', () => {
    const dev = testKafkaConfig();
    const electionId = uniqueName('dur');
    const names = topicNames(dev, electionId);
    let admin: Admin;

    before(async () => {
      admin = createKafka(dev).admin();
      await admin.connect();
      // The election's topics as a single-broker development setup made them: RF 1, min ISR 1.
      const first = await ensureTopics(admin, dev, { partitionCount: 2 }, electionId);
      assert.ok(first.every((t) => t.created && t.mismatches.length === 0));
    });
    after(async () => {
      await admin
        .deleteTopics({
          topics: [names.ballots, names.blocks, names.deadLetter],
        })
        .catch(() => undefined);
      await admin.disconnect();
    });

    /** The same deployment configured for three brokers (RF 3, min ISR 2). */
    const wanting = (profile: string) =>
      kafkaConfigFromEnv({
        ...process.env,
        HANPYO_PROFILE: profile,
        HANPYO_KAFKA_TOPIC_PREFIX: dev.topicPrefix,
        HANPYO_KAFKA_REPLICATION_FACTOR: '3',
        HANPYO_KAFKA_MIN_INSYNC_REPLICAS: '2',
      });

    it('production refuses topics with fewer replicas and a lower min ISR: KAFKA_TOPIC_CONFIG_MISMATCH', async () => {
      await assert.rejects(
        ensureTopics(admin, wanting('production'), { partitionCount: 2 }, electionId),
        (e: unknown) => {
          const err = e as { code?: unknown; problems?: string[] };
          assert.equal(err.code, 'KAFKA_TOPIC_CONFIG_MISMATCH');
          // Board, blocks and dead letters: replicas and min ISR each.
          assert.equal(err.problems?.length, 6, JSON.stringify(err.problems));
          assert.ok(err.problems?.some((p) => /has 1 replicas on a partition.*wants 3/.test(p)));
          assert.ok(err.problems?.some((p) => /min.insync.replicas 1.*wants 2/.test(p)));
          return true;
        },
      );
    });

    it('development reports the same mismatches without refusing', async () => {
      const report = await ensureTopics(
        admin,
        wanting('development'),
        { partitionCount: 2 },
        electionId,
      );
      assert.equal(report.length, 3);
      for (const t of report) {
        assert.equal(t.created, false);
        assert.equal(t.mismatches.length, 2, JSON.stringify(t.mismatches));
      }
    });
  });

  describe('an existing keyspace read back', () => {
    const dev = testCassandraConfig();
    let client: CassandraClient;

    before(async () => {
      client = createCassandraClient(dev);
      await client.connect();
      const report = await migrate(client, dev);
      assert.deepEqual(report.keyspaceMismatch, []);
    });
    after(async () => {
      await client.execute(`DROP KEYSPACE IF EXISTS ${dev.keyspace}`).catch(() => undefined);
      await client.shutdown();
    });

    it('production refuses a keyspace with fewer replicas than configured: CASSANDRA_KEYSPACE_MISMATCH', async () => {
      const wanted = {
        ...dev,
        profile: 'production' as const,
        replication: { class: 'NetworkTopologyStrategy', datacenter1: 3 },
      };
      await assert.rejects(migrate(client, wanted), (e: unknown) => {
        const err = e as { code?: unknown; problems?: string[] };
        assert.equal(err.code, 'CASSANDRA_KEYSPACE_MISMATCH');
        assert.match(err.problems?.join('; ') ?? '', /uses SimpleStrategy/);
        return true;
      });
      const report = await migrate(client, { ...wanted, profile: 'development' });
      assert.equal(report.keyspaceMismatch.length, 1);
    });
  });
});
