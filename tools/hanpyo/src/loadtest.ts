// `hanpyo loadtest <profile> [options]` (`npm run loadtest -- <profile>`): the local load runner.
// It runs a profile of loadtest/profiles/ — the scenario and thresholds the k6 scripts run on a
// cluster, through the same loadtest/lib/profile.js — against the local stack (.hanpyo/local.json):
//
//   1. an election made for the run (or `--election ID --prepared DIR`), its votes prepared by
//      `hanpyo loadgen prepare`'s function, so the runner does no ballot cryptography;
//   2. an open model: voter k of the roll arrives at the instant ∫rate reaches k (deterministic
//      spacing, as k6's ramping-arrival-rate), whatever the server is doing; at most maxVUs voters
//      in flight, an arrival finding them all busy is dropped and counted; a 503 is retried after
//      its Retry-After up to RETRIES_ON_503 times (undici, one connection per voter in flight);
//   3. the latency of every cast request in an HDR histogram; each receipt checked (the edge's
//      signature, this ballot's tracking code) and written as a JSON line;
//   4. the election closed, the final block awaited, and every receipt audited (`hanpyo audit`'s
//      function): included in a signed block, nothing lost, duplicated or forged;
//   5. the profile's thresholds judged on the figures; exit 0 only when they all hold and the audit
//      is clean. A JSON result (figures, verdicts, audit, machine) goes to --out.
//
// Nothing of a token, a selection or a secret is printed or written to the result.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { arch, availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { Pool } from 'undici';
import { parseEncryptedBallot, parseReceipt } from '@hanpyo/contracts';
import type { Manifest } from '@hanpyo/contracts';
import {
  base64url,
  castDigest,
  fromBase64url,
  signingKeyFromSeed,
  trackingCode,
} from '@hanpyo/crypto';
import { nativeSigner } from '@hanpyo/crypto-native';
import { auditReceipts } from './audit.js';
import type { AuditReport } from './audit.js';
import { initFastest } from './backend.js';
import { receiptProblem } from './cast.js';
import { voterMode } from './loadgen-format.js';
import type { LoadgenMeta } from './loadgen-format.js';
import {
  arrivalCount,
  arrivalTimes,
  exitStatus,
  measuredOf,
  retryDelayMs,
  runArrivals,
} from './loadtest-model.js';
import type { ArrivalOutcome, Latency, Tally } from './loadtest-model.js';
import { LoadtestError, loadProfile, profileLib } from './loadtest-profiles.js';
import type { Measured, Profile, ProfileLib, Verdict } from './loadtest-profiles.js';
import {
  DEFAULT_MARGIN_SECONDS,
  existingTarget,
  freshTarget,
  loadtestElectionId,
  windowSeconds,
} from './loadtest-setup.js';
import type { Target } from './loadtest-setup.js';
import { call, localPath, readLocal } from './local.js';
import type { LocalStack } from './local.js';
import { statusLine } from './progress.js';

export interface LoadtestOptions {
  /** A profile name of loadtest/profiles/, or a path to a profile file (.json). */
  readonly profile: string;
  /** Run a profile meant for a cluster (target "cluster") here anyway. */
  readonly force?: boolean;
  /** An existing open election and its preparation, instead of a fresh election. */
  readonly electionId?: string;
  readonly prepared?: string;
  /** The result JSON; default <state>/loadtest/<election>/result.json. */
  readonly out?: string;
  /** Close the election and audit after the final block (true), or audit it open (pending allowed). */
  readonly close?: boolean;
  /** Seconds of voting window kept after the run in a fresh election. */
  readonly marginSeconds?: number;
  /** Where the lines of the run go (stdout by default). */
  readonly log?: (line: string) => void;
}

/** One voter of the preparation, as it is cast. */
type PreparedVoter =
  | {
      readonly kind: 'client';
      readonly voterId: string;
      readonly districtId: string;
      readonly trackingCode: string;
      readonly token: string;
      readonly body: string;
    }
  | {
      readonly kind: 'edge';
      readonly voterId: string;
      readonly districtId: string;
      readonly token: string;
      readonly deviceSecret: string;
      readonly selections: Record<string, string[]>;
    };

export interface LoadtestFigures extends Tally {
  readonly seconds: number;
  readonly targetRate: number;
  readonly sentRate: number;
  readonly receiptedRate: number;
  readonly latency: Latency | null;
  readonly byStatus: Record<string, number>;
  readonly errors: Record<string, number>;
  readonly encryptRequests: number;
  readonly maxLagMs: number;
  readonly peakInFlight: number;
  readonly runnerCpuSeconds: number;
  readonly interrupted: boolean;
}

export interface LoadtestResult {
  readonly format: 'hanpyo-loadtest/1';
  readonly profile: Profile;
  readonly scenario: Profile['scenario'];
  readonly electionId: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly figures: LoadtestFigures;
  readonly measured: Measured;
  readonly verdicts: readonly Verdict[];
  readonly audit: {
    readonly closed: boolean;
    readonly ok: boolean;
    readonly receipts: number;
    readonly counts: AuditReport['counts'];
    readonly blocks: AuditReport['blocks'];
    readonly board: AuditReport['board'];
    readonly problems: AuditReport['problems'];
  };
  readonly histogram: { readonly unit: 'µs'; readonly hdrBase64: string };
  readonly files: { readonly receipts: string; readonly prepared: string };
  readonly machine: Record<string, unknown>;
  readonly exitCode: 0 | 1;
}

const REQUEST_TIMEOUT_MS = 60_000;
/** HDR histogram of microseconds, 1 µs to 1 h, 3 significant digits. */
const newHistogram = (): Histogram =>
  build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });

function latencyOf(h: Histogram): Latency | null {
  if (h.totalCount === 0) return null;
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    p50Ms: ms(h.getValueAtPercentile(50)),
    p95Ms: ms(h.getValueAtPercentile(95)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    maxMs: ms(h.maxValue),
    meanMs: ms(h.mean),
  };
}

function badLine(path: string, line: number): LoadtestError {
  return new LoadtestError(
    'LOADTEST_PREPARATION_MISMATCH',
    `${path}:${line} is not a line of a loadgen preparation (loadtest/FORMAT.md)`,
  );
}

/** The lines of one file, parsed, in order. */
async function* fileLines(path: string): AsyncGenerator<{ line: number; value: unknown }> {
  let line = 0;
  for await (const text of createInterface({
    input: createReadStream(path),
    crlfDelay: Infinity,
  })) {
    line++;
    if (!text) continue;
    try {
      yield { line, value: JSON.parse(text) as unknown };
    } catch {
      throw badLine(path, line);
    }
  }
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** The first `count` voters of the preparation, in roll order (mixed: the two files interleaved). */
async function* preparedVoters(
  dir: string,
  meta: LoadgenMeta,
  count: number,
): AsyncGenerator<PreparedVoter> {
  let given = 0;
  for (const shard of [...meta.shards].sort((a, b) => a.index - b.index)) {
    const casts = fileLines(join(dir, shard.files.casts));
    const edges = fileLines(join(dir, shard.files.edge));
    try {
      for (let position = shard.from; position < shard.to; position++) {
        if (given >= count) return;
        const kind = voterMode(meta.mode, position);
        const file = join(dir, kind === 'client' ? shard.files.casts : shard.files.edge);
        const next = await (kind === 'client' ? casts : edges).next();
        if (next.done) throw badLine(file, -1);
        const v = next.value.value as Record<string, unknown> | null;
        const common = v && isText(v.voterId) && isText(v.districtId) && isText(v.token);
        if (kind === 'client' && common && isText(v.trackingCode) && isText(v.body))
          yield {
            kind,
            voterId: v.voterId as string,
            districtId: v.districtId as string,
            token: v.token as string,
            trackingCode: v.trackingCode,
            body: v.body,
          };
        else if (
          kind === 'edge' &&
          common &&
          isText(v.deviceSecret) &&
          typeof v.selections === 'object'
        )
          yield {
            kind,
            voterId: v.voterId as string,
            districtId: v.districtId as string,
            token: v.token as string,
            deviceSecret: v.deviceSecret,
            selections: v.selections as Record<string, string[]>,
          };
        else throw badLine(file, next.value.line);
        given++;
      }
    } finally {
      await casts.return(undefined);
      await edges.return(undefined);
    }
  }
}

/** The stable code of an error answer `{"error":{"code"}}`, else HTTP_<status>. */
function errorCode(status: number, text: string): string {
  let code: unknown;
  try {
    code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    code = undefined; // not JSON: the status says it
  }
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : `HTTP_${status}`;
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The stack answers: each service's /health/ready, else LOADTEST_STACK_DOWN. */
async function checkStack(local: LocalStack): Promise<void> {
  for (const [name, url] of [
    ['registrar', local.registrar.url],
    ['edge', local.edge.url],
    ['ledger', local.ledger.url],
  ] as const) {
    const ready = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready)
      throw new LoadtestError(
        'LOADTEST_STACK_DOWN',
        `the ${name} at ${url} (from ${localPath()}) is not ready: start the stack with \`npm start -- --no-demo\``,
      );
  }
}

/** The run itself: arrivals, casts, receipts; resolves with the figures. */
async function castAll(
  lib: ProfileLib,
  profile: Profile,
  local: LocalStack,
  target: Target,
  receiptsPath: string,
  log: (line: string) => void,
): Promise<{ figures: LoadtestFigures; histogram: Histogram }> {
  const { scenario } = profile;
  const manifest: Manifest = target.manifest;
  const electionPath = `/v1/elections/${encodeURIComponent(target.electionId)}`;
  const count = arrivalCount(scenario, lib);
  const duration = lib.durationOf(scenario);
  const pool = new Pool(new URL(local.edge.url).origin, {
    connections: scenario.maxVUs,
    pipelining: 1,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: 30_000,
  });
  const out = createWriteStream(receiptsPath, { mode: 0o600 });
  const histogram = newHistogram();
  const byStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let requests = 0;
  let unavailable = 0;
  let receipted = 0;
  let encryptRequests = 0;
  let failed = 0;
  let inFlight = 0;
  let started = 0;
  let dropped = 0;
  const fail = (code: string) => {
    failed++;
    errors[code] = (errors[code] ?? 0) + 1;
  };

  /** One request with the 503 rule: sent again after Retry-After, up to RETRIES_ON_503 times. */
  const post = async (
    path: string,
    token: string,
    body: string,
    measure: boolean,
  ): Promise<{ status: number; text: string }> => {
    for (let retries = 0; ; retries++) {
      const t0 = performance.now();
      const response = await pool.request({
        path: `${electionPath}${path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      const text = await response.body.text();
      const status = response.statusCode;
      if (measure) {
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        requests++;
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        if (status === 503) unavailable++;
      } else encryptRequests++;
      const delay = retryDelayMs(
        status,
        header(response.headers['retry-after']),
        retries,
        lib.RETRIES_ON_503,
      );
      if (delay === undefined) return { status, text };
      await sleep(delay);
    }
  };

  const visit = async (v: PreparedVoter): Promise<void> => {
    inFlight++;
    try {
      let body: string;
      let code: string;
      if (v.kind === 'client') {
        body = v.body;
        code = v.trackingCode;
      } else {
        // Edge mode: the edge encrypts, the device (here) signs the cast of exactly that ballot.
        const encrypted = await post(
          '/ballots/encrypt',
          v.token,
          JSON.stringify({ selections: v.selections }),
          false,
        );
        if (encrypted.status !== 200) return fail(errorCode(encrypted.status, encrypted.text));
        const ballot = parseEncryptedBallot(
          (JSON.parse(encrypted.text) as { ballot: unknown }).ballot,
        );
        code = trackingCode(ballot);
        const sign = nativeSigner(signingKeyFromSeed('device', fromBase64url(v.deviceSecret, 32)));
        body = JSON.stringify({
          ballot,
          castSignature: base64url(sign(castDigest(manifest.electionId, code))),
        });
      }
      const answer = await post('/ballots', v.token, body, true);
      if (answer.status !== 201) return fail(errorCode(answer.status, answer.text));
      let receipt;
      try {
        receipt = parseReceipt((JSON.parse(answer.text) as { receipt: unknown }).receipt);
      } catch {
        return fail('RECEIPT_UNREADABLE');
      }
      if (receiptProblem(receipt, manifest, { trackingCode: code, districtId: v.districtId }))
        return fail('RECEIPT_INVALID');
      out.write(`${JSON.stringify({ voterId: v.voterId, mode: v.kind, receipt })}\n`);
      receipted++;
    } catch (e) {
      const c = (e as { code?: unknown }).code;
      fail(typeof c === 'string' && /^[A-Z0-9_]{1,40}$/.test(c) ? c : 'REQUEST_FAILED');
    } finally {
      inFlight--;
    }
  };

  async function* schedule(): AsyncGenerator<{ at: number; item: PreparedVoter }> {
    const times = arrivalTimes(scenario, lib);
    for await (const item of preparedVoters(target.prepared, target.meta, count)) {
      const t = times.next();
      if (t.done) return;
      yield { at: t.value, item };
    }
  }

  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('\ninterrupted: no more arrivals; waiting for the casts in flight');
  };
  process.once('SIGINT', onSignal);
  const status = statusLine();
  let startMs = performance.now();
  let lastShown = { at: startMs, started: 0 };
  let sentRate = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    const t = (now - startMs) / 1000;
    if (now - lastShown.at >= 1000) {
      sentRate = ((started - lastShown.started) * 1000) / (now - lastShown.at);
      lastShown = { at: now, started };
    }
    const p95 =
      histogram.totalCount > 0 ? (histogram.getValueAtPercentile(95) / 1000).toFixed(0) : '-';
    status.show(
      () =>
        `${profile.profile} ${t.toFixed(0)}/${duration} s  sent ${sentRate.toFixed(1)}/s (target ${lib.rateAt(scenario, t).toFixed(1)}/s)  in flight ${inFlight}  p95 ${p95} ms  201 ${byStatus[201] ?? 0}  503 ${unavailable}  errors ${failed}  dropped ${dropped}`,
    );
  }, 250);
  const cpu0 = process.cpuUsage();
  let outcome: ArrivalOutcome;
  try {
    outcome = await runArrivals({
      arrivals: schedule(),
      maxInFlight: scenario.maxVUs,
      onStart: (ms) => {
        startMs = ms;
        lastShown = { at: ms, started: 0 };
      },
      visit: (v) => {
        started++;
        return visit(v);
      },
      onDrop: () => dropped++,
      stopped: () => interrupted,
    });
  } finally {
    clearInterval(ticker);
    status.done();
    process.removeListener('SIGINT', onSignal);
    out.end();
    await once(out, 'finish');
    await pool.close();
  }
  const seconds = (performance.now() - startMs) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    histogram,
    figures: {
      arrivals: outcome.arrivals,
      dropped: outcome.dropped,
      voters: outcome.started,
      receipted,
      requests,
      unavailable,
      seconds,
      targetRate: count / duration,
      sentRate: outcome.started / Math.min(seconds, duration),
      receiptedRate: receipted / seconds,
      latency: latencyOf(histogram),
      byStatus,
      errors,
      encryptRequests,
      maxLagMs: Math.round(outcome.maxLagMs * 10) / 10,
      peakInFlight: outcome.peakInFlight,
      runnerCpuSeconds: (cpu.user + cpu.system) / 1e6,
      interrupted,
    },
  };
}

/** Closes the election and resolves once the ledger has cut its final block. */
async function closeAndAwaitFinal(
  local: LocalStack,
  electionId: string,
  log: (line: string) => void,
): Promise<void> {
  const id = encodeURIComponent(electionId);
  const answer = await call<{ finalBlockAfter?: string }>(
    `${local.registrar.url}/v1/elections/${id}/close`,
    { method: 'POST', body: {}, token: local.registrar.adminToken },
  );
  const after = answer.finalBlockAfter ? Date.parse(answer.finalBlockAfter) : Date.now();
  log(
    `closed ${electionId}; the final block comes after ${answer.finalBlockAfter ?? 'now'} (${Math.max(0, Math.ceil((after - Date.now()) / 1000))} s)`,
  );
  const deadline = Math.max(after, Date.now()) + 120_000;
  for (;;) {
    const latest = await call<{ block: { final: boolean; height: number } }>(
      `${local.ledger.url}/v1/elections/${id}/blocks/latest`,
    ).catch(() => undefined);
    if (latest?.block.final) {
      log(`final block ${latest.block.height}`);
      return;
    }
    if (Date.now() > deadline)
      throw new LoadtestError(
        'LOADTEST_FINAL_BLOCK_TIMEOUT',
        `no final block for ${electionId} 120 s after ${answer.finalBlockAfter ?? 'the close'}: is the ledger running?`,
      );
    await sleep(1000);
  }
}

function machine(load0: number[]): Record<string, unknown> {
  const cpu = cpus();
  return {
    platform: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    cpus: cpu.length,
    availableParallelism: availableParallelism(),
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageBefore: load0.map((x) => Math.round(x * 100) / 100),
    loadAverageAfter: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const fixed = (x: number | null | undefined, d = 1) => (x == null ? '-' : x.toFixed(d));

/** The summary printed after a run. */
function summary(profile: Profile, f: LoadtestFigures, histogram: Histogram): string[] {
  const l = f.latency;
  const statuses = Object.entries(f.byStatus)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const errors = Object.entries(f.errors)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  return [
    '',
    `cast latency distribution (HDR histogram, ms; ${histogram.totalCount} requests):`,
    histogram.totalCount > 0 ? histogram.outputPercentileDistribution(5, 1000).trimEnd() : '(none)',
    '',
    `${profile.profile}: ${f.arrivals} arrivals in ${f.seconds.toFixed(1)} s, ${f.voters} cast, ${f.dropped} dropped (cap ${profile.scenario.maxVUs} in flight, peak ${f.peakInFlight})${f.interrupted ? ', INTERRUPTED' : ''}`,
    `throughput: target ${f.targetRate.toFixed(1)}/s, sent ${f.sentRate.toFixed(1)}/s, receipted ${f.receiptedRate.toFixed(1)}/s (${f.receipted} receipts)`,
    `latency (ms): p50 ${fixed(l?.p50Ms)}  p95 ${fixed(l?.p95Ms)}  p99 ${fixed(l?.p99Ms)}  max ${fixed(l?.maxMs)}  mean ${fixed(l?.meanMs)}`,
    `cast requests: ${f.requests} (${statuses || 'none'}); 503 rate ${(f.requests ? (100 * f.unavailable) / f.requests : 0).toFixed(2)} %${f.encryptRequests ? `; ${f.encryptRequests} encrypt requests` : ''}`,
    `voters in error: ${f.voters - f.receipted}${errors ? ` (${errors})` : ''}`,
    `runner: ${f.runnerCpuSeconds.toFixed(1)} s of CPU, started arrivals at most ${f.maxLagMs.toFixed(1)} ms late`,
  ];
}

/** Runs the profile; resolves with the exit status, the result and where it was written. */
export async function loadtest(
  options: LoadtestOptions,
): Promise<{ exitCode: 0 | 1; result: LoadtestResult; resultPath: string }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const lib = await profileLib();
  const profile = await loadProfile(options.profile);
  const duration = lib.durationOf(profile.scenario);
  const count = arrivalCount(profile.scenario, lib);
  if (profile.target === 'cluster' && !options.force)
    throw new LoadtestError(
      'LOADTEST_PROFILE_CLUSTER',
      `${profile.profile} is a cluster profile (${count.toLocaleString('en')} voters over ${duration} s): k6 runs it against a real cluster (loadtest/k6/, loadtest/README.md); on this machine run city-local, its scaled copy, or pass --force`,
    );
  if ((options.electionId === undefined) !== (options.prepared === undefined))
    throw new LoadtestError('LOADTEST_ARGUMENT', '--election ID and --prepared DIR go together');
  await initFastest();
  const local = await readLocal();
  await checkStack(local);
  const load0 = loadavg();
  const startedAt = new Date();
  const electionId = options.electionId ?? loadtestElectionId(profile.profile, startedAt);
  const dir = join(dirname(localPath()), 'loadtest', electionId);
  await mkdir(dir, { recursive: true });
  log(
    `loadtest ${profile.profile}: ${count} voters over ${duration} s (${profile.mode} mode, up to ${profile.scenario.maxVUs} in flight); deterministic arrival spacing (k6 ramping-arrival-rate)`,
  );
  const target = options.prepared
    ? await existingTarget(local, profile, electionId, resolve(options.prepared), count)
    : await freshTarget(
        local,
        profile,
        electionId,
        dir,
        windowSeconds(profile, duration, options.marginSeconds ?? DEFAULT_MARGIN_SECONDS),
        count,
        log,
      );
  const left = (Date.parse(target.manifest.closes) - Date.now()) / 1000;
  if (left < duration + 5)
    throw new LoadtestError(
      'LOADTEST_WINDOW',
      `election ${electionId} closes in ${left.toFixed(0)} s, before a ${duration} s run ends${target.fresh ? ': setup took longer than planned; run again with a larger --margin' : ''}`,
    );
  const receiptsPath = join(dir, 'receipts.ndjson');
  log(`casting: ${count} arrivals; receipts to ${receiptsPath}`);
  const { figures, histogram } = await castAll(lib, profile, local, target, receiptsPath, log);
  for (const line of summary(profile, figures, histogram)) log(line);

  const close = options.close ?? true;
  if (close) await closeAndAwaitFinal(local, electionId, log);
  log(`auditing ${figures.receipted} receipts against the board, Cassandra and the blocks…`);
  const report = await auditReceipts(electionId, receiptsPath, (line) => log(`  ${line}`));
  const c = report.counts;
  const auditOk = report.ok && (!close || c.included === figures.receipted);
  log(
    `audit: ${report.receipts} receipts: ${c.included} included, ${c.pending} pending, ${c.lost} lost, ${c.duplicated} duplicated, ${c.refused} refused, ${c.forged} forged, ${c.unreadable} unreadable${close ? '' : ' (election left open: pending allowed)'} — ${auditOk ? 'clean' : 'FAILED'}`,
  );
  for (const p of report.problems.slice(0, 10))
    log(`  ${p.status} line ${p.line}: ${p.code}: ${p.detail}`);

  const measured = measuredOf(figures, figures.latency);
  const verdicts = lib.verdicts(profile.thresholds, measured, lib.droppedLimit(profile));
  log('thresholds:');
  for (const v of verdicts)
    log(
      `  ${v.ok ? 'PASS' : 'FAIL'}  ${v.threshold.padEnd(32)} ${v.value === null ? 'nothing measured' : String(Math.round(v.value * 1e6) / 1e6)}`,
    );
  const exitCode = figures.interrupted ? 1 : exitStatus(verdicts, { ok: auditOk });
  const result: LoadtestResult = {
    format: 'hanpyo-loadtest/1',
    profile,
    scenario: profile.scenario,
    electionId,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    figures,
    measured,
    verdicts,
    audit: {
      closed: close,
      ok: auditOk,
      receipts: report.receipts,
      counts: report.counts,
      blocks: report.blocks,
      board: report.board,
      problems: report.problems.slice(0, 20),
    },
    histogram: { unit: 'µs', hdrBase64: encodeIntoCompressedBase64(histogram) },
    files: { receipts: receiptsPath, prepared: target.prepared },
    machine: machine(load0),
    exitCode,
  };
  const resultPath = resolve(options.out ?? join(dir, 'result.json'));
  await mkdir(dirname(resultPath), { recursive: true });
  await writeFile(resultPath, `${JSON.stringify(result, null, 2)}\n`);
  log(`result: ${resultPath}`);
  log(exitCode === 0 ? 'loadtest: PASSED' : 'loadtest: FAILED');
  return { exitCode, result, resultPath };
}

export const LOADTEST_USAGE =
  'loadtest <profile> [--force] [--election ID --prepared DIR] [--out FILE] [--no-close] [--margin S]';

/** `hanpyo loadtest …`: parses its options; the exit status of the run. */
export async function runLoadtest(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      force: { type: 'boolean', default: false },
      election: { type: 'string' },
      prepared: { type: 'string' },
      out: { type: 'string' },
      'no-close': { type: 'boolean', default: false },
      margin: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1)
    throw new LoadtestError('LOADTEST_ARGUMENT', `one profile, please: ${LOADTEST_USAGE}`);
  const margin = values.margin === undefined ? undefined : Number(values.margin);
  if (margin !== undefined && !(Number.isFinite(margin) && margin >= 0))
    throw new LoadtestError('LOADTEST_ARGUMENT', '--margin is a number of seconds ≥ 0');
  const { exitCode } = await loadtest({
    profile: positionals[0]!,
    force: values.force,
    close: !values['no-close'],
    ...(values.election !== undefined ? { electionId: values.election } : {}),
    ...(values.prepared !== undefined ? { prepared: values.prepared } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(margin !== undefined ? { marginSeconds: margin } : {}),
  });
  return exitCode;
}
