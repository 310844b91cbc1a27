// The chaos campaign's JSON report and its printed summary. Pure: no I/O.

export const REPORT_FORMAT = 'hanpyo-chaos/1';

/**
 * The figures of one scenario's load, from the load runner's result (hanpyo loadtest): receipts,
 * 503s and 500s (cast requests, and voters whose encrypt request ended in INTERNAL).
 * @param {{ figures: { arrivals: number, dropped: number, voters: number, receipted: number, requests: number, seconds: number, byStatus: Record<string, number>, errors: Record<string, number>, encryptRequests: number } }} result
 */
export function loadFigures(result) {
  const f = result.figures;
  const castInternal = f.byStatus['500'] ?? 0;
  const errorsInternal = (f.errors.INTERNAL ?? 0) + (f.errors.HTTP_500 ?? 0);
  return {
    seconds: Math.round(f.seconds * 10) / 10,
    arrivals: f.arrivals,
    dropped: f.dropped,
    voters: f.voters,
    receipts: f.receipted,
    castRequests: f.requests,
    encryptRequests: f.encryptRequests,
    status503: f.byStatus['503'] ?? 0,
    // A voter's final error INTERNAL is a cast 500 (also in byStatus) or an encrypt 500 (only
    // there): the larger of the two never double-counts a cast and never misses an encrypt.
    status500: Math.max(castInternal, errorsInternal),
    byStatus: f.byStatus,
    errors: f.errors,
  };
}

/**
 * Recovery after the fault: from the fault's instant to the first receipt the edge issued after
 * it, and to the first block closed after it.
 * @param {number} faultAt ms since the epoch
 * @param {readonly string[]} receivedAt each receipt's receivedAt (RFC 3339)
 * @param {readonly { height: number, closedAt: string }[]} blocks the blocks seen
 */
export function recovery(faultAt, receivedAt, blocks) {
  let nextReceipt = Infinity;
  for (const t of receivedAt) {
    const ms = Date.parse(t);
    if (ms > faultAt && ms < nextReceipt) nextReceipt = ms;
  }
  let nextBlock = Infinity;
  for (const b of blocks) {
    const ms = Date.parse(b.closedAt);
    if (ms > faultAt && ms < nextBlock) nextBlock = ms;
  }
  return {
    nextReceiptSeconds: Number.isFinite(nextReceipt)
      ? Math.round(nextReceipt - faultAt) / 1000
      : null,
    nextBlockSeconds: Number.isFinite(nextBlock) ? Math.round(nextBlock - faultAt) / 1000 : null,
  };
}

/**
 * The campaign's report: every scenario's record, and the totals.
 * @param {{ startedAt: Date, endedAt: Date, quick: boolean, nodes: number, machine: Record<string, unknown>, scenarios: readonly { name: string, ok: boolean, load?: { receipts: number, status503: number, status500: number }, checks?: { receipts?: { lost?: number, duplicated?: number } } }[] }} run
 */
export function buildReport(run) {
  const totals = { scenarios: run.scenarios.length, passed: 0, failed: 0, receipts: 0 };
  Object.assign(totals, { lost: 0, duplicated: 0, status503: 0, status500: 0 });
  for (const s of run.scenarios) {
    if (s.ok) totals.passed++;
    else totals.failed++;
    totals.receipts += s.load?.receipts ?? 0;
    totals.status503 += s.load?.status503 ?? 0;
    totals.status500 += s.load?.status500 ?? 0;
    totals.lost += s.checks?.receipts?.lost ?? 0;
    totals.duplicated += s.checks?.receipts?.duplicated ?? 0;
  }
  return {
    format: REPORT_FORMAT,
    startedAt: run.startedAt.toISOString(),
    endedAt: run.endedAt.toISOString(),
    seconds: Math.round((run.endedAt.getTime() - run.startedAt.getTime()) / 100) / 10,
    quick: run.quick,
    nodes: run.nodes,
    ok: run.scenarios.length > 0 && totals.failed === 0,
    totals,
    scenarios: run.scenarios,
    machine: run.machine,
  };
}

const dash = (x, unit = ' s') => (x === null || x === undefined ? '-' : `${x}${unit}`);

/**
 * The printed table of a report: one line per scenario, then the totals.
 * @param {ReturnType<typeof buildReport>} report
 */
export function summaryLines(report) {
  const lines = [
    '',
    'scenario                      result  receipts  lost  dup  503s  500s  recovery(cast/block)  seconds',
  ];
  for (const s of report.scenarios) {
    const r = s.checks?.receipts;
    lines.push(
      [
        s.name.padEnd(29),
        (s.ok ? 'PASS' : 'FAIL').padEnd(7),
        String(s.load?.receipts ?? '-').padStart(8),
        String(r?.lost ?? '-').padStart(5),
        String(r?.duplicated ?? '-').padStart(4),
        String(s.load?.status503 ?? '-').padStart(5),
        String(s.load?.status500 ?? '-').padStart(5),
        `${dash(s.recovery?.nextReceiptSeconds)} / ${dash(s.recovery?.nextBlockSeconds)}`.padStart(
          21,
        ),
        String(s.seconds ?? '-').padStart(8),
      ].join(' '),
    );
    if (!s.ok)
      lines.push(`    failed: ${(s.failed ?? []).join(', ')}${s.error ? ` (${s.error})` : ''}`);
  }
  const t = report.totals;
  lines.push(
    '',
    `${t.scenarios} scenarios: ${t.passed} passed, ${t.failed} failed; ${t.receipts} receipts, ${t.lost} lost, ${t.duplicated} duplicated, ${t.status503} 503s, ${t.status500} 500s; ${report.seconds} s`,
  );
  return lines;
}
