#!/usr/bin/env node
// `npm test`: lint (zero warnings) and format check, then the unit tier (`*.spec.js` compiled
// beside the code, and `scripts/*.test.mjs`), then the integration and e2e tiers (`test/dist/`)
// against the real Kafka and Cassandra, brought up by scripts/infra if they are not running and
// stopped afterwards if this run started them. Prints node's spec report and a closing
// "N passed, N failed" line.
//
//   node scripts/test.mjs [--no-lint] [--unit] [--integration]    TEST_FILTER=substring
import { execSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { addCounts, exitCode, runFiles, summaryLines } from './test-harness.mjs';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const tiers = {
  unit: !args.has('--integration') || args.has('--unit'),
  integration: !args.has('--unit') || args.has('--integration'),
};
const filter = process.env.TEST_FILTER;

function* specFiles(dir, suffix) {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* specFiles(p, suffix);
    else if (e.endsWith(suffix)) yield p;
  }
}

function list(dir, suffix) {
  try {
    return [...specFiles(dir, suffix)];
  } catch {
    return [];
  }
}

function unitFiles() {
  const files = [];
  for (const group of ['libs', 'services', 'tools']) {
    let pkgs;
    try {
      pkgs = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const p of pkgs) files.push(...list(join(root, group, p, 'dist'), '.spec.js'));
  }
  // Tests of the repository's own scripts.
  files.push(...list(join(root, 'scripts'), '.test.mjs'));
  return files;
}

/** Runs one tier's files (TEST_FILTER applies); resolves with its counts. */
function runTier(name, files, concurrency) {
  const selected = filter ? files.filter((f) => f.includes(filter)) : files;
  console.log(`\n[test] ${name} tier: ${selected.length} files`);
  for (const f of selected) console.log(`  ${relative(root, f)}`);
  return runFiles(selected, { concurrency, root });
}

function summary(counts) {
  console.log('');
  for (const line of summaryLines(counts)) console.log(line);
  process.exitCode = exitCode(counts);
}

const total = { passed: 0, failed: 0, skipped: 0, skips: [], failures: [] };
const add = (c) => addCounts(total, c);

if (!args.has('--no-lint')) {
  console.log('[test] lint (eslint, zero warnings) and format check…');
  for (const [what, cmd] of [
    ['eslint', 'npx eslint . --max-warnings 0'],
    ['prettier', 'npx prettier --check . --log-level warn'],
  ]) {
    try {
      execSync(cmd, { cwd: root, stdio: 'inherit' });
    } catch {
      console.error(`[test] ${what} failed (see above)`);
      summary({ passed: 0, failed: 1, skipped: 0, skips: [], failures: [] });
      process.exit(1);
    }
  }
}

if (tiers.unit) add(await runTier('unit', unitFiles(), 2));

const integration = list(join(root, 'test', 'dist', 'integration'), '.spec.js');
const e2e = list(join(root, 'test', 'dist', 'e2e'), '.spec.js');
if (tiers.integration && integration.length > 0 && total.failed === 0) {
  const { withServers } = await import('./infra/lib.mjs');
  try {
    await withServers(['kafka', 'cassandra'], async ({ started, config }) => {
      // Tests and the services they start find the servers where scripts/infra put them.
      process.env.HANPYO_KAFKA_BROKERS ??= `127.0.0.1:${config.servers.kafka.port}`;
      process.env.HANPYO_CASSANDRA_CONTACT_POINTS ??= `127.0.0.1:${config.servers.cassandra.port}`;
      console.log(
        `\n[test] servers up (${started.length ? `started ${started.join(', ')}` : 'already running'})`,
      );
      // One file at a time: the files share one broker and one node.
      add(await runTier('integration', integration, 1));
      // The pipeline through HTTP, each file with its own topic prefix and keyspace.
      if (e2e.length > 0) add(await runTier('e2e', e2e, 1));
    });
  } catch (e) {
    console.error(`\n[test] the integration tier could not run: ${e.message}`);
    total.failed++;
  }
} else if (tiers.integration && total.failed > 0) {
  console.log('\n[test] integration tier skipped: the unit tier failed');
}

summary(total);
