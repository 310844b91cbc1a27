// `npm run bench` (`hanpyo bench suite`): every benchmark of the project, each in a process of its
// own (a fresh heap, JIT and worker pool per benchmark; the edge benchmark's environment stays its
// own), each figure with its baseline measured in the same run. Brings up the local Kafka and
// Cassandra when a chosen benchmark needs them and stops only what it started. Prints progress and
// the table; writes bench-results/suite-<timestamp>.json and, after a complete run, the suite's
// section of docs/performance.md (between its markers) and docs/performance-suite.svg.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  NEEDS_INFRA,
  SUITE_BENCHES,
  cryptoFigures,
  figure,
  observerFigures,
  parseSuiteOptions,
  renderSvg,
  renderTable,
  renderText,
  replaceSection,
  tallyFigures,
} from './bench-suite-report.js';
import type { SuiteBench, SuiteFigure, SuiteOptions } from './bench-suite-report.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HANPYO = join(ROOT, 'tools', 'hanpyo', 'bin', 'hanpyo.js');
const DOC = join(ROOT, 'docs', 'performance.md');
const SVG = join(ROOT, 'docs', 'performance-suite.svg');

/** What this file uses of scripts/infra/lib.mjs. */
interface InfraModule {
  up(
    names: string[] | undefined,
    opts: Record<string, unknown>,
  ): Promise<{ started: string[]; alreadyRunning: string[] }>;
  down(names: string[], opts?: Record<string, unknown>): Promise<unknown>;
}

/** The command line of one benchmark (`hanpyo bench NAME …`), full or quick. */
export function benchArguments(bench: SuiteBench, options: SuiteOptions): string[] {
  const q = options.quick;
  switch (bench) {
    case 'crypto':
      return ['bench', 'crypto', '--seconds', q ? '0.5' : '2', ...(q ? ['--voters', '1000'] : [])];
    case 'edge':
      return [
        'bench',
        'edge',
        '--casts',
        q ? '400' : '3000',
        '--seconds',
        q ? '3' : '10',
        '--connections',
        '32',
      ];
    case 'persister':
      return ['bench', 'persister', '--entries', q ? '2000' : '20000'];
    case 'ledger':
      return ['bench', 'ledger', '--leaves', q ? '100000' : '1000000'];
    case 'observer':
      return ['bench', 'observer', '--ballots', q ? '500' : '5000'];
    case 'tally':
      return ['bench', 'tally', '--ballots', String(options.ballots)];
  }
}

/** Figures out of one benchmark's JSON. */
function figuresOf(bench: SuiteBench, json: unknown): SuiteFigure[] {
  switch (bench) {
    case 'crypto':
      return cryptoFigures(json as Parameters<typeof cryptoFigures>[0]);
    case 'observer':
      return observerFigures(json as Parameters<typeof observerFigures>[0]);
    case 'tally':
      return tallyFigures(json as Parameters<typeof tallyFigures>[0]);
    case 'edge':
    case 'persister':
    case 'ledger':
      // These write suite figures themselves; re-made here so a ratio is never taken on trust.
      return (json as { figures: SuiteFigure[] }).figures.map(({ ratio: _ratio, ...f }) =>
        figure(f),
      );
  }
}

/** Runs `hanpyo ARGS…`, its output prefixed line by line; resolves with its exit status. */
function runChild(bench: SuiteBench, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HANPYO, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = `  [${bench}] `;
    createInterface({ input: child.stdout }).on('line', (l) =>
      process.stdout.write(`${prefix}${l}\n`),
    );
    createInterface({ input: child.stderr }).on('line', (l) =>
      process.stderr.write(`${prefix}${l}\n`),
    );
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/** Runs a command quietly; resolves with its exit status (127 when it cannot start). */
function runProcess(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'ignore' });
    child.once('error', () => resolve(127));
    child.once('close', (code) => resolve(code ?? 1));
  });
}

export async function runSuite(argv: readonly string[]): Promise<number> {
  const options = parseSuiteOptions(argv);
  const at = new Date().toISOString();
  const stamp = at.replace(/[:.]/g, '-');
  const results = join(ROOT, 'bench-results');
  const scratch = join(results, `suite-${stamp}.d`);
  await mkdir(scratch, { recursive: true });
  const needsInfra = options.only.some((b) => NEEDS_INFRA.has(b));
  const infra = needsInfra
    ? ((await import(join(ROOT, 'scripts', 'infra', 'lib.mjs'))) as InfraModule)
    : undefined;
  let startedInfra: string[] = [];
  const figures: SuiteFigure[] = [];
  const failures: { bench: SuiteBench; reason: string }[] = [];
  const raw: Partial<Record<SuiteBench, unknown>> = {};
  const seconds: Partial<Record<SuiteBench, number>> = {};
  try {
    if (infra) {
      process.stdout.write('== local Kafka and Cassandra (started only if not running)\n');
      const up = await infra.up(['kafka', 'cassandra'], {});
      startedInfra = up.started;
    }
    for (const [i, bench] of options.only.entries()) {
      const args = benchArguments(bench, options);
      const out = join(scratch, `${bench}.json`);
      process.stdout.write(
        `== [${i + 1}/${options.only.length}] ${bench}: hanpyo ${args.join(' ')}\n`,
      );
      const t0 = performance.now();
      const code = await runChild(bench, [...args, '--out', out]);
      seconds[bench] = (performance.now() - t0) / 1000;
      if (code !== 0) {
        failures.push({ bench, reason: `exited with status ${code}` });
        process.stdout.write(`== ${bench}: FAILED (status ${code}); the suite goes on\n`);
        continue;
      }
      try {
        raw[bench] = JSON.parse(await readFile(out, 'utf8')) as unknown;
        figures.push(...figuresOf(bench, raw[bench]));
      } catch (e) {
        failures.push({ bench, reason: (e as Error).message });
        continue;
      }
      process.stdout.write(`== ${bench}: done in ${seconds[bench].toFixed(0)} s\n`);
    }
  } finally {
    if (infra && startedInfra.length > 0) {
      process.stdout.write(`== stopping what the suite started: ${startedInfra.join(', ')}\n`);
      await infra.down(startedInfra);
    }
  }

  const suite = {
    suite: 'suite',
    at,
    node: process.version,
    cores: availableParallelism(),
    quick: options.quick,
    only: options.only,
    tallyBallots: options.ballots,
    seconds,
    failures,
    figures,
    results: raw,
  };
  const file = join(results, `suite-${stamp}.json`);
  await writeFile(file, `${JSON.stringify(suite, null, 2)}\n`);
  await rm(scratch, { recursive: true, force: true });

  process.stdout.write(`\n${renderText(figures)}\n\n`);
  for (const f of failures) process.stdout.write(`FAILED ${f.bench}: ${f.reason}\n`);
  process.stdout.write(`wrote ${file}\n`);

  const complete = failures.length === 0 && options.only.length === SUITE_BENCHES.length;
  if (options.doc && complete) {
    const title = `npm run bench${options.quick ? ' -- --quick' : ''}, ${at.slice(0, 16).replace('T', ' ')} UTC, ${suite.cores} cores`;
    await writeFile(SVG, renderSvg(figures, title));
    const section = [
      `### Latest run: ${at.slice(0, 19).replace('T', ' ')} UTC${options.quick ? ' (quick mode)' : ''}`,
      '',
      `Node ${process.version}, ${suite.cores} cores, tally of ${options.ballots.toLocaleString('en-US')} ballots. ` +
        'Each ratio is the figure over its baseline, both measured in this run; the red ticks of ' +
        'the chart are the issue’s targets. Raw JSON: `bench-results/suite-*.json` (not committed).',
      '',
      '![ratio of each figure to its baseline](performance-suite.svg)',
      '',
      renderTable(figures),
    ].join('\n');
    const doc = await readFile(DOC, 'utf8');
    await writeFile(DOC, replaceSection(doc, section));
    // The repository's one formatter lays the table out (the house rule: prettier --check passes).
    const formatted = await runProcess(join(ROOT, 'node_modules', '.bin', 'prettier'), [
      '--write',
      DOC,
    ]);
    process.stdout.write(
      `wrote ${DOC} (the suite's section) and ${SVG}${formatted === 0 ? '' : '; prettier failed on it: run npm run format'}\n`,
    );
  } else if (options.doc) {
    process.stdout.write(
      'docs/performance.md left as it is: only a complete run of every benchmark rewrites its section\n',
    );
  }
  return failures.length === 0 ? 0 : 1;
}
