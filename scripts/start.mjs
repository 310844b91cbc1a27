#!/usr/bin/env node
// `npm start`: the main job. Brings up Kafka and Cassandra (scripts/infra) and every service
// (scripts/stack), writes .hanpyo/local.json, then runs a demo election end to end through the
// same `hanpyo` commands and HTTP APIs a commission and voters use: register, local key ceremony,
// the electoral roll, open, tokens bound to device keys, a few thousand voters casting signed
// ballots in both encryption modes (some twice), blocks every
// few seconds, every receipt's inclusion proof checked, close, the final block, the tally by 3 of
// 5 trustees, the exported election record verified from the files alone. Then it keeps
// serving until Ctrl-C. `npm start -- --no-demo` brings the stack up without the demo; `npm stop`
// stops what npm start started from this state directory. With a local cluster recorded
// (.infra/cluster.json, `npm run infra -- up --nodes 3`) it uses the cluster's three nodes of each.
//
// Ctrl-C (or SIGTERM) stops only what THIS run started: the services it started (not those a
// first npm start is running) and the servers whose record says this run started them
// (startedBy: 'npm start' with this process's pid), never servers someone else started.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { down, readCluster, up } from './infra/lib.mjs';
import { ROOT, STATE_DIR, recordDemoElection, startServices, stopServices } from './stack/lib.mjs';

const args = new Set(process.argv.slice(2));
const hanpyo = join(ROOT, 'tools', 'hanpyo', 'bin', 'hanpyo.js');
const voters = Number(process.env.HANPYO_DEMO_VOTERS ?? 2000);
const started = { infra: [], services: [] };
// Recorded with every server this run starts; the shutdown stops only servers recorded so.
const startedBy = { by: 'npm start', pid: process.pid, stateDir: STATE_DIR };
const nodes = readCluster()?.nodes ?? 1;

async function shutdown(code) {
  console.log('\nstopping what this npm start started…');
  await stopServices(started.services).catch((e) => console.error(e.message));
  // started.infra may be [] (everything was running already): then nothing is stopped.
  const r = await down(started.infra, {
    nodes,
    startedBy: { by: startedBy.by, pid: startedBy.pid },
  }).catch((e) => console.error(e.message));
  const kept = r?.leftRunning ?? [];
  if (kept.length > 0) console.log(`left running (not started by this run): ${kept.join(', ')}`);
  process.exit(code);
}

function step(title, argv, { allowFailure = false } = {}) {
  console.log(`\n== ${title}\n$ hanpyo ${argv.join(' ')}`);
  const r = spawnSync(process.execPath, [hanpyo, ...argv], { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0 && !allowFailure) {
    console.error(`\nnpm start: 'hanpyo ${argv[0]}' failed with status ${r.status}`);
    throw new Error('demo step failed');
  }
  return r.status;
}

async function json(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

async function demo() {
  const local = JSON.parse(
    (await import('node:fs')).readFileSync(join(STATE_DIR, 'local.json'), 'utf8'),
  );
  const now = Date.now();
  const electionId = `demo-${new Date(now).toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
  const dir = join(STATE_DIR, 'demo', electionId);
  mkdirSync(dir, { recursive: true });
  // Voting window: from a moment ago until the casting below is surely done (about 50 ballots/s
  // would be slow); the final block follows `closes`.
  const closes = new Date(now + (60 + Math.ceil(voters / 25)) * 1000);
  const perDistrict = Math.ceil((voters * 1.2) / 4);
  const manifest = {
    spec: 'hanpyo/1',
    electionId,
    title: '한 표 demo election',
    opens: new Date(now - 10_000).toISOString(),
    closes: closes.toISOString(),
    revotePolicy: 'last',
    encryptionModes: ['client', 'edge'],
    commitmentIntervalSeconds: 3,
    contests: [
      {
        contestId: 'mayor',
        title: 'Mayor',
        options: ['kim', 'lee', 'park', 'choi', 'jung'].map((o) => ({ optionId: o, title: o })),
        minSelections: 1,
        maxSelections: 1,
      },
      {
        contestId: 'council',
        title: 'Council',
        options: ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((o) => ({ optionId: o, title: o })),
        minSelections: 0,
        maxSelections: 3,
      },
    ],
    ballotStyles: [
      { ballotStyleId: 'full', contestIds: ['mayor', 'council'] },
      { ballotStyleId: 'mayor-only', contestIds: ['mayor'] },
    ],
    districts: ['jongno', 'jung', 'yongsan', 'mapo'].map((d, i) => ({
      districtId: d,
      name: d,
      ballotStyleId: i === 3 ? 'mayor-only' : 'full',
      registeredVoters: perDistrict,
    })),
    trustees: { count: 5, threshold: 3 },
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  step('Register the election (the registrar fills in the deployment keys)', [
    'election',
    'create',
    '--manifest',
    join(dir, 'manifest.json'),
  ]);
  recordDemoElection(electionId);
  step('Run a 3-of-5 key ceremony locally (public record + one share file per trustee)', [
    'ceremony',
    'local',
    '--election',
    electionId,
    '--out',
    join(dir, 'ceremony'),
  ]);
  step('Submit the ceremony: the registrar verifies every proof and fixes K and Q', [
    'election',
    'ceremony',
    electionId,
    '--record',
    join(dir, 'ceremony', 'ceremony.json'),
  ]);
  step(`Load the electoral roll: ${voters} synthetic voters, each in one district`, [
    'roll',
    'synth',
    '--election',
    electionId,
    '--count',
    String(voters),
  ]);
  step('Open the election', ['election', 'open', electionId]);
  step(`Mint a token bound to a fresh device key for each voter of the roll`, [
    'tokens',
    '--election',
    electionId,
    '--count',
    String(voters),
    '--out',
    join(dir, 'tokens.ndjson'),
  ]);
  step(
    'Cast signed ballots: half client-encrypted, half edge-encrypted (encrypt, then cast), 10% vote again',
    [
      'cast',
      '--election',
      electionId,
      '--tokens',
      join(dir, 'tokens.ndjson'),
      '--receipts',
      join(dir, 'receipts.ndjson'),
      '--mode',
      'mixed',
      '--revote',
      '0.1',
      '--concurrency',
      '16',
    ],
    { allowFailure: true },
  );
  console.log(
    "\n== Wait for the blocks, then prove every receipt is included (voters' apps do this)",
  );
  let status = 1;
  for (let i = 0; i < 20 && status !== 0; i++) {
    await new Promise((r) => setTimeout(r, 3000));
    status = step(
      `receipts check (attempt ${i + 1})`,
      ['receipts', 'check', '--election', electionId, '--receipts', join(dir, 'receipts.ndjson')],
      { allowFailure: true },
    );
  }
  const wait = Math.max(0, closes.getTime() - Date.now());
  console.log(
    `\n== Close the election; the final block follows 'closes' (${Math.ceil(wait / 1000)} s from now)`,
  );
  step('Close', ['election', 'close', electionId]);
  let latest;
  for (let i = 0; i < 60 + wait / 1000; i++) {
    latest = await json(`${local.ledger.url}/v1/elections/${electionId}/blocks/latest`).catch(
      () => undefined,
    );
    if (latest?.block?.final) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const final = latest?.block;
  if (final?.final) {
    step('Tally: the counted set under the policy and the per-district aggregates', [
      'election',
      'tally',
      electionId,
    ]);
    for (const trustee of [1, 3, 5]) {
      step(`Trustee ${trustee} decrypts on "their own machine" (the share file never leaves it)`, [
        'trustee',
        'decrypt',
        '--election',
        electionId,
        '--share',
        join(dir, 'ceremony', `trustee-${trustee}.json`),
      ]);
    }
    step('Export the election record (SPEC §10)', [
      'election',
      'export',
      electionId,
      '--out',
      join(dir, 'record'),
    ]);
    step('Verify the record as any observer would, from the files alone', [
      'verify',
      join(dir, 'record'),
    ]);
  }
  console.log(`
== Summary
election        ${electionId}
ballots         ${final?.ballotCount ?? '?'} on the board, in ${final?.height ?? '?'} blocks${final?.final ? ' (final block cut)' : ' (no final block yet)'}
files           ${dir}
record          ${join(dir, 'record')}   (npx hanpyo verify it; tamper with it and verify again)
registrar       ${local.registrar.url}/openapi.json
edge            ${local.edge.url}/v1/elections/${electionId}   (ballots: POST …/ballots)
ledger          ${local.ledger.url}/v1/elections/${electionId}/blocks/latest
observer        ${local.observer?.url ?? 'http://127.0.0.1:8084'}/   (status page: latest cosigned height, divergences)
metrics         ${local.edge.url}/metrics, ${local.ledger.url}/metrics
local.json      ${join(STATE_DIR, 'local.json')}  (the hanpyo command reads it)
`);
}

try {
  console.log(
    `== Bring up Kafka and Cassandra${nodes > 1 ? ` (a local cluster, ${nodes} nodes each)` : ''}`,
  );
  const infra = await up(undefined, { nodes, startedBy });
  started.infra = infra.started;
  for (const name of infra.alreadyRunning)
    console.log(`[infra] ${name}: already running; this run will not stop it`);
  console.log('\n== Start the services');
  started.services = await startServices();
  if (!args.has('--no-demo')) await demo();
  console.log(
    'Serving. Ctrl-C stops what this command started; `npm stop` stops what npm start started here.',
  );
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  setInterval(() => undefined, 1 << 30);
} catch (e) {
  console.error(`\nnpm start failed: ${e.message}`);
  await shutdown(1);
}
