// Unit tests of the local cluster's pure logic: node names, addresses and ports, cluster.json and
// the services' environment, the rendered node configurations, and the startedBy filter.
// Run: node --test scripts/infra/cluster.test.mjs
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLUSTER_HOSTS, REPO_ROOT, loadConfig, serverNames } from './config.mjs';
import {
  clusterDescription,
  clusterServiceEnv,
  readCluster,
  startedByMatches,
  writeClusterFile,
} from './lib.mjs';
import {
  cassandraJvmOptions,
  cassandraNodeValues,
  kafkaClusterId,
  kafkaNodeProperties,
  render,
} from './servers.mjs';

const cluster = (env = {}) =>
  loadConfig({ HANPYO_INFRA_DIR: '/tmp/hanpyo-x', ...env }, { nodes: 3 });
const template = (kind, file) => readFileSync(join(REPO_ROOT, 'infra', kind, file), 'utf8');

describe('cluster configuration', () => {
  it('one node stays the default, with the single-node names and 127.0.0.1', () => {
    const c = loadConfig({ HANPYO_INFRA_DIR: '/tmp/hanpyo-x' });
    assert.equal(c.nodes, 1);
    assert.equal(c.cluster, undefined);
    assert.deepEqual(Object.keys(c.servers), ['kafka', 'cassandra']);
    assert.equal(c.servers.kafka.host, '127.0.0.1');
    assert.equal(c.servers.kafka.dataDir, '/tmp/hanpyo-x/data/kafka');
    assert.equal(c.servers.cassandra.ports.HANPYO_CASSANDRA_JMX_PORT, 7199);
  });

  it('three nodes: kafka-1..3 and cassandra-1..3 on 127.0.0.2-4 with the same ports', () => {
    const c = cluster();
    assert.deepEqual(Object.keys(c.servers), [
      'kafka-1',
      'kafka-2',
      'kafka-3',
      'cassandra-1',
      'cassandra-2',
      'cassandra-3',
    ]);
    assert.deepEqual(CLUSTER_HOSTS, ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    for (let i = 0; i < 3; i++) {
      const k = c.servers[`kafka-${i + 1}`];
      const s = c.servers[`cassandra-${i + 1}`];
      assert.equal(k.host, CLUSTER_HOSTS[i]);
      assert.equal(k.nodeId, i + 1);
      assert.equal(k.kind, 'kafka');
      assert.deepEqual(k.ports, { HANPYO_KAFKA_PORT: 9092, HANPYO_KAFKA_CONTROLLER_PORT: 9093 });
      assert.equal(s.host, CLUSTER_HOSTS[i]);
      assert.equal(s.rack, `r${i + 1}`);
      assert.equal(s.ports.HANPYO_CASSANDRA_PORT, 9042);
      assert.equal(s.ports.HANPYO_CASSANDRA_STORAGE_PORT, 7000);
      // Own directories per node; the jars and templates of the kind.
      assert.equal(k.home, `/tmp/hanpyo-x/kafka-${i + 1}`);
      assert.equal(k.dataDir, `/tmp/hanpyo-x/data/kafka-${i + 1}`);
      assert.equal(k.logFile, `/tmp/hanpyo-x/logs/kafka-${i + 1}.log`);
      assert.equal(k.libDir, '/tmp/hanpyo-x/kafka/lib');
      assert.match(k.templateDir, /infra\/kafka$/);
    }
  });

  it('binds every port to the node address, JMX to 127.0.0.1 on a port of its own', () => {
    const c = cluster();
    const all = Object.values(c.servers).flatMap((s) => s.bindings);
    const keys = all.map((b) => `${b.host}:${b.port}`);
    assert.equal(new Set(keys).size, keys.length, 'no two bindings on one address and port');
    const jmx = all.filter((b) => b.variable === 'HANPYO_CASSANDRA_JMX_PORT');
    assert.deepEqual(
      jmx.map((b) => `${b.host}:${b.port}`),
      ['127.0.0.1:7201', '127.0.0.1:7202', '127.0.0.1:7203'],
    );
    // None of them is the single node's (127.0.0.1:9092/9093/9042/7000/7199).
    const single = loadConfig({}).servers;
    for (const s of Object.values(single))
      for (const b of s.bindings) assert.ok(!keys.includes(`${b.host}:${b.port}`), b.variable);
  });

  it('refuses a node count other than 1 or 3, and a secured cluster', () => {
    assert.throws(
      () => loadConfig({}, { nodes: 2 }),
      (e) => e.code === 'CONFIG_INVALID',
    );
    assert.throws(
      () => loadConfig({ HANPYO_INFRA_NODES: 'x' }),
      (e) => e.code === 'CONFIG_INVALID',
    );
    assert.equal(loadConfig({ HANPYO_INFRA_NODES: '3' }).nodes, 3);
    assert.throws(
      () => cluster({ HANPYO_INFRA_SECURE: 'true' }),
      (e) => e.code === 'CONFIG_INVALID' && /single node/.test(e.message),
    );
  });

  it('names: a kind is all its nodes, a node itself; node names need --nodes 3', () => {
    const c = cluster();
    assert.deepEqual(serverNames(['cassandra', 'kafka-2'], c), [
      'kafka-2',
      'cassandra-1',
      'cassandra-2',
      'cassandra-3',
    ]);
    assert.deepEqual(serverNames(undefined, c).length, 6);
    assert.deepEqual(serverNames([], c), [], 'an empty list is none, never all');
    assert.throws(
      () => serverNames(['kafka-2'], loadConfig({})),
      (e) => e.code === 'USAGE' && /--nodes 3/.test(e.message),
    );
    assert.throws(
      () => serverNames(['kafka-4'], c),
      (e) => e.code === 'USAGE',
    );
  });
});

describe('cluster.json and the services environment', () => {
  it('describes nodes, addresses and durability; services get every address', () => {
    const d = clusterDescription(cluster());
    assert.equal(d.nodes, 3);
    assert.deepEqual(
      d.kafka.map((n) => n.host),
      CLUSTER_HOSTS,
    );
    assert.deepEqual(d.durability, {
      kafkaReplicationFactor: 3,
      kafkaMinInsyncReplicas: 2,
      cassandraReplication: 'NetworkTopologyStrategy:dc1=3',
      cassandraConsistency: 'LOCAL_QUORUM',
      cassandraDatacenter: 'dc1',
    });
    assert.deepEqual(d.env, {
      HANPYO_KAFKA_BROKERS: '127.0.0.2:9092,127.0.0.3:9092,127.0.0.4:9092',
      HANPYO_KAFKA_REPLICATION_FACTOR: '3',
      HANPYO_KAFKA_MIN_INSYNC_REPLICAS: '2',
      HANPYO_CASSANDRA_CONTACT_POINTS: '127.0.0.2:9042,127.0.0.3:9042,127.0.0.4:9042',
      HANPYO_CASSANDRA_DATACENTER: 'dc1',
      HANPYO_CASSANDRA_REPLICATION: 'NetworkTopologyStrategy:dc1=3',
      HANPYO_CASSANDRA_CONSISTENCY: 'LOCAL_QUORUM',
    });
    assert.equal(d.cassandra[1].rack, 'r2');
  });

  it('writes and reads back cluster.json; no file is the single node (empty env)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hanpyo-cluster-'));
    try {
      assert.equal(readCluster({ infraDir: dir }), undefined);
      assert.deepEqual(clusterServiceEnv({ infraDir: dir }), {});
      writeClusterFile(loadConfig({ HANPYO_INFRA_DIR: dir }, { nodes: 3 }));
      assert.equal(readCluster({ infraDir: dir }).nodes, 3);
      assert.equal(
        clusterServiceEnv({ infraDir: dir }).HANPYO_KAFKA_BROKERS,
        '127.0.0.2:9092,127.0.0.3:9092,127.0.0.4:9092',
      );
      writeFileSync(join(dir, 'cluster.json'), '{"nodes":');
      assert.throws(
        () => readCluster({ infraDir: dir }),
        (e) => e.code === 'CONFIG_INVALID',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node configuration files', () => {
  it('Kafka: node id, own listeners, a quorum of three, RF 3 and min ISR 2', () => {
    const node = cluster().servers['kafka-2'];
    const text = render(
      template('kafka', 'server-cluster.properties'),
      kafkaNodeProperties(node),
      'x',
    );
    assert.match(text, /^node\.id=2$/m);
    assert.match(
      text,
      /^controller\.quorum\.voters=1@127\.0\.0\.2:9093,2@127\.0\.0\.3:9093,3@127\.0\.0\.4:9093$/m,
    );
    assert.match(
      text,
      /^listeners=PLAINTEXT:\/\/127\.0\.0\.3:9092,CONTROLLER:\/\/127\.0\.0\.3:9093$/m,
    );
    assert.match(text, /^default\.replication\.factor=3$/m);
    assert.match(text, /^min\.insync\.replicas=2$/m);
    assert.match(text, /^offsets\.topic\.replication\.factor=3$/m);
    assert.match(text, /^unclean\.leader\.election\.enable=false$/m);
    assert.doesNotMatch(text, /127\.0\.0\.1/);
  });

  it('Cassandra: own addresses, one seed (node 1), dc1 and its rack, no unsafesystem', () => {
    const node = cluster().servers['cassandra-3'];
    const values = cassandraNodeValues(node);
    const yaml = render(template('cassandra', 'cassandra-cluster.yaml'), values, 'x');
    assert.match(yaml, /^listen_address: 127\.0\.0\.4$/m);
    assert.match(yaml, /^rpc_address: 127\.0\.0\.4$/m);
    assert.match(yaml, /- seeds: "127\.0\.0\.2:7000"$/m);
    assert.match(yaml, /^endpoint_snitch: GossipingPropertyFileSnitch$/m);
    const rackdc = render(template('cassandra', 'cassandra-rackdc.properties'), values, 'x');
    assert.match(rackdc, /^dc=dc1$/m);
    assert.match(rackdc, /^rack=r3$/m);
    const flags = cassandraJvmOptions(node);
    assert.ok(!flags.some((f) => f.includes('unsafesystem')), 'no unsafesystem in a cluster');
    assert.ok(
      cassandraJvmOptions(loadConfig({}).servers.cassandra).includes(
        '-Dcassandra.unsafesystem=true',
      ),
      'the single node keeps its fast start',
    );
  });

  it('one KRaft cluster id for every node, made once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hanpyo-cluster-'));
    try {
      const c = loadConfig({ HANPYO_INFRA_DIR: dir }, { nodes: 3 });
      const a = kafkaClusterId(c.cluster);
      assert.match(a, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      assert.equal(kafkaClusterId(c.servers['kafka-3'].cluster), a);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startedBy', () => {
  const byStart = { by: 'npm start', pid: 41, stateDir: '/s' };
  it('no filter matches everything (npm run infra -- down)', () =>
    assert.equal(startedByMatches(undefined, undefined), true));
  it('a filter matches only the same run or state directory', () => {
    assert.equal(startedByMatches(byStart, { by: 'npm start', pid: 41 }), true);
    assert.equal(startedByMatches(byStart, { by: 'npm start', pid: 42 }), false);
    assert.equal(startedByMatches(byStart, { by: 'npm start', stateDir: '/s' }), true);
    assert.equal(startedByMatches(byStart, { by: 'npm start', stateDir: '/t' }), false);
    assert.equal(startedByMatches({ by: 'infra', pid: 41 }, { by: 'npm start', pid: 41 }), false);
  });
  it('a server recorded without startedBy matches no filter (left running)', () =>
    assert.equal(startedByMatches(undefined, { by: 'npm start', pid: 41 }), false));
});
