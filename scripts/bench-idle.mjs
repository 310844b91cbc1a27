#!/usr/bin/env node
// `npm run bench:idle`: what elections cost the machine, measured from /proc on the full local
// stack (Kafka, Cassandra and every service). Runs N small elections at once through the same
// `hanpyo` commands the demo uses (create, ceremony, roll, open, tokens, cast, close), waits for each
// final block and the observer's finish, then samples every process's CPU while nothing happens.
// Prints a table and writes JSON to bench-results/idle-*.json. Brings up what is not running and stops what it started.
//
//   npm run bench:idle -- [--elections 20] [--voters 10] [--seconds 20]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { down, up } from './infra/lib.mjs';
import { STATE_DIR, startServices, stopServices } from './stack/lib.mjs';
import {
  cli,
  json,
  openElection,
  positive,
  processes,
  readyStack,
  snapshot,
  until,
  writeResult,
} from './stack/bench-lib.mjs';

const { values } = parseArgs({
  options: {
    elections: { type: 'string', default: '20' },
    voters: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
  },
});
const count = positive('bench:idle', 'elections', values.elections);
const voters = positive('bench:idle', 'voters', values.voters);
const seconds = positive('bench:idle', 'seconds', values.seconds);

/** One small election, created and cast in; resolves with its id and ballots once cast. */
async function election(runId, i) {
  const electionId = `idle-${runId}-${String(i).padStart(2, '0')}`;
  const dir = join(STATE_DIR, 'bench-idle', electionId);
  // Its own window: open now, closing well after its setup and casts on a loaded machine.
  const { closes } = await openElection({
    electionId,
    dir,
    voters,
    closesInMs: 120_000,
    contest: {
      contestId: 'mayor',
      title: 'Mayor',
      options: ['a', 'b', 'c'].map((o) => ({ optionId: o, title: o })),
      minSelections: 1,
      maxSelections: 1,
    },
  });
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
  const local = await readyStack();
  const procs = processes();
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
  writeResult('idle', result);
} catch (e) {
  console.error(`bench:idle failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  await stopServices(started.services).catch((e) => console.error(e.message));
  await down(started.infra).catch((e) => console.error(e.message));
}
