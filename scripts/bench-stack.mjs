#!/usr/bin/env node
// `npm run bench:stack`: accepted ballots per second through the full local stack (Kafka,
// Cassandra and every service), at a fixed number of concurrent voters, in edge mode (the edge
// encrypts: POST …/ballots/encrypt, then the device signs and casts) and client mode (ballots
// encrypted and signed before the window, then only cast). Reports p50/p99 latency of each accepted
// ballot, the CPU of every process over the window from /proc, the broker's CPU per accepted ballot,
// and every rate as a ratio to @noble/curves' fixed-base multiplication measured in the same run
// (the machine is shared and noisy). Writes JSON to bench-results/stack-*.json. Brings up what is
// not running and stops what it started.
//
//   npm run bench:stack -- [--mode edge|client|both] [--concurrency 64] [--seconds 30] [--voters 4000]
//                          [--warm-up 10]     (seconds of the same load before each mode's window, so
//                                              the window measures services past their JIT warm-up)
//                          [--linger 0,2,5]   (restarts the edge with each HANPYO_EDGE_BOARD_LINGER_MS;
//                                              only when this run started the edge)
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { nobleBaseRate } from '@hanpyo/cli/dist/bench-baseline.js';
import {
  base64url,
  castDigest,
  electionContext,
  encryptBallot,
  fromBase64url,
  pointFromText,
  randomBallotNonces,
  signingKeyFromSeed,
  systemRandom,
  trackingCode,
} from '@hanpyo/crypto';
import { initFastestBackend, nativeSigner } from '@hanpyo/crypto-native';
import { parseManifest } from '@hanpyo/contracts';
import { readFileSync } from 'node:fs';
import { down, up } from './infra/lib.mjs';
import { STATE_DIR, startServices, stopServices } from './stack/lib.mjs';
import {
  cli,
  cpuSeconds,
  openElection,
  positive,
  processes,
  readyStack,
  snapshot,
  writeResult,
} from './stack/bench-lib.mjs';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'both' },
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '30' },
    voters: { type: 'string', default: '4000' },
    'warm-up': { type: 'string', default: '10' },
    linger: { type: 'string' },
  },
});
const lingers =
  values.linger === undefined
    ? [undefined]
    : values.linger.split(',').map((t) => {
        const n = Number(t);
        if (!Number.isInteger(n) || n < 0 || n > 1000) {
          console.error(
            `bench:stack: --linger takes milliseconds 0..1000, comma-separated, not '${t}'`,
          );
          process.exit(2);
        }
        return n;
      });
if (!['edge', 'client', 'both'].includes(values.mode)) {
  console.error(`bench:stack: --mode is edge, client or both, not '${values.mode}'`);
  process.exit(2);
}
const modes = values.mode === 'both' ? ['edge', 'client'] : [values.mode];
const concurrency = positive('bench:stack', 'concurrency', values.concurrency);
const seconds = positive('bench:stack', 'seconds', values.seconds);
const voters = positive('bench:stack', 'voters', values.voters);
const warmUpSeconds = Number(values['warm-up']);
if (!Number.isFinite(warmUpSeconds) || warmUpSeconds < 0 || warmUpSeconds > 600) {
  console.error(`bench:stack: --warm-up takes seconds 0..600, not '${values['warm-up']}'`);
  process.exit(2);
}

/** The 5-option contest of issue 10's reading (choose 1). */
const CONTEST = {
  contestId: 'mayor',
  title: 'Mayor',
  options: ['a', 'b', 'c', 'd', 'e'].map((o) => ({ optionId: o, title: o })),
  minSelections: 1,
  maxSelections: 1,
};

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// The voters' HTTP client: node:http on kept-alive connections, one per concurrent voter. It shares
// the 2 cores with the stack it measures, so it should cost as little as it can: fetch (undici)
// used ~25 % of a core for ~55 votes/s (two requests each).
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function post(url, body, token) {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode < 200 || res.statusCode >= 300) {
            let code = `HTTP_${res.statusCode}`;
            try {
              code = JSON.parse(text).error?.code ?? code;
            } catch {
              // not JSON: keep the status
            }
            reject(Object.assign(new Error(code), { code }));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch (e) {
            reject(Object.assign(e, { code: 'RESPONSE_NOT_JSON' }));
          }
        });
      },
    );
    req.on('error', (e) => reject(Object.assign(e, { code: e.code ?? 'HTTP_ERROR' })));
    req.end(payload);
  });
}

const nullifierOf = (token) =>
  fromBase64url(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub, 32);

/** One voter's random choice of one option. */
const choice = () => ({
  mayor: [CONTEST.options[Math.floor(Math.random() * CONTEST.options.length)].optionId],
});

/**
 * Runs `concurrency` voters for `window` seconds over the voters' tokens (re-votes once every voter
 * has voted), from the `from`-th voter or prepared ballot; each job is one voter's whole flow in the
 * mode. Returns latencies and counts, and where the next run should start.
 */
async function drive(mode, ctx, window, from = 0) {
  const { edge, id, manifest, people, prepared } = ctx;
  const latencies = [];
  const rejected = {};
  let accepted = 0;
  let next = from;
  const deadline = performance.now() + window * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const k = next++;
      let ballot;
      let castSignature;
      let v;
      const t0 = performance.now();
      try {
        if (mode === 'client') {
          if (k >= prepared.length) return; // every prepared ballot cast: the window ends early
          ({ v, ballot, castSignature } = prepared[k]);
        } else {
          v = people[k % people.length];
          ({ ballot } = await post(
            `${edge}/v1/elections/${id}/ballots/encrypt`,
            { selections: choice() },
            v.token,
          ));
          castSignature = base64url(v.sign(castDigest(manifest.electionId, trackingCode(ballot))));
        }
        const { receipt } = await post(
          `${edge}/v1/elections/${id}/ballots`,
          { ballot, castSignature },
          v.token,
        );
        if (!receipt) throw Object.assign(new Error('no receipt'), { code: 'NO_RECEIPT' });
        latencies.push(performance.now() - t0);
        accepted++;
      } catch (e) {
        const code = e.code ?? 'ERROR';
        rejected[code] = (rejected[code] ?? 0) + 1;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { accepted, rejected, elapsed, latencies, next };
}

const started = { infra: [], services: [] };
let benchElection;
try {
  const infra = await up(undefined, {});
  started.infra = infra.started;
  started.services = await startServices();
  const local = await readyStack();
  const procs = processes();
  await initFastestBackend();
  const runId = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
  const electionId = `stack-${runId}`;
  console.log(`== election ${electionId}: ${voters} voters, a 5-option contest (choose 1)`);
  const opened = await openElection({
    electionId,
    dir: join(STATE_DIR, 'bench-stack', electionId),
    voters,
    // Open for the runs and a margin (client mode prepares its ballots first): closed at the end,
    // its final block follows `closes`, and then it costs the services nothing (bench:idle).
    closesInMs: 240_000 + lingers.length * modes.length * (seconds + warmUpSeconds + 90) * 1000,
    contest: CONTEST,
    modes: ['client', 'edge'],
    commitmentIntervalSeconds: 5,
  });
  benchElection = electionId;
  const edge = local.edge.url;
  const id = encodeURIComponent(electionId);
  const view = await (await fetch(`${edge}/v1/elections/${id}`)).json();
  const manifest = parseManifest(view.manifest);
  const election = electionContext(manifest, pointFromText(view.jointPublicKey));
  const people = readFileSync(opened.tokens, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const t = JSON.parse(line);
      const key = signingKeyFromSeed('device', fromBase64url(t.deviceSecret, 32));
      return { ...t, sign: nativeSigner(key) };
    });

  const baselineBefore = nobleBaseRate(2);
  console.log(`== baseline: noble fixed-base k·G ${baselineBefore.toFixed(0)}/s`);
  const results = [];
  for (const linger of lingers) {
    if (linger !== undefined) {
      if (!started.services.includes('edge')) {
        throw new Error('--linger restarts the edge: stop the running stack first (npm stop)');
      }
      process.env.HANPYO_EDGE_BOARD_LINGER_MS = String(linger);
      await stopServices(['edge']);
      await startServices(['edge']);
      await readyStack();
      procs.splice(0, procs.length, ...processes());
      console.log(`== edge restarted with HANPYO_EDGE_BOARD_LINGER_MS=${linger}`);
    }
    for (const mode of modes) {
      let prepared = [];
      if (mode === 'client') {
        // Encrypted and signed before the window: the window measures the stack, not this client.
        const count = Math.min(
          people.length,
          Math.ceil(concurrency * (seconds + warmUpSeconds) * 10),
        );
        console.log(`== client mode: encrypting and signing ${count} ballots before the window`);
        for (let i = 0; i < count; i++) {
          const v = people[i];
          const ballot = encryptBallot(
            election,
            { districtId: v.districtId, nullifier: nullifierOf(v.token) },
            choice(),
            randomBallotNonces(systemRandom),
          );
          const castSignature = base64url(
            v.sign(castDigest(manifest.electionId, trackingCode(ballot))),
          );
          prepared.push({ v, ballot, castSignature });
        }
      }
      const ctx = { edge, id, manifest, people, prepared };
      let from = 0;
      if (warmUpSeconds > 0) {
        console.log(
          `== ${mode} mode: warm-up, ${concurrency} concurrent voters for ${warmUpSeconds} s`,
        );
        const warm = await drive(mode, ctx, warmUpSeconds);
        console.log(`   ${(warm.accepted / warm.elapsed).toFixed(1)} accepted/s (not counted)`);
        from = warm.next;
      }
      console.log(`== ${mode} mode: ${concurrency} concurrent voters for ${seconds} s`);
      const before = snapshot(procs);
      const self0 = cpuSeconds(process.pid);
      const run = await drive(mode, ctx, seconds, from);
      const after = snapshot(procs);
      const self = cpuSeconds(process.pid) - self0;
      const cpu = procs.map(([name]) => ({
        process: name,
        coreShare: (after.get(name) - before.get(name)) / run.elapsed,
      }));
      cpu.push({ process: 'load driver (this script)', coreShare: self / run.elapsed });
      const rate = run.accepted / run.elapsed;
      const kafka = cpu.find((c) => c.process === 'kafka');
      const r = {
        mode,
        lingerMs: linger ?? Number(process.env.HANPYO_EDGE_BOARD_LINGER_MS ?? 2),
        concurrency,
        seconds: run.elapsed,
        accepted: run.accepted,
        rejected: run.rejected,
        acceptedPerSecond: rate,
        p50Ms: percentile(run.latencies, 50),
        p99Ms: percentile(run.latencies, 99),
        cpu,
        kafkaCpuMsPerBallot: kafka && run.accepted ? (kafka.coreShare * 1000) / rate : null,
      };
      results.push(r);
      console.log(
        `   ${rate.toFixed(1)} accepted/s, p50 ${r.p50Ms?.toFixed(0)} ms, p99 ${r.p99Ms?.toFixed(0)} ms; rejected ${JSON.stringify(run.rejected)}`,
      );
      for (const c of cpu)
        console.log(
          `     ${c.process.padEnd(26)} ${(c.coreShare * 100).toFixed(1).padStart(6)} % of a core`,
        );
      if (r.kafkaCpuMsPerBallot !== null)
        console.log(`     broker CPU per accepted ballot: ${r.kafkaCpuMsPerBallot.toFixed(2)} ms`);
    }
  }
  const baselineAfter = nobleBaseRate(2);
  const baseline = (baselineBefore + baselineAfter) / 2;
  for (const r of results) r.ratioToBaseline = r.acceptedPerSecond / baseline;
  console.log(
    `== baseline after: ${baselineAfter.toFixed(0)}/s; mean ${baseline.toFixed(0)}/s; ratios: ${results
      .map((r) => `${r.mode} ${r.ratioToBaseline.toFixed(4)}`)
      .join(', ')}`,
  );
  writeResult('stack', {
    suite: 'stack',
    at: new Date().toISOString(),
    node: process.version,
    method:
      'full local stack (npm start -- --no-demo services); one election of a 5-option contest; N concurrent voters, each job one whole cast (edge mode: encrypt at the edge, sign, cast; client mode: prepared ballots, cast only); latency of accepted ballots; CPU from /proc/<pid>/stat over the window',
    baseline: {
      name: 'noble fixed-base k·G per second',
      before: baselineBefore,
      after: baselineAfter,
    },
    results,
  });
} catch (e) {
  console.error(`bench:stack failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  agent.destroy();
  if (benchElection && started.services.length === 0) {
    // A stack that keeps running: close the benchmark's election so it stops costing it.
    await cli('election', 'close', benchElection).catch((e) => console.error(e.message));
  }
  await stopServices(started.services).catch((e) => console.error(e.message));
  await down(started.infra).catch((e) => console.error(e.message));
}
