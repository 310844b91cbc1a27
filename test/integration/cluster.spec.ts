// A local three-node cluster (`npm run infra -- up --nodes 3`) of its own: three Kafka brokers and
// three Cassandra nodes on 127.0.0.2-4, in a temporary infra directory (jars shared with the usual
// one) and on ports of its own, so neither the shared single node on 127.0.0.1 nor another
// cluster is touched. A topic with RF 3 / min.insync.replicas 2 keeps taking acks=all writes with
// one broker killed (-9); a keyspace with RF 3 keeps taking LOCAL_QUORUM writes with one node
// killed; both come back. Opt-in (about 6 GiB and a few minutes): HANPYO_TEST_CLUSTER=1, which
// `npm run test:cluster` sets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import kafkajs from 'kafkajs';
import { cassandraConfigFromEnv } from '@hanpyo/cassandra';
import { kafkaConfigFromEnv } from '@hanpyo/kafka';
import { until } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What the test uses of scripts/infra/lib.mjs. */
interface InfraModule {
  loadConfig(env: NodeJS.ProcessEnv, options: { nodes: number }): unknown;
  up(names: string[] | undefined, options: object): Promise<{ started: string[] }>;
  down(names: string[] | undefined, options: object): Promise<{ stopped: string[] }>;
  status(
    names: string[] | undefined,
    options: object,
  ): Promise<Record<string, { state: string; rssBytes: number | null }>>;
  signalNode(name: string, signal: string, options: object): Promise<number>;
  nodePid(name: string, options: object): number | undefined;
  restartNode(name: string, options: object): Promise<{ pid: number; seconds: number }>;
  clusterServiceEnv(options: { infraDir: string }): Record<string, string>;
}

const enabled = process.env.HANPYO_TEST_CLUSTER === '1';
const skip = enabled
  ? false
  : 'opt-in: a three-node cluster (about 6 GiB, minutes); run npm run test:cluster ' +
    '(HANPYO_TEST_CLUSTER=1)';

/** True when nothing holds 127.0.0.1:port now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `n` ports free on 127.0.0.1 now, from 20000-29999: below the ephemeral range, where Cassandra's
 * JMX/RMI and client sockets take ports of their own. Cassandra's JMX takes p+2..p+4 of its base,
 * so each pick keeps 6 ports clear of the others.
 */
async function ports(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = 20_000 + Math.floor(Math.random() * 9_990);
    if (out.some((q) => Math.abs(q - p) < 6)) continue;
    let free = true;
    for (let q = p; q < p + 5 && free; q++) free = await isFree(q);
    if (free) out.push(p);
  }
  return out;
}

void describe('local three-node cluster (real Kafka and Cassandra nodes)', { skip }, () => {
  let infra: InfraModule;
  let dir: string;
  let opts: { config: unknown; startedBy: object; log: (m: string) => void };
  let env: Record<string, string>;
  const figures: Record<string, number | string> = {};

  before(async () => {
    infra = (await import(join(ROOT, 'scripts', 'infra', 'lib.mjs'))) as InfraModule;
    dir = mkdtempSync(join(tmpdir(), 'hanpyo-cluster-'));
    const [kafkaPort, controllerPort, cqlPort, storagePort, jmxPort] = (await ports(5)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const config = infra.loadConfig(
      {
        ...process.env,
        HANPYO_INFRA_DIR: dir,
        HANPYO_INFRA_JARS_DIR:
          process.env.HANPYO_INFRA_JARS_DIR ?? process.env.HANPYO_INFRA_DIR ?? join(ROOT, '.infra'),
        HANPYO_KAFKA_PORT: String(kafkaPort),
        HANPYO_KAFKA_CONTROLLER_PORT: String(controllerPort),
        HANPYO_CASSANDRA_PORT: String(cqlPort),
        HANPYO_CASSANDRA_STORAGE_PORT: String(storagePort),
        HANPYO_CASSANDRA_JMX_PORT: String(jmxPort),
        // Smaller than npm start's nodes: a few writes, beside the shared pair and the services.
        HANPYO_KAFKA_HEAP: process.env.HANPYO_KAFKA_HEAP ?? '256m',
        HANPYO_CASSANDRA_HEAP: process.env.HANPYO_CASSANDRA_HEAP ?? '512m',
      },
      { nodes: 3 },
    );
    opts = {
      config,
      startedBy: { by: 'test/integration/cluster.spec', pid: process.pid },
      log: (m: string) => console.log(`[cluster.spec] ${m}`),
    };
    const t0 = Date.now();
    try {
      await infra.up(undefined, opts);
    } catch (error) {
      await infra.down(undefined, opts);
      throw error;
    }
    figures.upSeconds = (Date.now() - t0) / 1000;
    env = infra.clusterServiceEnv({ infraDir: dir });
  });

  after(async () => {
    if (infra === undefined) return;
    await infra.down(undefined, opts);
    // Kept when the cluster did not come up: its node logs say why.
    if (figures.upSeconds !== undefined) rmSync(dir, { recursive: true, force: true });
    else console.log(`[cluster.spec] logs kept in ${dir}/logs`);
    console.log(`[cluster.spec] figures ${JSON.stringify(figures)}`);
  });

  void it('records the cluster for the services, and their config parsers take it', async () => {
    assert.equal(env.HANPYO_KAFKA_BROKERS?.split(',').length, 3);
    assert.match(
      env.HANPYO_KAFKA_BROKERS ?? '',
      /^127\.0\.0\.2:\d+,127\.0\.0\.3:\d+,127\.0\.0\.4:\d+$/,
    );
    const k = kafkaConfigFromEnv({ ...env, HANPYO_KAFKA_CLIENT_ID: 'cluster-spec' });
    assert.equal(k.replicationFactor, 3);
    assert.equal(k.minInsyncReplicas, 2);
    const c = cassandraConfigFromEnv(env);
    assert.equal(c.contactPoints.length, 3);
    assert.equal(c.consistency, 'LOCAL_QUORUM');
    assert.deepEqual({ ...c.replication }, { class: 'NetworkTopologyStrategy', dc1: 3 });
    const s = await infra.status(undefined, opts);
    for (const [name, v] of Object.entries(s)) {
      assert.equal(v.state, 'running', name);
      figures[`rssMiB.${name}`] = Math.round((v.rssBytes ?? 0) / 2 ** 20);
    }
  });

  void it('Kafka: RF 3, min ISR 2: acks=all writes go on with the leader killed -9', async () => {
    const kafka = new kafkajs.Kafka({
      clientId: 'cluster-spec',
      brokers: (env.HANPYO_KAFKA_BROKERS ?? '').split(','),
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 200 },
    });
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await admin.connect();
    await producer.connect();
    try {
      const topic = `cluster-spec-${Date.now()}`;
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: 1,
            replicationFactor: 3,
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          },
        ],
      });
      const send = (i: number) =>
        producer.send({ topic, acks: -1, messages: [{ key: `k${i}`, value: `v${i}` }] });
      for (let i = 0; i < 10; i++) await send(i);
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const leader = meta.topics[0]!.partitions[0]!.leader;
      assert.equal(meta.topics[0]!.partitions[0]!.replicas.length, 3);
      const victim = `kafka-${leader}`;
      const pid = await infra.signalNode(victim, 'SIGKILL', opts);
      assert.equal(infra.nodePid(victim, opts), undefined, `${victim} (pid ${pid}) is gone`);
      const t0 = Date.now();
      for (let i = 10; i < 20; i++) await send(i);
      figures.kafkaWritesAfterKillSeconds = (Date.now() - t0) / 1000;
      const r = await infra.restartNode(victim, opts);
      figures.kafkaRestartSeconds = r.seconds;
      // Back in sync: three replicas in the ISR again, and every message there once.
      await until(`${victim} back in the ISR`, async () => {
        const m = await admin.fetchTopicMetadata({ topics: [topic] });
        return m.topics[0]!.partitions[0]!.isr.length === 3;
      });
      const offsets = await admin.fetchTopicOffsets(topic);
      assert.equal(offsets[0]!.high, '20');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  void it('Cassandra: RF 3: LOCAL_QUORUM writes go on with one node killed -9', async () => {
    const client = new cassandra.Client({
      contactPoints: (env.HANPYO_CASSANDRA_CONTACT_POINTS ?? '').split(','),
      localDataCenter: 'dc1',
      queryOptions: { consistency: cassandra.types.consistencies.localQuorum, prepare: true },
    });
    await client.connect();
    try {
      const ks = `cluster_spec_${Date.now().toString(36)}`;
      await client.execute(
        `CREATE KEYSPACE ${ks} WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}`,
      );
      await client.execute(`CREATE TABLE ${ks}.t (id int PRIMARY KEY, v text)`);
      const insert = (i: number) =>
        client.execute(`INSERT INTO ${ks}.t (id, v) VALUES (?, ?)`, [i, `v${i}`], {
          prepare: true,
          isIdempotent: true,
        });
      for (let i = 0; i < 20; i++) await insert(i);
      const victim = 'cassandra-2';
      await infra.signalNode(victim, 'SIGKILL', opts);
      const t0 = Date.now();
      for (let i = 20; i < 40; i++) await insert(i);
      figures.cassandraWritesAfterKillSeconds = (Date.now() - t0) / 1000;
      const rows = await client.execute(`SELECT id FROM ${ks}.t`, [], { prepare: true });
      assert.equal(rows.rowLength, 40);
      const r = await infra.restartNode(victim, opts);
      figures.cassandraRestartSeconds = r.seconds;
      // The restarted node answers a query for the keyspace made before it died.
      const one = new cassandra.Client({
        contactPoints: [(env.HANPYO_CASSANDRA_CONTACT_POINTS ?? '').split(',')[1]!],
        localDataCenter: 'dc1',
      });
      await one.connect();
      try {
        const n = await one.execute(`SELECT count(*) AS n FROM ${ks}.t`, [], {
          consistency: cassandra.types.consistencies.all,
        });
        assert.equal(Number(n.first().get('n')), 40);
      } finally {
        await one.shutdown();
      }
      await client.execute(`DROP KEYSPACE ${ks}`);
    } finally {
      await client.shutdown();
    }
  });
});
