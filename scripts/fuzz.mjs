#!/usr/bin/env node
// `npm run fuzz`: the long fuzzing campaign of issue 12 point 4 (docs/fuzzing.md). Builds, brings
// up Kafka and Cassandra if they are not running (idempotent), starts a stack of its own on free
// ports, sends --runs generated bad requests to every public endpoint of every service and runs
// `hanpyo verify` over --records mutated copies of a real record, then writes the JSON report to
// fuzz-results/fuzz-<time>.json and prints a summary. Exit 0 only without a violation.
//
//   npm run fuzz -- [--seed N] [--runs 10000] [--records 500] [--concurrency 8]
//                   [--timeout-ms 15000] [--record-timeout-ms 120000] [--only edge.,ledger.cast]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Parses the command line; throws a usage error (with `usage: true`) on bad input. */
export function parseFuzzArgs(argv, now = Date.now()) {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      runs: { type: 'string', default: '10000' },
      records: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '8' },
      'timeout-ms': { type: 'string', default: '15000' },
      'record-timeout-ms': { type: 'string', default: '120000' },
      only: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const integer = (name, text, min) => {
    if (
      !/^(0|[1-9][0-9]*)$/.test(text) ||
      Number(text) < min ||
      !Number.isSafeInteger(Number(text))
    )
      throw Object.assign(
        new Error(`fuzz: --${name} must be an integer ≥ ${min}, not ${JSON.stringify(text)}`),
        {
          usage: true,
        },
      );
    return Number(text);
  };
  return {
    // A fresh seed each run unless one is given; it is printed and written to the report.
    seed: values.seed === undefined ? now % 2_147_483_647 : integer('seed', values.seed, 0),
    runs: integer('runs', values.runs, 1),
    records: integer('records', values.records, 0),
    concurrency: integer('concurrency', values.concurrency, 1),
    timeoutMs: integer('timeout-ms', values['timeout-ms'], 100),
    recordTimeoutMs: integer('record-timeout-ms', values['record-timeout-ms'], 1000),
    only:
      values.only === undefined ? undefined : values.only.split(',').filter((s) => s.length > 0),
    out: values.out,
  };
}

function step(command, args) {
  const r = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`fuzz: ${command} ${args.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(2);
  }
}

async function main() {
  let options;
  try {
    options = parseFuzzArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  step(tsc, ['-b']);
  step(tsc, ['-b', 'test']);
  step(process.execPath, [join(ROOT, 'scripts', 'infra.mjs'), 'up']);
  const { runCampaign, summary } = await import(
    pathToFileURL(join(ROOT, 'test', 'dist', 'support', 'fuzz-run.js')).href
  );
  console.log(
    `fuzz: seed ${options.seed}, ${options.runs} requests per endpoint, ${options.records} records`,
  );
  const out =
    options.out ??
    join(ROOT, 'fuzz-results', `fuzz-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const report = await runCampaign({
    ...options,
    log: (m) => console.log(m),
    // A partial report after each endpoint, so a stopped run still leaves its figures.
    onEndpoint: (endpoints) =>
      writeFileSync(
        out,
        `${JSON.stringify({ partial: true, seed: options.seed, endpoints }, null, 2)}\n`,
      ),
  });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(summary(report));
  console.log(`fuzz: report written to ${out}`);
  process.exit(report.violations === 0 ? 0 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
