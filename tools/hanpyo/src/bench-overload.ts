// `hanpyo bench overload` (npm run bench:overload): the edge at 1× and 2× of its capacity measured
// in the same run (issue 12 point 3). A registrar and an edge of the benchmark's own (the stack
// launcher, free ports, own topic prefix, keyspace and state, all removed at the end), an election
// with a synthetic roll, and client-mode casts prepared by `hanpyo loadgen prepare`'s own function,
// each voter cast once. Then, over HTTP from this process:
//
//  1. capacity: a closed loop of C connections (fewer than the edge's in-flight bound, so nothing
//     is shed) for S seconds; receipts per second is the capacity;
//  2. 1×: an open-model arrival of `capacity` casts per second for S seconds (requests are sent on
//     schedule whatever the answers: an overloaded edge gets no relief from slow answers);
//  3. 2×: twice that for S seconds;
//  4. recovery: half the capacity for S seconds; the time to full recovery is the time from the end
//     of 2× to the answer of the last cast refused or slower than the 1× p99 × 1.5.
//
// Per phase: accepted throughput, the share of 503s and their Retry-After spread, p50/p99 of the
// accepted casts (2× as ratios to 1×), and the edge's resident memory (before, the peak during 2×,
// after). A refused cast is not sent again: each arrival is one new voter. Prints the figures and
// writes JSON under bench-results/. Nothing here fails on timing.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCassandraClient, cassandraConfigFromEnv } from '@hanpyo/cassandra';
import { parseManifest } from '@hanpyo/contracts';
import type { Manifest } from '@hanpyo/contracts';
import { systemRandom } from '@hanpyo/crypto';
import { createKafka, kafkaConfigFromEnv } from '@hanpyo/kafka';
import { loadgenPrepare } from './loadgen.js';
import { call, readLocal, registrarKey } from './local.js';
import { loadtestManifest } from './loadtest-setup.js';
import { phaseFigures, ratio, recoverySeconds } from './overload-model.js';
import type { PhaseFigures, Sample } from './overload-model.js';
import { synthRoll } from './roll.js';
import { benchStack } from './bench-stack.js';
import { synthCeremony } from './synth.js';

export interface OverloadBenchOptions {
  /** Seconds of each phase. */
  readonly seconds: number;
  /** Connections of the capacity phase's closed loop. */
  readonly connections: number;
  /** Voters prepared (each arrival uses one). */
  readonly voters: number;
  readonly out?: string;
  readonly json?: boolean;
}

/** One prepared client-mode cast (loadtest/FORMAT.md). */
interface Cast {
  readonly token: string;
  readonly body: string;
}

/** Most requests outstanding at once in the open model; beyond it an arrival is dropped. */
const MAX_OUTSTANDING = 4000;

/** Resident memory of a process (bytes), from /proc/<pid>/status. */
async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

async function preparedCasts(dir: string, shards: readonly { files: { casts?: string } }[]) {
  const casts: Cast[] = [];
  for (const shard of shards) {
    if (!shard.files.casts) continue;
    for (const line of (await readFile(join(dir, shard.files.casts), 'utf8')).split('\n'))
      if (line.trim() !== '') casts.push(JSON.parse(line) as Cast);
  }
  return casts;
}

class Driver {
  private next = 0;
  readonly samples: (Sample & { phase: string })[] = [];
  outstanding = 0;
  dropped = 0;

  constructor(
    private readonly url: string,
    private readonly casts: readonly Cast[],
    private readonly t0: number,
  ) {}

  get left(): number {
    return this.casts.length - this.next;
  }

  /** Sends one new cast; resolves with its answer (never rejects). */
  async send(phase: string): Promise<void> {
    const cast = this.casts[this.next++];
    if (!cast) return;
    const sentAt = performance.now() - this.t0;
    this.outstanding++;
    let status: number;
    let retryAfter: string | null = null;
    try {
      const r = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cast.token}` },
        body: cast.body,
        signal: AbortSignal.timeout(60_000),
      });
      status = r.status;
      retryAfter = r.headers.get('retry-after');
      await r.arrayBuffer();
    } catch {
      status = 0;
    } finally {
      this.outstanding--;
    }
    this.samples.push({
      phase,
      sentAt,
      ms: performance.now() - this.t0 - sentAt,
      status,
      retryAfter,
    });
  }

  /** A closed loop of `connections` for `seconds`. */
  async closed(phase: string, connections: number, seconds: number): Promise<void> {
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < end && this.left > 0) await this.send(phase);
      }),
    );
  }

  /** Open-model arrivals at `rate` per second for `seconds`; resolves when all have answered. */
  async open(phase: string, rate: number, seconds: number): Promise<void> {
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    let sent = 0;
    for (;;) {
      const elapsed = (performance.now() - start) / 1000;
      if (elapsed >= seconds || this.left === 0) break;
      const due = Math.floor(elapsed * rate);
      while (sent < due && this.left > 0) {
        sent++;
        if (this.outstanding >= MAX_OUTSTANDING) this.dropped++;
        else inFlight.push(this.send(phase));
      }
      await sleep(5);
    }
    await Promise.all(inFlight);
  }
}

export interface OverloadBenchResult {
  readonly suite: 'overload';
  readonly at: string;
  readonly node: string;
  readonly cores: number;
  readonly method: string;
  readonly edge: { readonly maxInFlight: string; readonly pid: number };
  readonly seconds: number;
  readonly capacity: PhaseFigures;
  readonly x1: PhaseFigures;
  readonly x2: PhaseFigures;
  readonly recovery: PhaseFigures;
  readonly ratios: {
    readonly acceptedX2OverX1: number | null;
    readonly p50X2OverX1: number | null;
    readonly p99X2OverX1: number | null;
  };
  readonly recoverySeconds: number | null;
  readonly rss: {
    readonly beforeMiB: number;
    readonly peakDuringX2MiB: number;
    readonly afterMiB: number;
  };
  readonly droppedByClient: number;
  readonly exhausted: boolean;
}

export async function measureOverload(
  options: OverloadBenchOptions,
  log: (line: string) => void,
): Promise<OverloadBenchResult> {
  const { runId, state, prefix, keyspace, stack } = await benchStack('overload');
  const kafkaConfig = kafkaConfigFromEnv(process.env);
  const cassandraConfig = cassandraConfigFromEnv(process.env);
  let started: string[] = [];
  try {
    log(`starting a registrar and an edge of the benchmark's own (state ${state})…`);
    started = await stack.startServices(['registrar', 'edge'], { timeoutMs: 120_000 });
    const local = await readLocal();
    const pid = stack.runningPid('edge');
    if (pid === undefined) throw new Error('the edge is not running');
    const operator = registrarKey(local, 'operator');
    const electionId = `bench-overload-${runId}`;
    const now = Date.now();
    const created = await call<{ manifest: Manifest }>(`${local.registrar.url}/v1/elections`, {
      body: {
        manifest: loadtestManifest(
          electionId,
          options.voters,
          new Date(now - 60_000),
          new Date(now + 3_600_000),
        ),
      },
      token: operator,
    });
    const manifest = parseManifest(created.manifest);
    const base = `${local.registrar.url}/v1/elections/${electionId}`;
    await call(`${base}/ceremony`, {
      body: synthCeremony(manifest, systemRandom).record,
      token: operator,
    });
    if ((await synthRoll(electionId, options.voters)) !== 0)
      throw new Error('the roll was refused');
    await call(`${base}/open`, { method: 'POST', body: {}, token: operator });
    log(`preparing ${options.voters} client-mode casts…`);
    const prepared = join(state, 'prepared');
    const meta = await loadgenPrepare(
      {
        electionId,
        voters: options.voters,
        mode: 'client',
        out: prepared,
        shardSize: 100_000,
        threads: availableParallelism(),
      },
      () => undefined,
    );
    const casts = await preparedCasts(prepared, meta.shards);
    const t0 = performance.now();
    const driver = new Driver(`${local.edge.url}/v1/elections/${electionId}/ballots`, casts, t0);
    const S = options.seconds;
    const mib = (b: number) => b / (1 << 20);

    log('warm-up: 5 s closed loop…');
    await driver.closed('warm-up', Math.min(8, options.connections), 5);
    const rssBefore = await rssBytes(pid);
    const phase = (name: string) => driver.samples.filter((s) => s.phase === name);

    log(`capacity: closed loop of ${options.connections} connections for ${S} s…`);
    let t = performance.now();
    await driver.closed('capacity', options.connections, S);
    const capacity = phaseFigures(phase('capacity'), (performance.now() - t) / 1000);
    const rate = Math.max(1, capacity.acceptedPerSecond);
    log(
      `  capacity ${rate.toFixed(1)} casts/s (p50 ${capacity.p50?.toFixed(0)} ms, p99 ${capacity.p99?.toFixed(0)} ms)`,
    );

    log(`1×: ${rate.toFixed(1)} arrivals/s for ${S} s…`);
    t = performance.now();
    await driver.open('1x', rate, S);
    const x1 = phaseFigures(phase('1x'), S, rate);

    log(`2×: ${(2 * rate).toFixed(1)} arrivals/s for ${S} s…`);
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rssBytes(pid));
        await sleep(250);
      }
    })();
    t = performance.now();
    await driver.open('2x', 2 * rate, S);
    sampling = false;
    await sampler;
    const overloadEnd = t - t0 + S * 1000;
    const x2 = phaseFigures(phase('2x'), S, 2 * rate);

    log(`recovery: ${(rate / 2).toFixed(1)} arrivals/s for ${S} s…`);
    await driver.open('recovery', rate / 2, S);
    const recovery = phaseFigures(phase('recovery'), S, rate / 2);
    const slowMs = (x1.p99 ?? capacity.p99 ?? 1000) * 1.5;
    const recovered = recoverySeconds(phase('recovery'), overloadEnd, slowMs);
    await sleep(2000);
    const rssAfter = await rssBytes(pid);
    return {
      suite: 'overload',
      at: new Date().toISOString(),
      node: process.version,
      cores: availableParallelism(),
      method:
        'registrar and edge as their own processes (scripts/stack/lib.mjs), own topic prefix and keyspace, edge defaults; client-mode casts prepared by loadgen, one voter per request, 503s not retried; capacity = receipts/s of a closed loop; then open-model arrivals (fetch, on schedule) at 1×, 2× and 0.5× of it; RSS of the edge from /proc/<pid>/status',
      edge: { maxInFlight: process.env.HANPYO_EDGE_MAX_IN_FLIGHT ?? '256 (default)', pid },
      seconds: S,
      capacity,
      x1,
      x2,
      recovery,
      ratios: {
        acceptedX2OverX1: ratio(x2.acceptedPerSecond, x1.acceptedPerSecond),
        p50X2OverX1: ratio(x2.p50, x1.p50),
        p99X2OverX1: ratio(x2.p99, x1.p99),
      },
      recoverySeconds: recovered ?? null,
      rss: { beforeMiB: mib(rssBefore), peakDuringX2MiB: mib(peak), afterMiB: mib(rssAfter) },
      droppedByClient: driver.dropped,
      exhausted: driver.left === 0,
    };
  } finally {
    await stack.stopServices(started).catch((e: unknown) => log(`stopping: ${String(e)}`));
    const admin = createKafka(kafkaConfig).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((x) => x.startsWith(prefix));
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

function line(name: string, f: PhaseFigures): string {
  const spread = Object.entries(f.retryAfter)
    .sort()
    .map(([s, n]) => `${s}s×${n}`)
    .join(' ');
  const other = Object.keys(f.other).length > 0 ? `, other ${JSON.stringify(f.other)}` : '';
  return (
    `${name.padEnd(9)} offered ${f.offeredPerSecond?.toFixed(1) ?? 'closed'}/s, accepted ${f.acceptedPerSecond.toFixed(1)}/s, ` +
    `503 ${(100 * f.share503).toFixed(1)}%${spread ? ` (Retry-After ${spread})` : ''}, ` +
    `p50 ${f.p50?.toFixed(0) ?? '-'} ms, p99 ${f.p99?.toFixed(0) ?? '-'} ms${other}`
  );
}

/** The command: measure, print, write JSON. */
export async function runOverloadBench(options: OverloadBenchOptions): Promise<number> {
  const print = (s: string) => {
    if (!options.json) process.stdout.write(`${s}\n`);
  };
  const r = await measureOverload(options, print);
  print(line('capacity', r.capacity));
  print(line('1×', r.x1));
  print(line('2×', r.x2));
  print(line('recovery', r.recovery));
  const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(2));
  print(
    `2× over 1×: accepted ${fmt(r.ratios.acceptedX2OverX1)}, p50 ${fmt(r.ratios.p50X2OverX1)}, p99 ${fmt(r.ratios.p99X2OverX1)}`,
  );
  print(
    `edge RSS: before ${r.rss.beforeMiB.toFixed(0)} MiB, peak during 2× ${r.rss.peakDuringX2MiB.toFixed(0)} MiB, after ${r.rss.afterMiB.toFixed(0)} MiB`,
  );
  print(
    `full recovery ${r.recoverySeconds === null ? 'not seen' : `${r.recoverySeconds.toFixed(1)} s`} after the overload stopped`,
  );
  const out = options.out ?? join('bench-results', `overload-${r.at.replace(/[:.]/g, '-')}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(r, null, 2)}\n`);
  if (options.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else print(`wrote ${out}`);
  return 0;
}
