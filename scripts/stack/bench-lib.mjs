// What the stack benchmarks (bench:idle, bench:stack) share: the hanpyo CLI with retries, the
// processes of the local stack and their CPU time from /proc, and a small election set up through
// the same commands the demo uses.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SERVICES, STATE_DIR, runningPid } from './lib.mjs';

const hanpyo = join(ROOT, 'tools', 'hanpyo', 'bin', 'hanpyo.js');
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** A positive integer option, or exit 2 naming it. */
export function positive(bench, name, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${bench}: --${name} must be a positive integer, not '${text}'`);
    process.exit(2);
  }
  return n;
}

/** `hanpyo …`, retried while it answers UNAVAILABLE ("retry shortly"); rejects with its output. */
export async function cli(...argv) {
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
export function processes() {
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
  // The registrar's judge (services/registrar/src/judge-main.ts) is a process of its own.
  const registrar = runningPid('registrar');
  if (registrar !== undefined) all.push(['registrar judge', judgePid(registrar)]);
  return all.filter(([, pid]) => pid !== undefined);
}

/** The pid of the registrar's judge process, if it runs (Linux: /proc/<pid>/task/<pid>/children). */
function judgePid(registrar) {
  try {
    const children = readFileSync(`/proc/${registrar}/task/${registrar}/children`, 'utf8');
    return children
      .split(' ')
      .filter(Boolean)
      .map(Number)
      .find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('judge-main.js'));
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of a process so far, in seconds. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds of each process now. */
export const snapshot = (procs) => new Map(procs.map(([name, pid]) => [name, cpuSeconds(pid)]));

export async function json(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

export async function until(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Waits until every service of local.json answers ready; returns local.json. */
export async function readyStack() {
  const local = JSON.parse(readFileSync(join(STATE_DIR, 'local.json'), 'utf8'));
  // Ready, with its servers reachable: a fresh Cassandra may still refuse the first statements.
  for (const [name, service] of Object.entries(local)) {
    if (typeof service?.url !== 'string') continue;
    await until(
      `${name} ready`,
      async () => (await fetch(`${service.url}/health/ready`)).ok,
      120_000,
    );
  }
  return local;
}

/**
 * An election set up and opened through the hanpyo commands (create, local ceremony, synthetic roll,
 * open) with tokens for every voter; resolves once the edge sees it open.
 */
export async function openElection({
  electionId,
  dir,
  voters,
  closesInMs,
  contest,
  modes = ['client'],
  commitmentIntervalSeconds = 3,
}) {
  mkdirSync(dir, { recursive: true });
  const manifest = {
    spec: 'hanpyo/1',
    electionId,
    title: electionId,
    opens: new Date(Date.now() - 10_000).toISOString(),
    closes: new Date(Date.now() + closesInMs).toISOString(),
    revotePolicy: 'last',
    encryptionModes: modes,
    commitmentIntervalSeconds,
    contests: [contest],
    ballotStyles: [{ ballotStyleId: 's', contestIds: [contest.contestId] }],
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
  return { electionId, tokens, closes: Date.parse(manifest.closes) };
}

/** Writes a benchmark's JSON under bench-results/ and prints where. */
export function writeResult(name, result) {
  const out = join(ROOT, 'bench-results', `${name}-${result.at.replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${out}`);
  return out;
}

export { STATE_DIR };
