// `hanpyo init` against the real servers: creates the election's topics and schema, and a second
// run changes nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { MIGRATIONS, createCassandraClient } from '@hanpyo/cassandra';
import { createKafka } from '@hanpyo/kafka';
import { testCassandraConfig, testKafkaConfig } from '../support/env.js';

const run = promisify(execFile);
const hanpyo = fileURLToPath(new URL('../../../tools/hanpyo/bin/hanpyo.js', import.meta.url));
const manifest = (
  JSON.parse(readFileSync(new URL('../../../vectors/spec-v1.json', import.meta.url), 'utf8')) as {
    vectors: { manifest: { manifest: unknown } };
  }
).vectors.manifest.manifest;

describe('hanpyo init (real servers)', () => {
  const kafka = testKafkaConfig();
  const cassandra = testCassandraConfig();
  const env = {
    ...process.env,
    HANPYO_KAFKA_TOPIC_PREFIX: kafka.topicPrefix,
    HANPYO_CASSANDRA_KEYSPACE: cassandra.keyspace,
  };
  let dir: string;

  after(async () => {
    const admin = createKafka(kafka).admin();
    await admin.connect();
    await admin.deleteTopics({
      topics: (await admin.listTopics()).filter((t) => t.startsWith(kafka.topicPrefix)),
    });
    await admin.disconnect();
    const client = createCassandraClient(cassandra);
    try {
      await client.execute(`DROP KEYSPACE IF EXISTS ${cassandra.keyspace}`);
    } finally {
      // A failed drop (a busy node's timeout) must not leave the driver's sockets holding the
      // file open until the harness's timeout.
      await client.shutdown();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('creates the topics and applies the migrations, then finds them there', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hanpyo-init-'));
    const file = join(dir, 'manifest.json');
    await writeFile(file, JSON.stringify(manifest));
    const first = await run(process.execPath, [hanpyo, 'init', '--manifest', file], { env });
    assert.match(
      first.stdout,
      new RegExp(
        `kafka topic ${kafka.topicPrefix.replaceAll('.', '\\.')}vectors-1\\.hanpyo\\.ballots\\.v1: 1 partitions \\(created\\)`,
      ),
    );
    const versions = MIGRATIONS.map((m) => m.version).join(', ');
    assert.ok(
      first.stdout.includes(`migrations applied [${versions}], already applied []`),
      first.stdout,
    );
    const second = await run(process.execPath, [hanpyo, 'init', '--manifest', file], { env });
    assert.doesNotMatch(second.stdout, /\(created\)/);
    assert.ok(
      second.stdout.includes(`migrations applied [], already applied [${versions}]`),
      second.stdout,
    );
  });

  it('refuses an unreadable manifest with status 2, and an invalid one without touching the servers', async () => {
    await assert.rejects(
      run(process.execPath, [hanpyo, 'init', '--manifest', join(dir, 'missing.json')], { env }),
      (e: { code: number }) => e.code === 2,
    );
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...(manifest as object), districts: [] }));
    await assert.rejects(
      run(process.execPath, [hanpyo, 'init', '--manifest', bad], { env }),
      (e: { code: number; stderr: string }) => {
        assert.match(e.stderr, /districts/);
        return e.code === 2;
      },
    );
  });
});
