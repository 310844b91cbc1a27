#!/usr/bin/env node
// `npm test`: lint (zero warnings), then the unit tier (`*.spec.js` compiled beside the code).
// Later tiers (integration, e2e) join here and bring up the real servers they need.
// Prints node's spec report and a closing "N passed, N failed" line.
import { execSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

function* specFiles(dir) {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yield* specFiles(p);
    else if (e.endsWith('.spec.js')) yield p;
  }
}

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
      console.log('\n0 passed, 1 failed');
      process.exit(1);
    }
  }
}

const files = [];
for (const group of ['libs', 'services', 'tools']) {
  let pkgs;
  try {
    pkgs = readdirSync(join(root, group));
  } catch {
    continue;
  }
  for (const p of pkgs) {
    try {
      files.push(...specFiles(join(root, group, p, 'dist')));
    } catch {
      continue;
    }
  }
}
// Tests of the repository's own scripts.
for (const e of readdirSync(join(root, 'scripts')))
  if (e.endsWith('.test.mjs')) files.push(join(root, 'scripts', e));
const filter = process.env.TEST_FILTER;
const selected = filter ? files.filter((f) => f.includes(filter)) : files;
console.log(`[test] unit tier: ${selected.length} files`);
for (const f of selected) console.log(`  ${relative(root, f)}`);

let passed = 0;
let failed = 0;
let skipped = 0;
const stream = run({ files: selected, concurrency: 2 });
stream.on('test:pass', (e) => {
  if (e.details?.type === 'suite') return;
  if (e.skip || e.todo) skipped++;
  else passed++;
});
stream.on('test:fail', (e) => {
  if (e.details?.type === 'suite' && e.details?.error?.failureType !== 'testCodeFailure') return;
  failed++;
});
const report = stream.compose(spec);
report.pipe(process.stdout, { end: false });
// After the spec reporter's own summary, so the closing line is the last line printed.
report.on('end', () => {
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
});
