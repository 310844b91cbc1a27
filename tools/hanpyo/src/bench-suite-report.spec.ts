// The pure half of `npm run bench`: option parsing with stable codes, the extrapolation
// arithmetic, the figures read out of the benchmarks' JSON, and the table, chart and document
// section it writes. Timing is not checked anywhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_TALLY_BALLOTS,
  QUICK_TALLY_BALLOTS,
  SECTION_BEGIN,
  SECTION_END,
  SUITE_BENCHES,
  SuiteOptionError,
  cryptoFigures,
  figure,
  formatRatio,
  logAxis,
  minutesFor,
  observerFigures,
  parseSuiteOptions,
  perThreadRateFor,
  renderSvg,
  renderTable,
  renderText,
  replaceSection,
  shorten,
  tallyFigures,
} from './bench-suite-report.js';
import type { SuiteFigure } from './bench-suite-report.js';

const refused = (argv: string[], code: string) =>
  assert.throws(
    () => parseSuiteOptions(argv),
    (e: unknown) => e instanceof SuiteOptionError && e.code === code,
  );

const sample = (over: Partial<Omit<SuiteFigure, 'ratio'>> = {}): SuiteFigure =>
  figure({
    bench: 'persister',
    name: 'persister write path',
    value: 900,
    unit: 'entries/s',
    baseline: { name: 'raw INSERTs', value: 1000, unit: 'entries/s' },
    ...over,
  });

describe('bench suite options', () => {
  it('runs everything, full size, and rewrites the document by default', () => {
    assert.deepEqual(parseSuiteOptions([]), {
      only: [...SUITE_BENCHES],
      quick: false,
      ballots: DEFAULT_TALLY_BALLOTS,
      doc: true,
    });
  });

  it('--only keeps the suite order whatever the order asked, and quick shrinks the tally', () => {
    const o = parseSuiteOptions(['--only', 'tally, ledger,persister', '--quick', '--no-doc']);
    assert.deepEqual(o.only, ['persister', 'ledger', 'tally']);
    assert.equal(o.quick, true);
    assert.equal(o.ballots, QUICK_TALLY_BALLOTS);
    assert.equal(o.doc, false);
    assert.equal(parseSuiteOptions(['--ballots', '1000000']).ballots, 1_000_000);
  });

  it('refuses unknown benchmarks and bad values with stable codes', () => {
    refused(['--only', 'ledger,edgy'], 'BENCH_UNKNOWN');
    refused(['--only', ','], 'BENCH_UNKNOWN');
    refused(['--ballots', 'many'], 'BENCH_OPTION_INVALID');
    refused(['--ballots', '5'], 'BENCH_OPTION_INVALID');
    refused(['--ballots', '1500.5'], 'BENCH_OPTION_INVALID');
    refused(['--fast'], 'BENCH_OPTION_INVALID');
    refused(['ledger'], 'BENCH_OPTION_INVALID');
  });

  it('names what it refused', () => {
    assert.throws(() => parseSuiteOptions(['--only', 'edgy']), /not 'edgy'/);
  });
});

describe('extrapolation', () => {
  it('minutes for N ballots on C cores, and its inverse', () => {
    // 10M ballots at 1,000/s per thread on 16 threads: 625 s.
    assert.equal(minutesFor(10_000_000, 1000, 16), 625 / 60);
    assert.equal(perThreadRateFor(10_000_000, 625 / 60, 16), 1000);
    for (const rate of [3.5, 87.4, 1041.7, 20_000]) {
      const minutes = minutesFor(10_000_000, rate, 16);
      assert.ok(Math.abs(perThreadRateFor(10_000_000, minutes, 16) - rate) < 1e-9 * rate);
    }
  });
});

describe('figures', () => {
  it('a ratio is value over baseline, and a figure that measured nothing is refused', () => {
    assert.equal(sample().ratio, 0.9);
    assert.throws(() => sample({ value: 0 }), /positive/);
    assert.throws(
      () => sample({ baseline: { name: 'b', value: Number.NaN, unit: 'u' } }),
      /positive/,
    );
  });

  it('crypto: the best backend of each per-ballot figure, the edge checks, the record', () => {
    const figures = cryptoFigures({
      baseline: { perSecond: 2000 },
      figures: [
        { name: 'encrypt+prove, 5 options choose 1', backend: 'noble', perSecond: 50, unit: 'b' },
        { name: 'encrypt+prove, 5 options choose 1', backend: 'native', perSecond: 400, unit: 'b' },
        { name: 'verify, 5 options choose 1', backend: 'native', perSecond: 500, unit: 'b' },
        { name: 'verify, 5 options choose 1', backend: 'sodium', perSecond: 300, unit: 'b' },
        {
          name: 'verify 10000-voter record, 2 workers',
          backend: 'native',
          perSecond: 600,
          unit: 'b',
        },
        {
          name: 'verify 10000-voter record, 1 worker',
          backend: 'native',
          perSecond: 300,
          unit: 'b',
        },
      ],
      edgeCastChecksMicroseconds: { tokenWithCnf: 100, castSignature: 100, proofs: 1800 },
    });
    assert.deepEqual(
      figures.map((f) => [f.name, f.value, f.ratio]),
      [
        ['encrypt+prove, 5 options choose 1 (native)', 400, 0.2],
        ['verify, 5 options choose 1 (native)', 500, 0.25],
        ['edge per-cast checks: token, signature, proofs (1 core)', 500, 0.25],
        ['hanpyo verify 10000-voter record, 2 workers', 600, 0.3],
      ],
    );
  });

  it('tally: the 1-thread figure carries the 10-minute target as a ratio of this run', () => {
    const json = {
      baseline: { perSecond: 2000 },
      figures: [
        { name: 'tally aggregation, registrar pool, 1 thread', ballotsPerSecond: 100, ballots: 50 },
        {
          name: 'tally aggregation, registrar pool, 2 threads',
          ballotsPerSecond: 180,
          ballots: 50,
        },
        { name: 'tally aggregation, single pass, no proofs', ballotsPerSecond: 900, ballots: 50 },
      ],
    };
    const [one, two, ...rest] = tallyFigures(json);
    assert.equal(rest.length, 0, 'the no-proofs pass decides nothing and is left out');
    // 10M in 10 min on 16 threads needs 1041.67 ballots/s per thread: 0.5208 of 2000.
    assert.ok(Math.abs(one!.target! - 10_000_000 / (600 * 16) / 2000) < 1e-12);
    assert.match(one!.note!, /: 104 min/); // 10M / (100 × 16) = 6,250 s
    assert.equal(two!.target, undefined);
    assert.equal(two!.ratio, 0.09);
  });

  it('tally: with stored verdicts, the target goes to the 1-thread tally after close, not to judging', () => {
    const json = {
      baseline: { perSecond: 2000 },
      figures: [
        { name: 'judging while voting runs (prejudge), 1 thread', ballotsPerSecond: 150 },
        { name: 'tally after close, verdicts stored, 1 thread', ballotsPerSecond: 1600 },
        { name: 'tally aggregation, registrar pool, 1 thread', ballotsPerSecond: 150 },
      ],
    };
    const f = tallyFigures(json);
    assert.deepEqual(
      f.map((x) => x.target !== undefined),
      [false, true, false],
    );
    assert.match(f[1]!.note!, /: 7 min/); // 10M / (1,600 × 16) = 391 s
  });

  it('observer: one figure per worker count', () => {
    const f = observerFigures({
      baseline: { perSecond: 1000 },
      figures: [
        { name: 'observer verification, 1 worker', ballotsPerSecond: 100 },
        { name: 'observer verification, 2 workers', ballotsPerSecond: 150 },
      ],
    });
    assert.deepEqual(
      f.map((x) => x.ratio),
      [0.1, 0.15],
    );
  });
});

describe('rendering', () => {
  const figures = [
    sample(),
    sample({ bench: 'ledger', name: 'block | 1M <leaves>', value: 5, target: 0.8 }),
    sample({ bench: 'edge', name: 'edge', value: 2500, target: 0.8 }),
  ];

  it('the markdown table has a row per figure with its baseline, ratio and verdict', () => {
    const lines = renderTable(figures).split('\n');
    assert.equal(lines.length, 2 + figures.length);
    assert.match(
      lines[2]!,
      /^\| persister \| persister write path \| 900 entries\/s \| raw INSERTs 1,000 entries\/s \| 0\.900× \| {2}\|$/,
    );
    assert.match(lines[3]!, /block \\\| 1M <leaves>/, 'a | in a name is escaped');
    assert.match(lines[3]!, /0\.800× \(not met\) \|$/);
    assert.match(lines[4]!, /2\.50× \| 0\.800× \(met\) \|$/);
    const text = renderText(figures).split('\n');
    assert.equal(text.length, 2 + figures.length);
    assert.match(text[3]!, /target 0\.800× NOT met$/);
  });

  it('ratios: three significant digits', () => {
    assert.deepEqual([0.0123456, 0.9, 1, 2.345, 12.34].map(formatRatio), [
      '0.0123×',
      '0.900×',
      '1.00×',
      '2.35×',
      '12.3×',
    ]);
  });

  it('the axis spans whole decades around every ratio and 1', () => {
    assert.deepEqual(logAxis([0.05, 0.9]), { min: 0.01, max: 1 });
    assert.deepEqual(logAxis([0.5, 2.5]), { min: 0.1, max: 10 });
    assert.deepEqual(logAxis([1]), { min: 1, max: 10 });
  });

  it('the chart: one bar per figure, longer for a larger ratio, a tick per target, text escaped', () => {
    const svg = renderSvg(figures, 'run <1>');
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    const bars = [...svg.matchAll(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map(
      (m) => Number(m[1]),
    );
    assert.equal(bars.length, figures.length);
    // Ratios 0.9, 0.005, 2.5: widths in the same order on the log axis.
    assert.ok(bars[1]! < bars[0]! && bars[0]! < bars[2]!, `widths ${bars.join(', ')}`);
    assert.equal([...svg.matchAll(/class="target"/g)].length, 2);
    assert.ok(svg.includes('run &lt;1&gt;') && svg.includes('block | 1M &lt;leaves&gt;'));
    assert.ok(!svg.includes('<leaves>'));
    assert.ok(svg.includes('>0.001×</text>') && svg.includes('>10×</text>'), 'decade ticks');
  });

  it('long labels are cut with an ellipsis', () => {
    assert.equal(shorten('abcdef', 6), 'abcdef');
    assert.equal(shorten('abcdefg', 6), 'abcde…');
    const svg = renderSvg([sample({ name: 'x'.repeat(200) })], 't');
    assert.ok(svg.includes(`persister: ${'x'.repeat(52)}…<`));
  });

  it('the document section is replaced between its markers, everything else kept', () => {
    const doc = '# Performance\n\nintro\n';
    const once = replaceSection(doc, 'first run');
    assert.ok(once.startsWith(doc.trimEnd()));
    assert.ok(once.includes(`${SECTION_BEGIN}\n\nfirst run\n\n${SECTION_END}`));
    const twice = replaceSection(`${once}\n## Later section\n`, 'second run');
    assert.ok(!twice.includes('first run'));
    assert.ok(twice.includes('second run'));
    assert.ok(twice.includes('intro') && twice.endsWith('## Later section\n'));
    assert.equal(twice.split(SECTION_BEGIN).length, 2, 'one section, not two');
    assert.throws(() => replaceSection(`${doc}${SECTION_BEGIN}\n`, 'x'), /markers are broken/);
  });
});
