// `hanpyo verify DIR` on the command line: exit 0 valid, 1 invalid, 2 unreadable. Refused entries
// (SPEC §6: on the board, never counted) are listed apart from failures and do not change the exit
// status; `--json` carries both.
import { UnreadableRecord, formatPlace } from './failures.js';
import { terminalProgress } from './progress.js';
import { verifyRecord } from './verify.js';

export async function runVerify(
  dir: string,
  options: { json: boolean; workers?: number; backend?: string },
): Promise<number> {
  const progress = terminalProgress();
  try {
    const report = await verifyRecord(dir, {
      ...options,
      onProgress: (s, d, t) => progress.update(s, d, t),
    });
    progress.done();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const { stats } = report;
      for (const f of report.failures)
        process.stdout.write(`FAIL ${f.code} at ${formatPlace(f.place)}: ${f.message}\n`);
      for (const [code, n] of Object.entries(report.unlisted))
        process.stdout.write(`FAIL ${code}: ${n} more not listed\n`);
      for (const r of report.refused)
        process.stdout.write(
          `REFUSED rule ${r.rule} (${r.code}) at ${formatPlace(r.place)}: ${r.message}\n`,
        );
      for (const [rule, n] of Object.entries(report.refusedUnlisted))
        process.stdout.write(`REFUSED rule ${rule}: ${n} more not listed\n`);
      const byRule = Object.entries(stats.refusedByRule)
        .map(([rule, n]) => `${n} ${rule}`)
        .join(', ');
      const what =
        `${stats.ballots} board entries (${stats.authorized} authorized, ${stats.refused} refused${byRule ? `: ${byRule}` : ''}; ` +
        `${stats.counted} counted), ${stats.blocks} blocks`;
      process.stdout.write(
        report.valid
          ? `VALID: ${dir}: ${what}, checked in ${stats.seconds.toFixed(1)} s\n`
          : `INVALID: ${dir}: ${report.failures.length + Object.values(report.unlisted).reduce((a, b) => a + b, 0)} failures; ${what}\n`,
      );
    }
    return report.valid ? 0 : 1;
  } catch (e) {
    progress.done();
    if (e instanceof UnreadableRecord) {
      process.stderr.write(`hanpyo verify: unreadable record: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
