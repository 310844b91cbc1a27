// The pure half of `npm run bench` (`hanpyo bench suite`): its options, the figures it reads out of
// each benchmark's JSON, the extrapolation arithmetic, and what it renders — a markdown table, an
// SVG bar chart of every figure's ratio to its baseline, and the section of docs/performance.md
// between two marker comments. No I/O here, so all of it is unit-tested.
import { parseArgs } from 'node:util';

/** The benchmarks of the suite, in the order they run. */
export const SUITE_BENCHES = [
  'crypto',
  'edge',
  'persister',
  'ledger',
  'observer',
  'tally',
] as const;
export type SuiteBench = (typeof SUITE_BENCHES)[number];

/** Benchmarks that need the local Kafka and Cassandra. */
export const NEEDS_INFRA: ReadonlySet<SuiteBench> = new Set(['edge', 'persister']);

/** Why the suite's options were refused (stable codes, docs/errors.md style). */
export type SuiteOptionErrorCode = 'BENCH_UNKNOWN' | 'BENCH_OPTION_INVALID';

export class SuiteOptionError extends Error {
  override readonly name = 'SuiteOptionError';
  constructor(
    readonly code: SuiteOptionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SuiteOptions {
  /** What to run, in suite order. */
  readonly only: readonly SuiteBench[];
  /** Smaller sizes and shorter runs everywhere (a check that it all works, figures noisier). */
  readonly quick: boolean;
  /** Ballots of the tally benchmark (the suite's default is small: every proof is checked). */
  readonly ballots: number;
  /** Rewrite the suite's section of docs/performance.md and its SVG. */
  readonly doc: boolean;
}

/** Tally ballots by default: a 1M-ballot run checks every proof and takes hours on 2 cores. */
export const DEFAULT_TALLY_BALLOTS = 2000;
export const QUICK_TALLY_BALLOTS = 300;

/** Parses `hanpyo bench suite` options; throws SuiteOptionError with a stable code. */
export function parseSuiteOptions(argv: readonly string[]): SuiteOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        ballots: { type: 'string' },
        'no-doc': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new SuiteOptionError(
      'BENCH_OPTION_INVALID',
      `${(e as Error).message}; options: --only ${SUITE_BENCHES.join(',')} --quick --ballots N --no-doc`,
    );
  }
  let only: SuiteBench[] = [...SUITE_BENCHES];
  if (values.only !== undefined) {
    const asked = values.only
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const unknown = asked.filter((s) => !(SUITE_BENCHES as readonly string[]).includes(s));
    if (unknown.length > 0 || asked.length === 0) {
      throw new SuiteOptionError(
        'BENCH_UNKNOWN',
        `--only takes a comma-separated list of ${SUITE_BENCHES.join(', ')}${unknown.length > 0 ? `, not ${unknown.map((u) => `'${u}'`).join(', ')}` : ''}`,
      );
    }
    only = SUITE_BENCHES.filter((b) => asked.includes(b));
  }
  const quick = values.quick;
  let ballots = quick ? QUICK_TALLY_BALLOTS : DEFAULT_TALLY_BALLOTS;
  if (values.ballots !== undefined) {
    const n = Number(values.ballots);
    if (!Number.isSafeInteger(n) || n < 10 || n > 10_000_000) {
      throw new SuiteOptionError(
        'BENCH_OPTION_INVALID',
        `--ballots must be an integer from 10 to 10,000,000, not '${values.ballots}'`,
      );
    }
    ballots = n;
  }
  return { only, quick, ballots, doc: !values['no-doc'] };
}

/** One figure of the suite: a measured rate beside its baseline, both from the same run. */
export interface SuiteFigure {
  readonly bench: SuiteBench;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: { readonly name: string; readonly value: number; readonly unit: string };
  /** value / baseline.value. */
  readonly ratio: number;
  /** The ratio the issue asks for, where it gives one. */
  readonly target?: number;
  readonly note?: string;
}

/** A figure with its ratio computed (and checked: a benchmark that measured nothing is a bug). */
export function figure(f: Omit<SuiteFigure, 'ratio'>): SuiteFigure {
  if (!(f.value > 0) || !(f.baseline.value > 0) || !Number.isFinite(f.value + f.baseline.value))
    throw new Error(`benchmark figure '${f.name}': value and baseline must be positive`);
  return { ...f, ratio: f.value / f.baseline.value };
}

// ---------------------------------------------------------------------------------------------
// Extrapolation (tally: N ballots measured, 10M on a 16-core node asked)

/** Minutes for `ballots` at `perThread` ballots/s on each of `cores` threads (linear scaling). */
export function minutesFor(ballots: number, perThread: number, cores: number): number {
  return ballots / (perThread * cores) / 60;
}

/** Ballots/s each thread must reach for `ballots` to take `minutes` on `cores` threads. */
export function perThreadRateFor(ballots: number, minutes: number, cores: number): number {
  return ballots / (minutes * 60 * cores);
}

/** The issue's tally target: 10 million ballots on one 16-core node within 10 minutes. */
export const TALLY_TARGET = { ballots: 10_000_000, cores: 16, minutes: 10 } as const;

// ---------------------------------------------------------------------------------------------
// Figures out of the existing benchmarks' JSON (bench.ts, bench-observer.ts, bench-tally.ts)

const NOBLE = 'noble fixed-base k·G';

interface CryptoJson {
  baseline: { perSecond: number };
  figures: { name: string; backend: string; perSecond: number; unit: string }[];
  edgeCastChecksMicroseconds: { tokenWithCnf: number; castSignature: number; proofs: number };
}

/** The crypto figures the suite reports: the best backend's per-ballot work, the edge's checks. */
export function cryptoFigures(json: CryptoJson): SuiteFigure[] {
  const base = { name: NOBLE, value: json.baseline.perSecond, unit: 'mult/s' };
  const best = (prefix: string) => {
    const rows = json.figures.filter((f) => f.name.startsWith(prefix));
    if (rows.length === 0) throw new Error(`crypto benchmark JSON has no '${prefix}' figure`);
    return rows.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  };
  const out: SuiteFigure[] = [];
  for (const prefix of ['encrypt+prove', 'verify, 5 options']) {
    const f = best(prefix);
    out.push(
      figure({
        bench: 'crypto',
        name: `${f.name} (${f.backend})`,
        value: f.perSecond,
        unit: f.unit,
        baseline: base,
      }),
    );
  }
  const us = json.edgeCastChecksMicroseconds;
  out.push(
    figure({
      bench: 'crypto',
      name: 'edge per-cast checks: token, signature, proofs (1 core)',
      value: 1e6 / (us.tokenWithCnf + us.castSignature + us.proofs),
      unit: 'casts/s',
      baseline: base,
    }),
  );
  const record = json.figures.filter((f) => /^verify \d+-voter record, \d+ workers$/.test(f.name));
  for (const f of record)
    out.push(
      figure({
        bench: 'crypto',
        name: `hanpyo ${f.name}`,
        value: f.perSecond,
        unit: f.unit,
        baseline: base,
      }),
    );
  return out;
}

interface RateJson {
  baseline: { perSecond: number };
  figures: { name: string; ballotsPerSecond: number; ballots?: number }[];
}

/** The observer's replay, 1 worker and every core. */
export function observerFigures(json: RateJson): SuiteFigure[] {
  const base = { name: NOBLE, value: json.baseline.perSecond, unit: 'mult/s' };
  return json.figures.map((f) =>
    figure({
      bench: 'observer',
      name: f.name,
      value: f.ballotsPerSecond,
      unit: 'ballots/s',
      baseline: base,
    }),
  );
}

/**
 * The tally: the registrar's pool on 1 thread (the first such figure: after close, with the
 * verdicts stored while voting ran, when the run has it; with the ratio that 10M ballots in 10
 * minutes on 16 cores would need, as its target) and on every core, judging while voting runs, and
 * the single-threaded pass it replaced.
 */
export function tallyFigures(json: RateJson): SuiteFigure[] {
  const base = { name: NOBLE, value: json.baseline.perSecond, unit: 'mult/s' };
  const needed = perThreadRateFor(TALLY_TARGET.ballots, TALLY_TARGET.minutes, TALLY_TARGET.cores);
  const figures = json.figures.filter((f) => !f.name.includes('no proofs'));
  const target = figures.find(
    (f) => f.name.endsWith(', 1 thread') && !f.name.startsWith('judging'),
  );
  return figures.map((f) => {
    const oneThread = f === target;
    return figure({
      bench: 'tally',
      name: `${f.name.replace(/^tally aggregation, /, '')}${f.ballots ? `, ${f.ballots} ballots` : ''}`,
      value: f.ballotsPerSecond,
      unit: 'ballots/s',
      baseline: base,
      ...(oneThread
        ? {
            target: needed / base.value,
            note: `10M ballots on 16 cores: ${minutesFor(TALLY_TARGET.ballots, f.ballotsPerSecond, TALLY_TARGET.cores).toFixed(0)} min (target ${TALLY_TARGET.minutes} min needs ${needed.toFixed(0)} ballots/s per thread)`,
          }
        : {}),
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** A number for a table: 3 significant digits, thousands separated. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A ratio: ×, 3 significant digits. */
export function formatRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(1) : r >= 1 ? r.toFixed(2) : r.toPrecision(3)}×`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The suite's markdown table: figure, value, baseline, ratio, target (and whether it is met). */
export function renderTable(figures: readonly SuiteFigure[]): string {
  const rows = [
    '| bench | figure | value | baseline (same run) | ratio | target |',
    '| ----- | ------ | ----: | ------------------- | ----: | -----: |',
  ];
  for (const f of figures) {
    const target =
      f.target === undefined
        ? ''
        : `${formatRatio(f.target)} ${f.ratio >= f.target ? '(met)' : '(not met)'}`;
    rows.push(
      `| ${f.bench} | ${cell(f.name)}${f.note ? `; ${cell(f.note)}` : ''} | ${formatNumber(f.value)} ${cell(f.unit)} | ${cell(f.baseline.name)} ${formatNumber(f.baseline.value)} ${cell(f.baseline.unit)} | ${formatRatio(f.ratio)} | ${target} |`,
    );
  }
  return rows.join('\n');
}

/** The same table for a terminal: fixed-width columns. */
export function renderText(figures: readonly SuiteFigure[]): string {
  const rows = figures.map((f) => [
    f.bench,
    f.name,
    `${formatNumber(f.value)} ${f.unit}`,
    `${formatNumber(f.baseline.value)} ${f.baseline.unit}`,
    formatRatio(f.ratio),
    f.target === undefined
      ? ''
      : `target ${formatRatio(f.target)}${f.ratio >= f.target ? ' met' : ' NOT met'}`,
  ]);
  const head = ['bench', 'figure', 'value', 'baseline', 'ratio', 'target'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) =>
        i === 2 || i === 3 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** At most `n` characters, an ellipsis marking a cut (the chart's labels have a fixed width). */
export function shorten(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The x axis of the chart: decades spanning every ratio and target, and 1 (the baseline). */
export function logAxis(values: readonly number[]): { min: number; max: number } {
  const all = [...values.filter((v) => v > 0 && Number.isFinite(v)), 1];
  const min = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const max = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  // At least one decade, so that the scale has a width.
  return { min, max: max > min ? max : min * 10 };
}

/**
 * A horizontal bar chart (SVG) of every figure's ratio to its baseline, on a log scale (ratios run
 * from a few hundredths to about 1), with 1× marked and each figure's target as a red tick.
 */
export function renderSvg(figures: readonly SuiteFigure[], title: string): string {
  const label = 430;
  const plot = 420;
  const right = 170;
  const row = 24;
  const top = 48;
  const width = label + plot + right;
  const height = top + row * figures.length + 40;
  const { min, max } = logAxis(figures.flatMap((f) => [f.ratio, f.target ?? f.ratio]));
  const x = (v: number) =>
    label + (plot * (Math.log10(v) - Math.log10(min))) / (Math.log10(max) - Math.log10(min));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="38" fill="#555555">ratio to the baseline measured in the same run (log scale); red tick: the issue's target</text>`,
  ];
  const bottom = top + row * figures.length;
  for (let d = min; d <= max * 1.0001; d *= 10) {
    const at = x(d).toFixed(1);
    out.push(
      `<line x1="${at}" y1="${top - 4}" x2="${at}" y2="${bottom}" stroke="${Math.abs(d - 1) < 1e-9 ? '#333333' : '#dddddd'}"/>`,
      `<text x="${at}" y="${bottom + 16}" text-anchor="middle" fill="#333333">${Number(d.toPrecision(1))}×</text>`,
    );
  }
  figures.forEach((f, i) => {
    const y = top + i * row;
    const colour = f.target === undefined ? '#4a78b5' : f.ratio >= f.target ? '#3a9a4a' : '#d08a2c';
    out.push(
      `<text x="${label - 8}" y="${y + row / 2 + 4}" text-anchor="end">${escapeXml(shorten(`${f.bench}: ${f.name}`, 64))}</text>`,
      `<rect class="bar" x="${label}" y="${y + 4}" width="${Math.max(1, x(f.ratio) - label).toFixed(1)}" height="${row - 8}" fill="${colour}"/>`,
      // In the right margin, so that a target tick never covers it.
      `<text x="${label + plot + 12}" y="${y + row / 2 + 4}">${escapeXml(formatRatio(f.ratio))}${f.target === undefined ? '' : ` (target ${formatRatio(f.target)})`}</text>`,
    );
    if (f.target !== undefined) {
      const at = x(f.target).toFixed(1);
      out.push(
        `<line class="target" x1="${at}" y1="${y + 1}" x2="${at}" y2="${y + row - 1}" stroke="#cc0000" stroke-width="3"/>`,
      );
    }
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export const SECTION_BEGIN =
  '<!-- bench-suite:begin (written by npm run bench; edits are lost) -->';
export const SECTION_END = '<!-- bench-suite:end -->';

/** The document with the text between the suite's markers replaced (appended when absent). */
export function replaceSection(doc: string, section: string): string {
  const begin = doc.indexOf(SECTION_BEGIN);
  const end = doc.indexOf(SECTION_END);
  const block = `${SECTION_BEGIN}\n\n${section.trim()}\n\n${SECTION_END}`;
  if (begin === -1 && end === -1) return `${doc.trimEnd()}\n\n${block}\n`;
  if (begin === -1 || end === -1 || end < begin)
    throw new Error('docs/performance.md: the bench-suite markers are broken (one missing)');
  return `${doc.slice(0, begin)}${block}${doc.slice(end + SECTION_END.length)}`;
}
