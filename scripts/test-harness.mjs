// The test runner's core, apart so that it can be tested itself: runs files with node's runner and
// the spec reporter and counts every outcome. Every failure counts — a test's, a hook's (`before`,
// `after`, at any level), a suite's, a file that does not load — except a suite failing only because
// a test in it failed (that test counted already). Every skip is kept with its reason, so the
// summary can name what did not run and why.
import { relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

/** The longest one test may take (ms): far beyond any test here, short of CI's limit. */
export const TEST_TIMEOUT_MS = Number(process.env.HANPYO_TEST_TIMEOUT_MS ?? 10 * 60_000);

/** Runs `files` (at most `concurrency` at once); resolves with the counts and the skips. */
export function runFiles(
  files,
  { concurrency = 1, root = process.cwd(), out = process.stdout } = {},
) {
  const counts = { passed: 0, failed: 0, skipped: 0, skips: [], failures: [] };
  if (files.length === 0) return Promise.resolve(counts);
  // A test that hangs fails after this long instead of holding the whole run (and CI) forever.
  const stream = run({ files, concurrency, timeout: TEST_TIMEOUT_MS });
  stream.on('test:pass', (e) => {
    if (e.details?.type === 'suite') return;
    if (e.skip || e.todo) {
      counts.skipped++;
      const why = typeof e.skip === 'string' ? e.skip : typeof e.todo === 'string' ? e.todo : '';
      counts.skips.push({ name: e.name, file: e.file ? relative(root, e.file) : '', why });
    } else counts.passed++;
  });
  stream.on('test:fail', (e) => {
    if (e.details?.type === 'suite' && e.details?.error?.failureType === 'subtestsFailed') return;
    counts.failed++;
    counts.failures.push({
      name: e.name,
      file: e.file ? relative(root, e.file) : '',
      kind: e.details?.error?.failureType ?? 'unknown',
    });
  });
  const report = stream.compose(spec);
  report.pipe(out, { end: false });
  return new Promise((resolve) => report.on('end', () => resolve(counts)));
}

/** Adds `more` into `total`. */
export function addCounts(total, more) {
  total.passed += more.passed;
  total.failed += more.failed;
  total.skipped += more.skipped;
  total.skips.push(...more.skips);
  total.failures.push(...more.failures);
}

/** The closing lines: every skip with its reason, then "N passed, N failed[, N skipped]". */
export function summaryLines(counts) {
  const lines = [];
  if (counts.skips.length > 0) {
    lines.push(`skipped (${counts.skips.length}):`);
    for (const s of counts.skips)
      lines.push(`  ${s.file ? `${s.file}: ` : ''}${s.name}${s.why ? ` — ${s.why}` : ''}`);
  }
  const { passed, failed, skipped } = counts;
  lines.push(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return lines;
}

/** Exit status of a run: 1 when anything failed, or when nothing passed at all. */
export function exitCode(counts) {
  return counts.failed > 0 || counts.passed === 0 ? 1 : 0;
}

// `node scripts/test-harness.mjs FILE…`: the harness alone on some files (its own test uses it).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const counts = await runFiles(process.argv.slice(2));
  process.stdout.write(`\n${summaryLines(counts).join('\n')}\n`);
  process.exitCode = exitCode(counts);
}
