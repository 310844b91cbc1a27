// `hanpyo bench edge`: the edge as it runs — its own process (services/edge/dist/main.js, started by
// scripts/stack/lib.mjs with the registrar, on free ports, with a Kafka topic prefix, a Cassandra
// keyspace and a state directory of the benchmark's own, all removed at the end) — loaded over HTTP
// by autocannon from this process. Three figures, each with its baseline from the same run:
//
//  1. HTTP alone. A cast with a real, well-formed ballot-sized body and no Authorization header: the
//     edge's whole HTTP stack runs (Fastify, its JSON body parser and limit, Nest routing, the
//     controller's media-type check, the in-flight limiter, the election catalog (cached), metrics,
//     the error filter writing the coded 401 TOKEN_MISSING), and nothing else: the token is the
//     first thing checked after the election, so no signature, proof or Kafka write is reached. A
//     malformed token would cost the same but reads as a bug; a valid token costs an Ed25519
//     verification. Baseline: a bare Fastify route at the same path answering the same 401 after
//     parsing the same body, also its own process (bench-bare-server.ts), before and after.
//  2. Edge + Kafka. Real casts — tokens minted by the registrar for a synthetic roll, each bound to
//     a device key; ballots encrypted and proved here, signed by each device (as `hanpyo tokens`
//     and `hanpyo cast` do) — each cast once, every one receipted (201) after acks=all. Baseline: a
//     raw kafkajs producer (idempotent, acks=all, one request in flight, as the board producer)
//     writing the same messages (the edge's exact board message bytes) to a topic with the board's
//     partitions, one message per send, at the same concurrency.
//  3. The same cast rate per CPU-second the edge process used (its main thread and crypto threads,
//     from /proc), against the crypto-bound rate: the edge's per-cast checks (token with cnf, cast
//     signature, every proof — @hanpyo/counting and checkBallot, fastest backend) on one core of
//     this process, over the same casts, before the casts and after them (the mean). The issue's
//     target: ≥ 0.8. Beside it, the floor: the same casts through a bare Fastify route that only
//     writes them to Kafka as the edge does (bench-bare-server.ts `board`), in CPU per cast; checks
//     ÷ (checks + floor) is the most any edge on Node, Fastify and kafkajs could read here.
import { nobleBaseRate } from './bench-baseline.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type autocannonModule from 'autocannon';
import { createCassandraClient } from '@hanpyo/cassandra';
import { parseManifest } from '@hanpyo/contracts';
import type { EncryptedBallot, Manifest } from '@hanpyo/contracts';
import { authorizationContext, castRefusal, checkToken } from '@hanpyo/counting';
import {
  base64url,
  castDigest,
  checkBallot,
  electionContext,
  encryptBallot,
  fromBase64url,
  pointFromText,
  randomBallotNonces,
  signingKeyFromSeed,
  systemRandom,
  trackingCode,
} from '@hanpyo/crypto';
import { nativeSigner } from '@hanpyo/crypto-native';
import { createKafka, kafkaConfigFromEnv, topicNames } from '@hanpyo/kafka';
import { cassandraConfigFromEnv } from '@hanpyo/cassandra';
import { initFastest } from './backend.js';
import { benchDraftManifest, boardMessage } from './bench-casts.js';
import type { BenchBoardMessage } from './bench-casts.js';
import { figure } from './bench-suite-report.js';
import type { SuiteFigure } from './bench-suite-report.js';
import { tokensBulk } from './election-commands.js';
import type { TokenLine } from './election-commands.js';
import { call, readLocal } from './local.js';
import { importRoll, syntheticSource } from './roll.js';
import { benchStack } from './bench-stack.js';
import { synthCeremony } from './synth.js';

export interface EdgeBenchOptions {
  /** Real casts (each a voter of the roll with its own token). */
  readonly casts: number;
  /** Seconds of each HTTP-alone run. */
  readonly seconds: number;
  /** Connections of autocannon, and sends in flight of the raw producer. */
  readonly connections: number;
  readonly json: boolean;
  readonly out?: string;
}

export interface EdgeBenchResult {
  readonly suite: 'edge';
  readonly at: string;
  readonly node: string;
  readonly cores: number;
  readonly method: string;
  readonly connections: number;
  readonly bodyBytes: number;
  readonly messageBytes: number;
  readonly http: { readonly bareBefore: Rate; readonly bareAfter: Rate; readonly edge: Rate };
  readonly casts: {
    readonly sent: number;
    readonly receipted: number;
    readonly seconds: number;
    readonly edgeCpuSeconds: number;
    readonly statusCodes: Record<string, number>;
  };
  readonly rawProducer: { readonly messages: number; readonly seconds: number };
  /**
   * The bare Fastify route writing each cast to Kafka as the edge does (bench-bare-server.ts
   * `board`), over the same casts; `ceiling` = checks ÷ (checks + floor), in CPU time per cast.
   */
  readonly floor: {
    readonly casts: number;
    readonly perSecond: number;
    readonly perCpuSecond: number;
    readonly ceiling: number;
  };
  /**
   * Casts per CPU-second of the per-cast checks on one thread, and per wall-clock second: the
   * mean of a measurement before the casts and one after; each of the two as measured.
   */
  readonly cryptoBoundPerCore: number;
  readonly cryptoBoundWallClock: number;
  readonly cryptoBound: {
    readonly before: { readonly perCpuSecond: number; readonly perSecond: number };
    readonly after: { readonly perCpuSecond: number; readonly perSecond: number };
  };
  readonly nobleFixedBase: number;
  readonly figures: readonly SuiteFigure[];
}

const WARM_UP_CASTS = 40;

/** CPU time (user + system, every thread) of a process so far, in seconds (Linux /proc). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
}

/** A signed cast, ready to send, and what the crypto-bound measurement checks. */
interface PreparedCast {
  readonly token: string;
  readonly body: string;
  readonly ballot: EncryptedBallot;
  readonly code: string;
  readonly castSignature: string;
}

/** The bare Fastify baseline server, in its own process; resolves with its port. */
async function startBare(
  bodyLimit: number,
  board?: { topic: string; partitions: number },
): Promise<{ port: number; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./bench-bare-server.js', import.meta.url));
  const args = board ? ['board', board.topic, String(board.partitions)] : [];
  const child = spawn(process.execPath, [script, String(bodyLimit), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare Fastify server exited (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return { port, child };
}

async function stopBare(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** autocannon, loaded when the benchmark runs (a devDependency: the CLI loads without it). */
async function loadAutocannon(): Promise<typeof autocannonModule> {
  return (await import('autocannon')).default;
}

/** A rate, and the same count per CPU-second of the process that did the work. */
interface Rate {
  readonly perSecond: number;
  readonly perCpuSecond: number;
}

/**
 * Requests per second of `url` under autocannon, and per CPU-second of the server process `pid`;
 * throws unless every answer has `status`.
 */
async function httpRate(
  url: string,
  pid: number,
  body: string,
  connections: number,
  seconds: number,
  status: number,
): Promise<Rate> {
  const autocannon = await loadAutocannon();
  const cpu0 = await cpuSeconds(pid);
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
  });
  const cpu = (await cpuSeconds(pid)) - cpu0;
  const answered = result.statusCodeStats?.[`${status}`]?.count ?? 0;
  if (result.errors > 0 || answered !== result.requests.total)
    throw new Error(
      `${url}: ${answered} of ${result.requests.total} requests answered ${status} (${result.errors} errors, codes ${JSON.stringify(result.statusCodeStats)})`,
    );
  return {
    perSecond: result.requests.total / result.duration,
    perCpuSecond: result.requests.total / cpu,
  };
}

const mean = (a: Rate, b: Rate): Rate => ({
  perSecond: (a.perSecond + b.perSecond) / 2,
  perCpuSecond: (a.perCpuSecond + b.perCpuSecond) / 2,
});

export async function measureEdge(
  options: Omit<EdgeBenchOptions, 'json' | 'out'>,
  log: (line: string) => void,
): Promise<EdgeBenchResult> {
  const cores = availableParallelism();
  const { runId, state, prefix, keyspace, stack } = await benchStack('edge');
  const kafkaConfig = kafkaConfigFromEnv(process.env);
  const cassandraConfig = cassandraConfigFromEnv(process.env);
  let started: string[] = [];
  let bare: ChildProcess | undefined;
  const kafka = createKafka(kafkaConfig);
  const admin = kafka.admin();
  try {
    log(`starting a registrar and an edge of the benchmark's own (state ${state})…`);
    started = await stack.startServices(['registrar', 'edge'], { timeoutMs: 120_000 });
    const local = await readLocal();
    const edgePid = stack.runningPid('edge');
    if (edgePid === undefined) throw new Error('the edge is not running');

    // An election of the benchmark ballot, open for an hour, a roll of `casts` voters.
    const electionId = `bench-edge-${runId}`;
    const districts = 4;
    const now = Date.now();
    const draft = benchDraftManifest(
      electionId,
      districts,
      Math.ceil(options.casts / districts) + 10,
      {
        opens: now - 60_000,
        closes: now + 3_600_000,
      },
    );
    const admin$ = (path: string, body: unknown) =>
      call<Record<string, unknown>>(`${local.registrar.url}/v1/elections${path}`, {
        body,
        token: local.registrar.adminToken,
      });
    log(`election ${electionId}: create, ceremony, roll of ${options.casts} voters, open, tokens…`);
    const created = await admin$('', { manifest: draft });
    const manifest: Manifest = parseManifest(created.manifest);
    const { record } = synthCeremony(manifest, systemRandom);
    await admin$(`/${electionId}/ceremony`, record);
    if ((await importRoll(electionId, syntheticSource(manifest, options.casts))) !== 0)
      throw new Error('the synthetic roll was refused');
    await admin$(`/${electionId}/open`, {});
    const tokensFile = join(state, 'tokens.ndjson');
    if ((await tokensBulk(electionId, options.casts, tokensFile)) !== 0)
      throw new Error('fewer tokens than casts');
    const view = await call<{ manifest: Manifest; jointPublicKey: string | null }>(
      `${local.registrar.url}/v1/elections/${electionId}`,
    );
    const full = parseManifest(view.manifest);
    if (!view.jointPublicKey) throw new Error('the election has no joint key');

    const backend = await initFastest();
    const election = electionContext(full, pointFromText(view.jointPublicKey));
    log(`encrypting, proving and signing ${options.casts} ballots here (${backend.name})…`);
    const casts: PreparedCast[] = [];
    for await (const line of createInterface({ input: createReadStream(tokensFile) })) {
      if (!line.trim()) continue;
      const v = JSON.parse(line) as TokenLine;
      const claims = JSON.parse(
        Buffer.from(v.token.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as { sub: string };
      const ballot = encryptBallot(
        election,
        { districtId: v.districtId, nullifier: fromBase64url(claims.sub, 32) },
        { mayor: [['a', 'b', 'c', 'd', 'e'][casts.length % 5]!] },
        randomBallotNonces(systemRandom),
      );
      const code = trackingCode(ballot);
      const device = nativeSigner(signingKeyFromSeed('device', fromBase64url(v.deviceSecret, 32)));
      const castSignature = base64url(device(castDigest(electionId, code)));
      casts.push({
        token: v.token,
        body: JSON.stringify({ ballot, castSignature }),
        ballot,
        code,
        castSignature,
      });
    }
    await rm(tokensFile, { force: true }); // a file of device secrets: gone as soon as read

    // The crypto-bound rate: the edge's per-cast checks, one core (this thread), same casts.
    log('timing the per-cast checks on one core (token with cnf, cast signature, proofs)…');
    const authorization = authorizationContext(full);
    const checkOne = (c: PreparedCast) => {
      const checked = checkToken(authorization, c.token, Date.now());
      if ('refusal' in checked) throw new Error(`bench token refused: ${checked.refusal.code}`);
      if (castRefusal(authorization, checked.deviceKey, c.castSignature, c.code))
        throw new Error('bench cast signature refused');
      if (checkBallot(election, c.ballot).length > 0) throw new Error('bench ballot refused');
    };
    for (const c of casts.slice(0, 20)) checkOne(c);
    // Per CPU-second of this process (one thread runs the checks), as the edge's figure is: on a
    // shared machine wall-clock time also counts the time other processes had the core. Measured
    // before the casts and again after them, and the mean taken: within one run on this shared
    // machine the rate moved by up to 15 %.
    let next = 0;
    const timeChecks = () => {
      const t0 = performance.now();
      const cpuAtStart = process.cpuUsage();
      let count = 0;
      while (performance.now() - t0 < options.seconds * 1000 || count < 50) {
        checkOne(casts[next++ % casts.length]!);
        count++;
      }
      const used = process.cpuUsage(cpuAtStart);
      return {
        perCpuSecond: count / ((used.user + used.system) / 1e6),
        perSecond: count / ((performance.now() - t0) / 1000),
      };
    };
    const checksBefore = timeChecks();
    log(
      `  ${checksBefore.perCpuSecond.toFixed(1)} casts per CPU-second (${checksBefore.perSecond.toFixed(1)}/s of wall-clock time)`,
    );
    const nobleFixedBase = nobleBaseRate(Math.min(2, options.seconds));

    // 1. HTTP alone: the edge's refusal of a tokenless cast vs a bare Fastify route.
    const body = casts[0]!.body;
    const castPath = `/v1/elections/${electionId}/ballots`;
    const bareServer = await startBare(256 * 1024);
    bare = bareServer.child;
    const bareUrl = `http://127.0.0.1:${bareServer.port}${castPath}`;
    const edgeUrl = `${local.edge.url}${castPath}`;
    log(
      `HTTP alone, ${options.connections} connections, ${options.seconds} s each: bare Fastify, edge (401 TOKEN_MISSING), bare again…`,
    );
    const barePid = bare.pid ?? 0;
    await httpRate(bareUrl, barePid, body, options.connections, 1, 401); // warm-up
    await httpRate(edgeUrl, edgePid, body, options.connections, 1, 401); // warm-up
    const run = (url: string, pid: number) =>
      httpRate(url, pid, body, options.connections, options.seconds, 401);
    const bareBefore = await run(bareUrl, barePid);
    const edgeHttp = await run(edgeUrl, edgePid);
    const bareAfter = await run(bareUrl, barePid);
    const bareHttp = mean(bareBefore, bareAfter);
    await stopBare(bare);
    bare = undefined;
    log(
      `  bare ${bareBefore.perSecond.toFixed(0)}/s, edge ${edgeHttp.perSecond.toFixed(0)}/s, bare ${bareAfter.perSecond.toFixed(0)}/s; per CPU-second of the server: bare ${bareHttp.perCpuSecond.toFixed(0)}, edge ${edgeHttp.perCpuSecond.toFixed(0)}`,
    );

    // 2. Real casts through the edge. First one at a time until the edge's cached view of the
    // election says "open" (HANPYO_EDGE_CATALOG_TTL_MS); then a quarter of the casts under the same
    // load as the timed run, so the figure is the edge's steady state: a fresh process spends its
    // first seconds compiling the cast path (V8's optimizing compiler was 13 % of the edge's CPU
    // in a timed window after only 40 sequential warm-up casts, perf, 2026-12-01), which an edge
    // that runs for the whole election pays once.
    const warmUp = Math.max(WARM_UP_CASTS, Math.floor(casts.length / 4));
    log(`casting ${warmUp} ballots to warm up (${options.connections} connections)…`);
    for (let attempt = 0; ; attempt++) {
      const c = casts[0]!;
      const r = await fetch(edgeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${c.token}` },
        body: c.body,
      });
      await r.arrayBuffer();
      if (r.status === 201) break;
      if (r.status !== 403 || attempt > 50) throw new Error(`warm-up cast answered ${r.status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const autocannon = await loadAutocannon();
    /** Each of `batch` cast exactly once, in order, with `connections` in flight. */
    const castAll = (batch: readonly PreparedCast[], url = edgeUrl) => {
      let next = 0;
      return autocannon({
        url,
        connections: options.connections,
        amount: batch.length,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path: castPath,
            setupRequest: (request) => {
              const c = batch[next++ % batch.length]!;
              return {
                ...request,
                headers: {
                  'content-type': 'application/json',
                  authorization: `Bearer ${c.token}`,
                },
                body: c.body,
              };
            },
          },
        ],
      });
    };
    const warmed = await castAll(casts.slice(1, warmUp));
    const warmedOk = warmed.statusCodeStats?.['201']?.count ?? 0;
    if (warmedOk !== warmUp - 1 || warmed.errors > 0)
      throw new Error(`of ${warmUp - 1} warm-up casts ${warmedOk} were receipted`);
    const timed = casts.slice(warmUp);
    log(`casting ${timed.length} ballots, ${options.connections} connections…`);
    const cpu0 = await cpuSeconds(edgePid);
    const c0 = performance.now();
    const result = await castAll(timed);
    const castSeconds = (performance.now() - c0) / 1000;
    const edgeCpuSeconds = (await cpuSeconds(edgePid)) - cpu0;
    const statusCodes = Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count ?? 0]),
    );
    const receipted = statusCodes['201'] ?? 0;
    if (receipted !== timed.length || result.errors > 0)
      throw new Error(
        `of ${timed.length} casts ${receipted} were receipted (codes ${JSON.stringify(statusCodes)}, ${result.errors} errors)`,
      );
    const castRate = receipted / castSeconds;
    log(
      `  ${castRate.toFixed(1)} casts/s; the edge used ${edgeCpuSeconds.toFixed(1)} CPU-s (${(receipted / edgeCpuSeconds).toFixed(1)} casts per CPU-second)`,
    );

    // The raw producer: the same board messages, same partitions, same concurrency.
    const board = topicNames(kafkaConfig, electionId).ballots;
    await admin.connect();
    const [meta] = (await admin.fetchTopicMetadata({ topics: [board] })).topics;
    const partitions = meta?.partitions.length ?? 1;
    const rawTopic = `${prefix}bench-raw-producer.v1`;
    await admin.createTopics({
      topics: [{ topic: rawTopic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const messages: BenchBoardMessage[] = timed.map((c) =>
      boardMessage(c.ballot, c.code, c.token, c.castSignature),
    );
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    let rawSeconds: number;
    try {
      const send = (m: BenchBoardMessage, i: number) =>
        producer.send({
          topic: rawTopic,
          acks: -1,
          messages: [{ partition: i % partitions, key: m.key, value: m.value, headers: m.headers }],
        });
      for (let i = 0; i < Math.min(50, messages.length); i++) await send(messages[i]!, i); // warm-up
      log(
        `raw kafkajs producer: ${messages.length} messages, ${options.connections} sends in flight…`,
      );
      let k = 0;
      const r0 = performance.now();
      await Promise.all(
        Array.from({ length: options.connections }, async () => {
          while (k < messages.length) {
            const i = k++;
            await send(messages[i]!, i);
          }
        }),
      );
      rawSeconds = (performance.now() - r0) / 1000;
    } finally {
      await producer.disconnect();
    }
    const rawRate = messages.length / rawSeconds;
    log(`  ${rawRate.toFixed(0)} messages/s`);

    // The floor: a bare Fastify route that writes each cast to a board topic as the edge does
    // (group commit, idempotent, acks=all) and answers 201, with no check, no receipt signature, no
    // Nest and no worker threads. Any edge on Node, Fastify and kafkajs spends at least its CPU per
    // cast, so checks ÷ (checks + floor) bounds the edge's figure 3 from above.
    const floorTopic = `${prefix}bench-floor.v1`;
    await admin.createTopics({
      topics: [{ topic: floorTopic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const floorServer = await startBare(256 * 1024, { topic: floorTopic, partitions });
    bare = floorServer.child;
    const floorUrl = `http://127.0.0.1:${floorServer.port}${castPath}`;
    log(`floor: a bare Fastify route writing each cast to Kafka, ${timed.length} casts…`);
    await castAll(casts.slice(1, warmUp), floorUrl);
    const floorPid = floorServer.child.pid ?? 0;
    const f0 = await cpuSeconds(floorPid);
    const ft0 = performance.now();
    const floorResult = await castAll(timed, floorUrl);
    const floorSeconds = (performance.now() - ft0) / 1000;
    const floorCpuSeconds = (await cpuSeconds(floorPid)) - f0;
    const floorOk = floorResult.statusCodeStats?.['201']?.count ?? 0;
    if (floorOk !== timed.length || floorResult.errors > 0)
      throw new Error(`of ${timed.length} floor casts ${floorOk} were answered 201`);
    await stopBare(bare);
    bare = undefined;
    const floor = {
      casts: floorOk,
      perSecond: floorOk / floorSeconds,
      perCpuSecond: floorOk / floorCpuSeconds,
    };
    log(
      `  ${floor.perSecond.toFixed(1)} casts/s; ${floor.perCpuSecond.toFixed(1)} per CPU-second of the server (${((1000 * floorCpuSeconds) / floorOk).toFixed(3)} ms each)`,
    );

    const bodyBytes = Buffer.byteLength(body);
    const messageBytes = Math.round(
      messages.reduce((s, m) => s + m.value.length + m.key.length, 0) / messages.length,
    );
    log('timing the per-cast checks on one core again…');
    const checksAfter = timeChecks();
    const cryptoBoundPerCore = (checksBefore.perCpuSecond + checksAfter.perCpuSecond) / 2;
    const cryptoBoundWallClock = (checksBefore.perSecond + checksAfter.perSecond) / 2;
    log(
      `  ${checksAfter.perCpuSecond.toFixed(1)} casts per CPU-second (${checksAfter.perSecond.toFixed(1)}/s of wall-clock time); mean ${cryptoBoundPerCore.toFixed(1)}`,
    );
    // CPU-seconds per cast: the checks', the floor's; the ceiling of figure 3 is their ratio.
    const ceiling = 1 / cryptoBoundPerCore / (1 / cryptoBoundPerCore + 1 / floor.perCpuSecond);
    log(
      `  the floor leaves an edge at most ${ceiling.toFixed(3)} of the crypto-bound rate per CPU-second`,
    );
    const figures = [
      figure({
        bench: 'edge',
        name: 'edge HTTP alone: tokenless cast refused 401, no crypto or Kafka',
        value: edgeHttp.perSecond,
        unit: 'req/s',
        baseline: {
          name: 'bare Fastify route, same body',
          value: bareHttp.perSecond,
          unit: 'req/s',
        },
        note: `${bodyBytes}-byte body, ${options.connections} connections; per CPU-second of each server ${(edgeHttp.perCpuSecond / bareHttp.perCpuSecond).toFixed(3)}×`,
      }),
      figure({
        bench: 'edge',
        name: 'edge + Kafka: valid casts receipted after acks=all',
        value: castRate,
        unit: 'casts/s',
        baseline: {
          name: 'raw kafkajs producer, idempotent, acks=all, same messages and concurrency',
          value: rawRate,
          unit: 'msg/s',
        },
        note: `${receipted} casts, ${messageBytes}-byte messages`,
      }),
      figure({
        bench: 'edge',
        name: 'edge + Kafka: casts per CPU-second of the edge process',
        value: receipted / edgeCpuSeconds,
        unit: 'casts/CPU-s',
        baseline: {
          name: 'per-cast crypto checks, one thread',
          value: cryptoBoundPerCore,
          unit: 'casts/CPU-s',
        },
        target: 0.8,
        note: `per machine core (${cores}, shared with Kafka, Cassandra and the load): ${(castRate / cores / cryptoBoundPerCore).toFixed(3)}×; the most any Node edge could reach, checks ÷ (checks + the floor's CPU per cast): ${ceiling.toFixed(3)}×`,
      }),
    ];
    return {
      suite: 'edge',
      at: new Date().toISOString(),
      node: process.version,
      cores,
      method:
        'registrar and edge as their own processes (scripts/stack/lib.mjs) on free ports, own topic prefix and keyspace; autocannon in this process; bare Fastify baseline in its own process, before and after; raw kafkajs producer in this process after the casts; then the floor, a bare Fastify route writing the same casts to Kafka (group commit, acks=all) in its own process; CPU of the edge and of the floor from /proc/<pid>/stat',
      connections: options.connections,
      bodyBytes,
      messageBytes,
      http: { bareBefore, bareAfter, edge: edgeHttp },
      casts: { sent: timed.length, receipted, seconds: castSeconds, edgeCpuSeconds, statusCodes },
      rawProducer: { messages: messages.length, seconds: rawSeconds },
      floor: { ...floor, ceiling },
      cryptoBoundPerCore,
      cryptoBoundWallClock,
      cryptoBound: { before: checksBefore, after: checksAfter },
      nobleFixedBase,
      figures,
    };
  } finally {
    if (bare) await stopBare(bare);
    await stack.stopServices(started).catch((e: unknown) => log(`stopping: ${String(e)}`));
    // Everything of the benchmark's own: topics under its prefix, its keyspace, its state.
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0)
      await admin
        .deleteTopics({ topics })
        .catch((e: unknown) => log(`could not delete topics: ${String(e)}`));
    await admin.disconnect();
    const cassandra = createCassandraClient(cassandraConfig);
    await cassandra
      .execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
      .catch((e: unknown) => log(`could not drop keyspace ${keyspace}: ${String(e)}`));
    await cassandra.shutdown();
    await rm(state, { recursive: true, force: true });
  }
}

export async function runEdgeBench(options: EdgeBenchOptions): Promise<number> {
  const print = (s: string) => {
    if (!options.json) process.stdout.write(`${s}\n`);
  };
  const result = await measureEdge(options, print);
  for (const f of result.figures)
    print(`${f.name}: ${f.value.toFixed(1)} ${f.unit}, ratio ${f.ratio.toFixed(3)}`);
  const out = options.out ?? join('bench-results', `edge-${result.at.replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else print(`wrote ${out}`);
  return 0;
}
