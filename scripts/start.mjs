#!/usr/bin/env node
// `npm start`: the main job. Brings up the real Kafka and Cassandra (scripts/infra, left running;
// `npm stop` stops them). Until the services land (issue 4), it then runs the offline demo: a whole
// election made through the real protocol code (ceremony, ballots with re-votes, blocks, tally by 3
// of 5 trustees), written as a SPEC §10 record, verified as an observer would, and the election's
// topics and schema created on the servers.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const hanpyo = join(root, 'tools', 'hanpyo', 'bin', 'hanpyo.js');
const out = join(root, '.hanpyo', 'demo-record');
const voters = process.env.HANPYO_DEMO_VOTERS ?? '2000';

const { up } = await import('./infra/lib.mjs');
console.log('== Bring up Kafka and Cassandra (npm run infra -- up)');
try {
  const r = await up(undefined, {});
  console.log(
    r.started.length > 0
      ? `started ${r.started.join(', ')}`
      : 'both already running, nothing to do',
  );
} catch (e) {
  console.error(`npm start: the servers did not come up: ${e.message}`);
  process.exit(1);
}

function step(title, args) {
  console.log(`\n== ${title}\n$ hanpyo ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [hanpyo, ...args], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`\nnpm start: '${args[0]}' failed with status ${r.status}`);
    process.exit(r.status ?? 1);
  }
}

step('Synthesize an election (manifest, 3-of-5 ceremony, ballots, blocks, tally)', [
  'synth',
  '--out',
  out,
  '--voters',
  voters,
  '--districts',
  '4',
  '--blocks',
  '4',
  '--policy',
  'last',
  '--seed',
  'demo',
]);
step('Verify the election record as an observer (SPEC §10)', ['verify', out]);
step("Create the election's Kafka topics and Cassandra schema (idempotent)", [
  'init',
  '--manifest',
  join(out, 'manifest.json'),
]);
console.log(`
Done. Where to look:
  ${out}/manifest.json   the election manifest (SPEC §2)
  ${out}/ballots.ndjson  the board: every encrypted ballot with its tracking code (SPEC §6)
  ${out}/blocks.ndjson   hash-chained, signed blocks of per-district Merkle roots (SPEC §8)
  ${out}/tally.json      aggregates, trustees' partial decryptions with proofs, counts (SPEC §9)
Try: npx hanpyo verify ${out} --json | less     (tamper with any file and verify again)

Kafka (127.0.0.1:9092) and Cassandra (127.0.0.1:9042) keep running:
  npm run infra -- status     pids, ports, memory
  npm run infra -- logs -f    their logs
  npm stop                    stop them
`);
