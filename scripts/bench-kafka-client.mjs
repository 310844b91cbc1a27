#!/usr/bin/env node
// `npm run bench:kafka-client`: kafkajs 2.2.4 (our client, through @hanpyo/kafka's createKafka and
// createBoardProducer) against @confluentinc/kafka-javascript (librdkafka) through its KafkaJS API,
// on the local broker, in the same run (docs/kafka-client.md). Idempotent producer, acks=all,
// ballot-sized random messages, keyed, explicit partition, 8 partitions, LogAppendTime topics.
// Phases, each in its own child process, so process.cpuUsage() is the client's alone (librdkafka's
// threads included); the broker's CPU comes from /proc/<pid>/stat over the same window:
//   throughput  one send() of 500 messages at a time (the edge's board writer at saturation: kafkajs'
//               idempotent producer breaks with concurrent sends, OUT_OF_ORDER_SEQUENCE_NUMBER)
//   edge        64 concurrent single-ballot writes through the edge's own BoardWriter (group commit,
//               2 ms linger, one request in flight), the latency one HTTP request waits for
//   throughput-concurrent, direct (confluent only)  16 sends of 64 messages in flight; 64 concurrent
//               single-message send()s without a board writer, which librdkafka allows
//   consume     a consumer group reads a prefilled topic from the beginning with eachBatch and a
//               manual commitOffsets per batch (the persister's shape, minus Cassandra)
// Prints a table and writes JSON to bench-results/kafka-client-*.json; deletes its topics and groups.
// Needs `npm run build` (it imports @hanpyo/kafka and the edge's BoardWriter from dist/).
//
// The confluent client is not a dependency of the repo: it is installed on demand outside the tree
// (HANPYO_CKJS_DIR, default $TMPDIR/hanpyo-ckjs), built from the npm tarball's librdkafka sources
// (build from source, CKJS_LINKING=dynamic: no prebuilt binary, no dependency download).
//
//   npm run bench:kafka-client -- [--seconds 20] [--rounds 2] [--concurrency 64] [--size 1500]
//     [--consume 100000] [--clients kafkajs,confluent,confluent-linger0]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBoardProducer, createKafka, kafkaConfigFromEnv } from '@hanpyo/kafka';
// The edge's group commit, as the edge runs it (a service's internal module: no package export).
import { BoardWriter } from '../services/edge/dist/board-writer.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const CKJS_VERSION = '1.10.1';
const CKJS_DIR = process.env.HANPYO_CKJS_DIR ?? join(tmpdir(), 'hanpyo-ckjs');
const TOPIC_PREFIX = 'eval-kafka-client.';
const PARTITIONS = 8;
const DISTRICT_HEADER = 'hanpyo-district';
/** Messages per send() in the throughput phase: the edge's HANPYO_EDGE_BOARD_MAX_BATCH default. */
const BATCH = 500;
/** The edge's HANPYO_EDGE_BOARD_LINGER_MS default. */
const LINGER_MS = 2;
/** throughput-concurrent: sends in flight, messages each. */
const CONCURRENT_SENDS = 16;
const CONCURRENT_BATCH = 64;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const CLIENTS = ['kafkajs', 'confluent', 'confluent-linger0'];

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    size: { type: 'string', default: '1500' },
    consume: { type: 'string', default: '100000' },
    clients: { type: 'string', default: CLIENTS.join(',') },
    // Child-process mode (internal).
    worker: { type: 'string' },
    phase: { type: 'string' },
    topic: { type: 'string' },
    group: { type: 'string' },
  },
});
const seconds = positive('seconds', values.seconds);
const concurrency = positive('concurrency', values.concurrency);
const size = positive('size', values.size);
const consumeCount = positive('consume', values.consume);
const config = kafkaConfigFromEnv(process.env);

function positive(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:kafka-client: --${name} must be a positive integer, not '${text}'`);
    process.exit(2);
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The clients, configured as our code would configure them.

/** The confluent package's KafkaJS API, from the scratch install. */
function confluentKafkaJS() {
  const require = createRequire(join(CKJS_DIR, 'package.json'));
  return require('@confluentinc/kafka-javascript');
}

/** Installs the confluent client into CKJS_DIR, from source, unless it is there; returns facts. */
function ensureConfluent() {
  const require = createRequire(join(CKJS_DIR, 'package.json'));
  try {
    require.resolve('@confluentinc/kafka-javascript');
    return { installedNow: false, dir: CKJS_DIR };
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e;
  }
  mkdirSync(CKJS_DIR, { recursive: true });
  writeFileSync(
    join(CKJS_DIR, 'package.json'),
    `${JSON.stringify({ name: 'hanpyo-ckjs-scratch', private: true }, null, 2)}\n`,
  );
  console.log(
    `[bench:kafka-client] building @confluentinc/kafka-javascript@${CKJS_VERSION} from source into ${CKJS_DIR} (a few minutes)…`,
  );
  const started = Date.now();
  // npm_config_build_from_source: node-pre-gyp skips the prebuilt download (a GitHub release, not
  // the npm registry); set in the environment, since npm 11 warns that it will stop passing unknown
  // CLI options such as --build-from-source. CKJS_LINKING=dynamic: librdkafka's configure uses the
  // system's zlib/OpenSSL instead of downloading their sources (its default static build does).
  execFileSync(
    'npm',
    ['install', `@confluentinc/kafka-javascript@${CKJS_VERSION}`, '--no-audit', '--no-fund'],
    {
      cwd: CKJS_DIR,
      stdio: 'inherit',
      env: { ...process.env, CKJS_LINKING: 'dynamic', npm_config_build_from_source: 'true' },
    },
  );
  return { installedNow: true, dir: CKJS_DIR, installSeconds: (Date.now() - started) / 1000 };
}

/** A client's producer, consumer factory and admin behind one small shape. */
function client(name) {
  if (name === 'kafkajs') {
    const kafka = createKafka(config);
    return {
      producer: () => createBoardProducer(kafka),
      // kafkajs takes acks per send (-1 is its default; the edge passes it explicitly).
      sendOptions: { acks: -1 },
      consumer: (groupId) =>
        kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false }),
      subscribe: (consumer, topics) => consumer.subscribe({ topics, fromBeginning: true }),
      // The persister's run options (autoCommit is run()'s in kafkajs).
      runOptions: {
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 4,
      },
    };
  }
  const { KafkaJS } = confluentKafkaJS();
  const kafka = new KafkaJS.Kafka({
    kafkaJS: {
      clientId: config.clientId,
      brokers: [...config.brokers],
      connectionTimeout: config.connectionTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      logLevel: KafkaJS.logLevel.ERROR,
    },
  });
  const linger0 = name === 'confluent-linger0';
  return {
    producer: () =>
      kafka.producer({
        // No createPartitioner (refused: ERR__NOT_IMPLEMENTED); messages carry their partition.
        // No maxInFlightRequests: librdkafka keeps an idempotent producer's order with up to 5.
        kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: false },
        ...(linger0 ? { 'linger.ms': 0 } : {}),
      }),
    // acks is the producer's, not the send's (MIGRATION.md).
    sendOptions: {},
    consumer: (groupId) =>
      kafka.consumer({
        kafkaJS: {
          groupId,
          fromBeginning: true,
          autoCommit: false,
          maxWaitTimeInMs: 250,
          allowAutoTopicCreation: false,
        },
        // eachBatch hands at most 32 messages by default; -1: whatever the client holds.
        ...(linger0 ? { 'js.consumer.max.batch.size': -1 } : {}),
      }),
    // fromBeginning is the consumer's, not subscribe()'s; autoCommit too, not run()'s.
    subscribe: (consumer, topics) => consumer.subscribe({ topics }),
    runOptions: { eachBatchAutoResolve: false, partitionsConsumedConcurrently: 4 },
  };
}

// ---------------------------------------------------------------------------------------------
// Worker: one phase of one client, reported as JSON lines on stdout.

/** A pool of ballot-sized random messages (generated once, so no crypto is measured). */
function messagePool() {
  const pool = [];
  for (let i = 0; i < 1024; i++) {
    const key = randomBytes(32);
    pool.push({
      partition: key[0] % PARTITIONS,
      key,
      value: randomBytes(size),
      headers: { [DISTRICT_HEADER]: `d${String(key[1] % 16).padStart(2, '0')}` },
    });
  }
  let next = 0;
  return () => {
    const m = pool[next++ % pool.length];
    return { ...m, timestamp: String(Date.now()) };
  };
}

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** Starts the measured window: the orchestrator samples the broker's CPU on this line. */
function windowStart() {
  emit({ event: 'start' });
  return { cpu: process.cpuUsage(), at: performance.now() };
}

function windowEnd(start, messages) {
  const cpu = process.cpuUsage(start.cpu);
  const elapsed = (performance.now() - start.at) / 1000;
  emit({ event: 'end' });
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    messages,
    seconds: elapsed,
    perSecond: messages / elapsed,
    megabytesPerSecond: (messages * size) / elapsed / 1e6,
    cpuSeconds,
    cpuMicrosecondsPerMessage: (cpuSeconds * 1e6) / messages,
  };
}

async function connectedProducer(c, topic, next) {
  const producer = c.producer();
  await producer.connect();
  // Warm-up: metadata, producer id, connections.
  await producer.send({ topic, messages: [next()], ...c.sendOptions });
  return producer;
}

/** `senders` loops, each awaiting one send() of `batch` messages at a time, for `seconds`. */
async function produceThroughput(c, topic, senders, batch) {
  const next = messagePool();
  const producer = await connectedProducer(c, topic, next);
  const start = windowStart();
  const deadline = performance.now() + seconds * 1000;
  let acked = 0;
  const sender = async () => {
    while (performance.now() < deadline) {
      const messages = Array.from({ length: batch }, next);
      await producer.send({ topic, messages, ...c.sendOptions });
      acked += messages.length;
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
  const result = windowEnd(start, acked);
  await producer.disconnect();
  return { ...result, batch, sendsInFlight: senders };
}

/** `concurrency` loops, each awaiting one message's write at a time; `write` is the path. */
async function latencyOf(write) {
  const latencies = [];
  const start = windowStart();
  const deadline = performance.now() + seconds * 1000;
  const writer = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await write();
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, writer));
  const result = windowEnd(start, latencies.length);
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    ...result,
    concurrency,
    latencyMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), p999: q(0.999), max: q(1) },
  };
}

/** Single-ballot writes through the edge's BoardWriter, configured with the edge's defaults. */
async function produceEdge(c, topic) {
  const next = messagePool();
  const producer = await connectedProducer(c, topic, next);
  let requests = 0;
  const writer = new BoardWriter({
    lingerMs: LINGER_MS,
    maxBatch: BATCH,
    maxQueued: 4096,
    timeoutMs: 10_000,
    send: (t, messages) => {
      requests++;
      return producer.send({
        topic: t,
        messages: messages.map((m) => ({ ...m })),
        ...c.sendOptions,
      });
    },
  });
  const result = await latencyOf(() => writer.write(topic, next()));
  await writer.close(10_000);
  await producer.disconnect();
  return { ...result, requests, messagesPerRequest: result.messages / requests };
}

/** Single-message send()s, `concurrency` in flight, no board writer. */
async function produceDirect(c, topic) {
  const next = messagePool();
  const producer = await connectedProducer(c, topic, next);
  const result = await latencyOf(() =>
    producer.send({ topic, messages: [next()], ...c.sendOptions }),
  );
  await producer.disconnect();
  return result;
}

async function consume(c, topic, groupId, expected) {
  const consumer = c.consumer(groupId);
  await consumer.connect();
  await c.subscribe(consumer, [topic]);
  let count = 0;
  let bytes = 0;
  let batches = 0;
  let start;
  let joinSeconds = 0;
  const runAt = performance.now();
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  await consumer.run({
    ...c.runOptions,
    eachBatch: async ({ batch, resolveOffset }) => {
      if (batch.messages.length === 0) return;
      if (!start) {
        joinSeconds = (performance.now() - runAt) / 1000;
        start = windowStart();
      }
      for (const m of batch.messages) bytes += m.value?.length ?? 0;
      const last = batch.messages[batch.messages.length - 1].offset;
      resolveOffset(last);
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: String(Number(last) + 1) },
      ]);
      batches++;
      count += batch.messages.length;
      if (count >= expected) finish();
    },
  });
  await done;
  const result = windowEnd(start, count);
  await consumer.disconnect();
  return {
    ...result,
    bytes,
    batches,
    messagesPerBatch: count / batches,
    groupJoinSeconds: joinSeconds,
  };
}

async function worker() {
  // Bounded in time whatever happens: a stuck client must not outlive the benchmark.
  setTimeout(
    () => {
      console.error(`worker ${values.worker} ${values.phase}: timed out`);
      process.exit(3);
    },
    (seconds * 3 + 120) * 1000,
  ).unref();
  const c = client(values.worker);
  let result;
  if (values.phase === 'throughput') result = await produceThroughput(c, values.topic, 1, BATCH);
  else if (values.phase === 'throughput-concurrent')
    result = await produceThroughput(c, values.topic, CONCURRENT_SENDS, CONCURRENT_BATCH);
  else if (values.phase === 'edge') result = await produceEdge(c, values.topic);
  else if (values.phase === 'direct') result = await produceDirect(c, values.topic);
  else if (values.phase === 'consume')
    result = await consume(c, values.topic, values.group, consumeCount);
  else throw new Error(`unknown phase ${values.phase}`);
  emit({ event: 'result', result });
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Orchestrator.

function kafkaPid() {
  try {
    const pid = Number(readFileSync(join(ROOT, '.infra', 'run', 'kafka.pid'), 'utf8').trim());
    return existsSync(`/proc/${pid}/stat`) ? pid : undefined;
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
}

/** utime + stime of a process, in seconds; undefined when it is gone (the broker restarted). */
function processCpuSeconds(pid) {
  if (pid === undefined) return undefined;
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function loadAverage() {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Runs one phase in a child; the broker's CPU is sampled at its window's start and end. */
function runPhase(clientName, phase, topic, group, brokerPid) {
  return new Promise((resolve, reject) => {
    const args = [SELF, '--worker', clientName, '--phase', phase, '--topic', topic];
    if (group) args.push('--group', group);
    args.push('--seconds', String(seconds), '--concurrency', String(concurrency));
    args.push('--size', String(size), '--consume', String(consumeCount));
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let brokerStart;
    let brokerCpu;
    let result;
    let pending = '';
    let errors = '';
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        let event;
        try {
          event = JSON.parse(line);
        } catch {
          process.stderr.write(`${line}\n`);
          continue;
        }
        if (event.event === 'start') brokerStart = processCpuSeconds(brokerPid);
        else if (event.event === 'end' && brokerStart !== undefined) {
          const end = processCpuSeconds(brokerPid);
          if (end !== undefined) brokerCpu = end - brokerStart;
        } else if (event.event === 'result') result = event.result;
      }
    });
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.on('exit', (code) => {
      if (code !== 0 || !result) {
        reject(new Error(`${clientName} ${phase} exited ${code}: ${errors.slice(-2000)}`));
        return;
      }
      if (errors.trim()) process.stderr.write(errors);
      const brokerCpuMicrosecondsPerMessage =
        brokerCpu === undefined ? undefined : (brokerCpu * 1e6) / result.messages;
      resolve({ ...result, brokerCpuSeconds: brokerCpu, brokerCpuMicrosecondsPerMessage });
    });
  });
}

const boardTopicConfig = [
  { name: 'message.timestamp.type', value: 'LogAppendTime' },
  { name: 'retention.ms', value: '-1' },
];

async function fill(kafka, topic, count) {
  const producer = createBoardProducer(kafka);
  await producer.connect();
  const next = messagePool();
  // One send at a time: kafkajs' idempotent producer fails concurrent sends.
  for (let sent = 0; sent < count; sent += BATCH) {
    const n = Math.min(BATCH, count - sent);
    await producer.send({ topic, acks: -1, messages: Array.from({ length: n }, next) });
  }
  await producer.disconnect();
}

function median(xs) {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(x, digits = 1) {
  return typeof x === 'number' ? x.toFixed(digits) : '—';
}

async function main() {
  const clients = values.clients.split(',').map((s) => s.trim());
  for (const c of clients) {
    if (!CLIENTS.includes(c)) {
      console.error(`bench:kafka-client: unknown client '${c}' (${CLIENTS.join(', ')})`);
      process.exit(2);
    }
  }
  const rounds = positive('rounds', values.rounds);
  const install = clients.some((c) => c !== 'kafkajs') ? ensureConfluent() : undefined;
  const ckjs = install ? confluentKafkaJS() : undefined;
  const kafkajsVersion = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', 'kafkajs', 'package.json'), 'utf8'),
  ).version;
  const brokerPid = kafkaPid();
  const runId = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
  const prefix = `${TOPIC_PREFIX}${runId}.`;
  const kafka = createKafka(config);
  const admin = kafka.admin();
  await admin.connect();
  const topics = [];
  const groups = [];
  const runs = [];
  try {
    const consumeTopic = `${prefix}consume`;
    const produceTopics = [];
    for (let r = 1; r <= rounds; r++)
      for (const c of clients) produceTopics.push(`${prefix}${c}.r${r}`);
    await admin.createTopics({
      waitForLeaders: true,
      topics: [consumeTopic, ...produceTopics].map((topic) => ({
        topic,
        numPartitions: PARTITIONS,
        replicationFactor: config.replicationFactor,
        configEntries: boardTopicConfig,
      })),
    });
    topics.push(consumeTopic, ...produceTopics);
    console.log(`[bench:kafka-client] filling ${consumeTopic} with ${consumeCount} messages…`);
    await fill(kafka, consumeTopic, consumeCount);

    // Idle broker CPU, to read the per-message figures against what the broker does anyway.
    const idleStart = processCpuSeconds(brokerPid);
    await new Promise((r) => setTimeout(r, 5000));
    const idleEnd = processCpuSeconds(brokerPid);
    const brokerIdleCpuPerSecond =
      idleStart === undefined || idleEnd === undefined ? undefined : (idleEnd - idleStart) / 5;

    for (let r = 1; r <= rounds; r++) {
      // Alternate the order, so neither client always runs on a warmer (or busier) machine.
      const order = r % 2 ? clients : [...clients].reverse();
      for (const c of order) {
        const topic = `${prefix}${c}.r${r}`;
        const group = `${prefix}${c}.r${r}.group`;
        groups.push(group);
        const run = { round: r, client: c, loadAverage: loadAverage() };
        const phases = ['throughput', 'edge', 'consume'];
        if (c !== 'kafkajs') phases.splice(2, 0, 'throughput-concurrent', 'direct');
        for (const phase of phases) {
          run[phase] =
            phase === 'consume'
              ? await runPhase(c, phase, consumeTopic, group, brokerPid)
              : await runPhase(c, phase, topic, undefined, brokerPid);
        }
        runs.push(run);
        const lat = (x) =>
          x
            ? `p50 ${fmt(x.latencyMs.p50, 2)} p99 ${fmt(x.latencyMs.p99, 2)} ms (${fmt(x.perSecond, 0)}/s)`
            : '—';
        console.log(
          `  round ${r} ${c.padEnd(18)} produce ${fmt(run.throughput.perSecond, 0)} msg/s, ` +
            `edge ${lat(run.edge)}, direct ${lat(run.direct)}, ` +
            `concurrent ${fmt(run['throughput-concurrent']?.perSecond, 0)} msg/s, consume ${fmt(run.consume.perSecond, 0)} msg/s`,
        );
      }
    }

    const metrics = {
      'produce msg/s (1 send of 500)': (x) => x.throughput.perSecond,
      'produce MB/s': (x) => x.throughput.megabytesPerSecond,
      'produce client CPU µs/msg': (x) => x.throughput.cpuMicrosecondsPerMessage,
      'produce broker CPU µs/msg': (x) => x.throughput.brokerCpuMicrosecondsPerMessage,
      [`edge writes (${concurrency} in flight) p50 ms`]: (x) => x.edge.latencyMs.p50,
      'edge writes p99 ms': (x) => x.edge.latencyMs.p99,
      'edge writes msg/s': (x) => x.edge.perSecond,
      'edge writes per request': (x) => x.edge.messagesPerRequest,
      'edge writes client CPU µs/msg': (x) => x.edge.cpuMicrosecondsPerMessage,
      'edge writes broker CPU µs/msg': (x) => x.edge.brokerCpuMicrosecondsPerMessage,
      [`direct sends (${concurrency} in flight) p50 ms`]: (x) => x.direct?.latencyMs.p50,
      'direct sends p99 ms': (x) => x.direct?.latencyMs.p99,
      'direct sends msg/s': (x) => x.direct?.perSecond,
      'direct sends client CPU µs/msg': (x) => x.direct?.cpuMicrosecondsPerMessage,
      'direct sends broker CPU µs/msg': (x) => x.direct?.brokerCpuMicrosecondsPerMessage,
      [`produce msg/s (${CONCURRENT_SENDS}×${CONCURRENT_BATCH} in flight)`]: (x) =>
        x['throughput-concurrent']?.perSecond,
      'concurrent client CPU µs/msg': (x) => x['throughput-concurrent']?.cpuMicrosecondsPerMessage,
      'concurrent broker CPU µs/msg': (x) =>
        x['throughput-concurrent']?.brokerCpuMicrosecondsPerMessage,
      'consume msg/s': (x) => x.consume.perSecond,
      'consume client CPU µs/msg': (x) => x.consume.cpuMicrosecondsPerMessage,
      'consume broker CPU µs/msg': (x) => x.consume.brokerCpuMicrosecondsPerMessage,
      'consume messages per batch': (x) => x.consume.messagesPerBatch,
      'consume group join s': (x) => x.consume.groupJoinSeconds,
    };
    const summary = {};
    for (const [label, get] of Object.entries(metrics)) {
      summary[label] = {};
      for (const c of clients)
        summary[label][c] = median(runs.filter((x) => x.client === c).map(get));
      if (clients.includes('kafkajs')) {
        for (const c of clients.filter((x) => x !== 'kafkajs')) {
          const base = summary[label].kafkajs;
          const v = summary[label][c];
          if (typeof base === 'number' && typeof v === 'number' && base !== 0)
            summary[label][`${c}/kafkajs`] = v / base;
        }
      }
    }
    console.log(
      `\nmedians of ${rounds} round(s), ${seconds} s per produce phase, ${size}-byte messages, ${PARTITIONS} partitions, acks=all, idempotent:`,
    );
    const columns = Object.keys(summary[Object.keys(summary)[0]]);
    console.log(`${''.padEnd(44)}${columns.map((c) => c.padStart(26)).join('')}`);
    for (const [label, row] of Object.entries(summary)) {
      const cells = columns.map((c) => fmt(row[c], c.includes('/') ? 2 : 1).padStart(26));
      console.log(`${label.padEnd(44)}${cells.join('')}`);
    }
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    const out = join(
      ROOT,
      'bench-results',
      `kafka-client-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          machine: { cores: cpus().length, node: process.version },
          brokerPid,
          brokerIdleCpuPerSecond,
          clients: {
            kafkajs: kafkajsVersion,
            ...(ckjs
              ? {
                  confluent: CKJS_VERSION,
                  librdkafka: ckjs.librdkafkaVersion,
                  features: ckjs.features,
                }
              : {}),
          },
          install,
          settings: {
            seconds,
            rounds,
            concurrency,
            size,
            partitions: PARTITIONS,
            batch: BATCH,
            lingerMs: LINGER_MS,
            concurrentSends: CONCURRENT_SENDS,
            concurrentBatch: CONCURRENT_BATCH,
            consume: consumeCount,
          },
          summary,
          runs,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwritten ${out}`);
  } finally {
    if (groups.length > 0)
      await admin.deleteGroups(groups).catch((e) => console.error(`deleting groups: ${e.message}`));
    if (topics.length > 0)
      await admin
        .deleteTopics({ topics })
        .catch((e) => console.error(`deleting topics: ${e.message}`));
    await admin.disconnect();
  }
}

if (values.worker) await worker();
else await main();
