#!/usr/bin/env node
// `npm run bench:idle`: what elections cost the machine, measured from /proc on the full local
// stack (Kafka, Cassandra and every service). Runs N small elections at once through the same
// `hanpyo` commands the demo uses (create, ceremony, roll, open, tokens, cast, close), waits for each
// final block and the observer's finish, then samples every process's CPU while nothing happens.
// Prints a table and writes JSON to bench-results/idle-*.json. Brings up what is not running and stops what it started.
//
//   npm run bench:idle -- [--elections 20] [--voters 10] [--seconds 20]
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { down, up } from './infra/lib.mjs';
import {
  ROOT,
  SERVICES,
  STATE_DIR,
  runningPid,
  startServices,
  stopServices,
} from './stack/lib.mjs';

const { values } = parseArgs({
  options: {
    elections: { type: 'string', default: '20' },
    voters: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
  },
});
const count = positive('elections', values.elections);
const voters = positive('voters', values.voters);
const seconds = positive('seconds', values.seconds);
const hanpyo = join(ROOT, 'tools', 'hanpyo', 'bin', 'hanpyo.js');
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function positive(name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:idle: --${name} must be a positive integer, not '${text}'`);
    process.exit(2);
  }
  return n;
}

/** `hanpyo …`, retried while it answers UNAVAILABLE ("retry shortly"); rejects with its output. */
async function cli(...argv) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(argv);
    } catch (e) {
      if (attempt >= 10 || !/UNAVAILABLE/.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}

function run(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hanpyo, ...argv], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`hanpyo ${argv[0]} ${argv[1]}: ${out}`)),
    );
  });
}

/** The processes measured: Kafka, Cassandra and every service, by their pid files. */
function processes() {
  const infraPid = (name) => {
    try {
      return Number(readFileSync(join(ROOT, '.infra', 'run', `${name}.pid`), 'utf8'));
    } catch {
      return undefined;
    }
  };
  const all = [
    ['kafka', infraPid('kafka')],
    ['cassandra', infraPid('cassandra')],
    ...SERVICES.map((s) => [s.name, runningPid(s.name)]),
  ];
  return all.filter(([, pid]) => pid !== undefined);
}

/** CPU time (user + system) of a process so far, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

const snapshot = (procs) => new Map(procs.map(([name, pid]) => [name, cpuSeconds(pid)]));

async function json(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

async function until(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** One small election, created and cast in; resolves with its id and ballots once cast. */
async function election(runId, i) {
  // Its own window: open now, closing well after its setup and casts on a loaded machine.
  const closes = Date.now() + 120_000;
  const electionId = `idle-${runId}-${String(i).padStart(2, '0')}`;
  const dir = join(STATE_DIR, 'bench-idle', electionId);
  mkdirSync(dir, { recursive: true });
  const manifest = {
    spec: 'hanpyo/1',
    electionId,
    title: `bench:idle ${i}`,
    opens: new Date(Date.now() - 10_000).toISOString(),
    closes: new Date(closes).toISOString(),
    revotePolicy: 'last',
    encryptionModes: ['client'],
    commitmentIntervalSeconds: 3,
    contests: [
      {
        contestId: 'mayor',
        title: 'Mayor',
        options: ['a', 'b', 'c'].map((o) => ({ optionId: o, title: o })),
        minSelections: 1,
        maxSelections: 1,
      },
    ],
    ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor'] }],
    districts: [{ districtId: 'd1', name: 'd1', ballotStyleId: 's', registeredVoters: voters }],
    trustees: { count: 1, threshold: 1 },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  await cli('election', 'create', '--manifest', join(dir, 'manifest.json'));
  await cli('ceremony', 'local', '--election', electionId, '--out', join(dir, 'ceremony'));
  await cli('election', 'ceremony', electionId, '--record', join(dir, 'ceremony', 'ceremony.json'));
  await cli('roll', 'synth', '--election', electionId, '--count', String(voters));
  await cli('election', 'open', electionId);
  // The edge caches an election's state for HANPYO_EDGE_CATALOG_TTL_MS (1 s here): until then a
  // view it took before the open still says "ready".
  const opened = Date.now();
  const tokens = join(dir, 'tokens.ndjson');
  await cli('tokens', '--election', electionId, '--count', String(voters), '--out', tokens);
  await new Promise((r) => setTimeout(r, Math.max(0, opened + 2500 - Date.now())));
  return { electionId, closes, accepted: await cast(electionId) };
}

async function cast(electionId) {
  const dir = join(STATE_DIR, 'bench-idle', electionId);
  const out = await cli(
    'cast',
    '--election',
    electionId,
    '--tokens',
    join(dir, 'tokens.ndjson'),
    '--receipts',
    join(dir, 'receipts.ndjson'),
    '--mode',
    'client',
    '--concurrency',
    '4',
  );
  return Number(/^cast (\d+) ballots/m.exec(out)?.[1] ?? 0);
}

const started = { infra: [], services: [] };
try {
  const infra = await up(undefined, {});
  started.infra = infra.started;
  started.services = await startServices();
  const local = JSON.parse(readFileSync(join(STATE_DIR, 'local.json'), 'utf8'));
  const procs = processes();
  // Ready, with its servers reachable: a fresh Cassandra may still refuse the first statements.
  for (const [name, service] of Object.entries(local)) {
    if (typeof service?.url !== 'string') continue;
    await until(
      `${name} ready`,
      async () => (await fetch(`${service.url}/health/ready`)).ok,
      120_000,
    );
  }
  const runId = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');

  console.log(`== ${count} elections of ${voters} voters each (4 set up at a time), each cast in`);
  const made = [];
  for (let i = 0; i < count; i += 4) {
    const round = Array.from({ length: Math.min(4, count - i) }, (_, k) => election(runId, i + k));
    made.push(...(await Promise.all(round)));
    console.log(`   ${made.length} of ${count} elections set up and cast in`);
  }
  const ids = made.map((m) => m.electionId);
  const accepted = made.reduce((s, m) => s + m.accepted, 0);
  const lastCloses = Math.max(...made.map((m) => m.closes));
  console.log(
    `== ${accepted} ballots accepted; closing every election (the final blocks follow 'closes')`,
  );
  for (const id of ids) await cli('election', 'close', id);
  await new Promise((r) => setTimeout(r, Math.max(0, lastCloses - Date.now())));
  console.log('== waiting for each final block and the observer to finish with it');
  for (const id of ids) {
    await until(
      `the final block of ${id}`,
      async () => (await json(`${local.ledger.url}/v1/elections/${id}/blocks/latest`)).block.final,
      120_000,
    );
  }
  await until(
    'the observer to finish every election',
    async () => {
      const { elections } = await json(`${local.observer.url}/v1/status`);
      return ids.every((id) => elections.find((e) => e.electionId === id)?.phase === 'finished');
    },
    120_000,
  );
  // Let the last commits, cosignature publications and lease releases settle.
  await new Promise((r) => setTimeout(r, 5000));
  console.log(`== sampling CPU for ${seconds} s with nothing to do`);
  const before = snapshot(procs);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = snapshot(procs);

  const { elections: registered } = await json(`${local.observer.url}/v1/status`);
  const idle = procs.map(([name]) => ({
    process: name,
    coreShare: (after.get(name) - before.get(name)) / seconds,
  }));
  const result = {
    suite: 'idle',
    at: new Date().toISOString(),
    node: process.version,
    method:
      'full local stack; N elections created, cast in and closed through the hanpyo commands; after every final block and the observer finished, CPU (utime+stime from /proc/<pid>/stat) over the sampling window, as a share of one core',
    elections: count,
    electionsTrackedByObserver: registered.length,
    votersPerElection: voters,
    sampleSeconds: seconds,
    idle,
    idleTotalCores: idle.reduce((s, p) => s + p.coreShare, 0),
    ballotsAccepted: accepted,
  };
  console.log(`\nidle stack after ${count} finished elections (${seconds} s sample):`);
  for (const p of idle)
    console.log(
      `  ${p.process.padEnd(10)} ${(p.coreShare * 100).toFixed(1).padStart(6)} % of a core`,
    );
  console.log(`  ${'total'.padEnd(10)} ${(result.idleTotalCores * 100).toFixed(1).padStart(6)} %`);
  const out = join(ROOT, 'bench-results', `idle-${result.at.replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
} catch (e) {
  console.error(`bench:idle failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  await stopServices(started.services).catch((e) => console.error(e.message));
  await down(started.infra).catch((e) => console.error(e.message));
}
