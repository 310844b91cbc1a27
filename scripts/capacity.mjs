#!/usr/bin/env node
// `npm run capacity`: recomputes the generated tables of docs/capacity.md from the committed bench
// JSON (docs/capacity/bench-suite.json, a copy of one `npm run bench` run), the ballot sizes the
// libraries encode, the board's partition layout (@hanpyo/ledger) and the overlays' sizes.yaml,
// and rewrites the text between each `<!-- capacity:begin NAME -->` and `<!-- capacity:end -->`.
//
//   npm run capacity [-- --bench FILE] [--doc FILE]   rewrite the document
//   npm run capacity -- --check                        exit 1 when the document differs
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { partitionLayout } from '@hanpyo/ledger';
import { BENCH_BALLOT, LOCAL_ELECTION_BALLOT, encodedSizes } from './capacity/encoded-sizes.mjs';
import {
  ASSUMPTIONS,
  CapacityInputError,
  SCALES,
  SHAPES,
  counts,
  fmt,
  fmtBytes,
  perCoreRates,
  readBench,
  requirements,
  scaleRates,
  sizeScale,
} from './capacity/model.mjs';
import { checkOverlay, overlaySizes } from './capacity/overlays.mjs';

export const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
export const DOC = join(ROOT, 'docs', 'capacity.md');
export const BENCH = join(ROOT, 'docs', 'capacity', 'bench-suite.json');
/** The overlays the model checks, by scale id. */
export const OVERLAYS = Object.freeze({
  city: join(ROOT, 'deploy', 'k8s', 'overlays', 'city', 'sizes.yaml'),
  province: join(ROOT, 'deploy', 'k8s', 'overlays', 'province', 'sizes.yaml'),
});

const BEGIN = /<!-- capacity:begin ([a-z0-9-]+) -->/g;
const END = '<!-- capacity:end -->';

/** The board's partitions for `districts` equal districts of `voters` in all (DESIGN.md layout). */
export function partitionsFor(voters, districts) {
  const each = Math.floor(voters / districts);
  return partitionLayout({
    districts: Array.from({ length: districts }, (_, i) => ({
      districtId: `d${String(i).padStart(5, '0')}`,
      registeredVoters: i === 0 ? voters - each * (districts - 1) : each,
    })),
  }).partitionCount;
}

const table = (head, rows, align) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');

/** A result in its unit, as the tables print it. */
function show(result, unit) {
  switch (unit) {
    case 'bytes':
      return fmtBytes(result);
    case 'bit/s':
      return result >= 1e9 ? `${fmt(result / 1e9, 2)} Gbit/s` : `${fmt(result / 1e6, 0)} Mbit/s`;
    case 'cores':
    case 'threads':
      return `${fmt(result, 1)} → ${Math.ceil(result - 1e-9)} ${unit}`;
    case 'minutes':
      return Number.isFinite(result) ? `${fmt(result, 1)} min` : 'never (below the rest rate)';
    case 'seconds':
      return `${fmt(result, 1)} s`;
    default:
      return `${fmt(result)} ${unit}`;
  }
}

/**
 * Every generated table, by marker name, from the inputs' texts. Pure apart from the libraries'
 * deterministic encoding, so the document reproduces exactly.
 * @param {{benchText: string, benchSource: string, overlayTexts: Record<string, string>}} input
 * @param {typeof ASSUMPTIONS} [a]
 */
export function generate(input, a = ASSUMPTIONS) {
  const bench = readBench(input.benchText, input.benchSource);
  const rates = perCoreRates(bench, a.referenceBaseline, input.benchSource);
  const size = encodedSizes(BENCH_BALLOT);
  const large = encodedSizes(LOCAL_ELECTION_BALLOT);
  const tables = new Map();

  const machine = bench.machine
    ? `${bench.machine.cpu}, ${bench.machine.cores} cores, ${bench.machine.memory}, ${bench.machine.os}`
    : `${bench.cores} cores`;
  tables.set(
    'inputs',
    [
      `Bench run: \`${input.benchSource}\`, ${bench.at.slice(0, 19).replace('T', ' ')} UTC, Node ${bench.node}, ${machine}${bench.quick ? ', quick mode' : ''}.`,
      `Reference core: noble fixed-base k·G at ${fmt(a.referenceBaseline)}/s.`,
      '',
      table(
        [
          'rate',
          'bench figure (suite)',
          'measured',
          'baseline, same run',
          'ratio',
          'per core used',
          'basis',
        ],
        Object.values(rates).map((r) => [
          r.what,
          `${r.bench}: ${r.figure}`,
          `${fmt(r.measured, r.measured < 100 ? 1 : 0)} ${r.unit}`,
          `${fmt(r.baseline)} (${r.baselineName})`,
          fmt(r.ratio, 4),
          fmt(r.perCore),
          r.basis,
        ]),
        ['l', 'l', 'r', 'l', 'r', 'r', 'l'],
      ),
    ].join('\n'),
  );

  const sizeRows = [
    ['encrypted ballot (JSON)', 'ballotJson'],
    ['voting token (JWS, with cnf)', 'token'],
    ['cast signature (base64url)', 'castSignature'],
    ['cast request body {ballot, castSignature}', 'castBody'],
    ['board message value {trackingCode, ballot, token, castSignature}', 'boardValue'],
    ['board message key (nullifier)', 'boardKey'],
    ['receipt response {receipt}', 'receipt'],
  ];
  tables.set(
    'sizes',
    table(
      [
        'what, bytes',
        `${size.contests} × ${size.options} (the benchmark's, used)`,
        `${large.contests} × ${large.options} (sensitivity)`,
      ],
      sizeRows.map(([label, key]) => [label, fmt(size[key]), fmt(large[key])]),
      ['l', 'r', 'r'],
    ),
  );

  const explained = {
    referenceBaseline: 'noble k·G/s of a reference core (this machine when quiet, docs/crypto.md)',
    cpuHeadroom: 'CPU headroom: sized pools run at ≤ 67 % (the HPA targets 60 %)',
    diskHeadroom: 'disk headroom: disks at most half full (compaction, segments, growth)',
    replicationFactor: 'replication factor, Kafka and Cassandra',
    zones: 'zones: least brokers and Cassandra nodes, counts rounded up to multiples',
    observers: 'observers (witnesses), each its own consumer group reading the whole board',
    edgeModeShare: 'share of casts in edge mode (the demo mix)',
    burstSeconds: 'opening burst, seconds',
    burstFactor: "burst factor over the busiest hour's mean",
    kafkaProduceMicroseconds:
      'broker CPU µs per produced message via BoardWriter (docs/kafka-client.md, 1,500 B)',
    kafkaConsumeMicroseconds: 'broker CPU µs per consumed message (docs/kafka-client.md)',
    kafkaMeasuredMessageBytes: 'message size of those two figures, bytes; scaled linearly to ours',
    kafkaRecordOverheadBytes: 'Kafka record overhead, bytes',
    cassandraOtherWork:
      "Cassandra work beyond the persister's rows (judge, ledger, roll reads), share",
    cassandraRowOverheadBytes: 'Cassandra bytes per row beyond the values',
    cassandraCellOverheadBytes: 'Cassandra bytes per cell beyond the value',
    verdictBytes: 'a stored verdict, bytes (docs/storage.md)',
    rollRowBytes: 'a roll row, bytes (two per voter)',
    ledgerBytesPerBallot: "ledger memory per ballot (deploy/k8s/README.md 'Sizes')",
    httpHeaderBytes: 'HTTP headers of a cast and its receipt, bytes',
    tlsOverhead: 'TLS framing factor',
    tallyCores: 'cores of the tally node after close',
  };
  tables.set(
    'assumptions',
    table(
      ['assumption', 'value'],
      Object.entries(a).map(([k, v]) => [explained[k] ?? k, fmt(v, Number.isInteger(v) ? 0 : 3)]),
      ['l', 'r'],
    ),
  );

  tables.set(
    'scales',
    table(
      [
        'scale',
        'profile',
        'casts',
        'busiest hour',
        'mean of that hour',
        `burst (${a.burstFactor}×, ${a.burstSeconds / 60} min)`,
        'rest of the hour',
      ],
      SCALES.map((s) => {
        const r = scaleRates(s, a);
        return [
          s.title,
          s.profile,
          `${fmt(s.voters)} × ${s.turnout} × (1 + ${s.revotes}) = ${fmt(r.casts)}`,
          `${fmt(r.casts)} × ${s.busiestHourShare} = ${fmt(r.inBusiestHour)}`,
          `${fmt(r.hourMean)}/s`,
          `${fmt(r.burst)}/s`,
          `${fmt(r.rest)}/s`,
        ];
      }),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );

  const sized = SCALES.map((s) =>
    sizeScale(rates, size, s, partitionsFor(s.voters, s.districts), a),
  );
  for (const z of sized) {
    tables.set(
      z.scale.id,
      table(
        ['component', 'quantity', 'formula (per-core figure, headroom)', 'result'],
        z.rows.map((r) => [r.component, r.quantity, r.formula, show(r.result, r.unit)]),
        ['l', 'l', 'l', 'r'],
      ),
    );
  }

  const reqs = sized.map((z) => ({
    z,
    req: requirements(z),
    c: counts(requirements(z), SHAPES[z.scale.id], a),
  }));
  const summaryRows = [
    [
      'mean of the busiest hour / burst',
      ({ z }) => `${fmt(z.rates.hourMean)} / ${fmt(z.rates.burst)} per s`,
    ],
    [
      'edge (sized for the burst)',
      ({ z, req, c }) =>
        `${c.edgePods} × ${SHAPES[z.scale.id].edgeCpu} CPU (${req.edgeCores} cores; ${req.edgeClientCores} client mode only)`,
    ],
    ['board partitions', ({ req }) => fmt(req.partitions)],
    [
      'Kafka brokers (RF 3), each',
      ({ z, c }) => `${c.brokers} × ${SHAPES[z.scale.id].brokerCpu} CPU, ${fmtBytes(c.brokerDisk)}`,
    ],
    [
      'Kafka: cores / disk needed',
      ({ req }) => `${req.kafkaCores} CPU / ${fmtBytes(req.kafkaDisk)}`,
    ],
    [
      'Cassandra nodes (RF 3), each',
      ({ z, c }) => `${c.nodes} × ${SHAPES[z.scale.id].nodeCpu} CPU, ${fmtBytes(c.nodeDisk)}`,
    ],
    [
      'Cassandra: cores / disk needed',
      ({ req }) => `${req.cassandraCores} CPU / ${fmtBytes(req.cassandraDisk)}`,
    ],
    ['persister', ({ z, c }) => `${c.persisters} × ${SHAPES[z.scale.id].persisterCpu} CPU`],
    ['observer, each witness', ({ req }) => `${req.observerCores} CPU`],
    ['registrar judge threads, each replica', ({ req }) => String(req.judgeThreads)],
    ['ledger memory', ({ req }) => fmtBytes(req.ledgerMemory)],
    ['tally after close, 16 cores', ({ req }) => `${fmt(req.tallyMinutes, 1)} min`],
    [
      'network: voters → edge / Kafka',
      ({ req }) => `${show(req.ingress, 'bit/s')} / ${show(req.kafkaNetwork, 'bit/s')}`,
    ],
  ];
  tables.set(
    'summary',
    table(
      ['', ...SCALES.map((s) => s.title)],
      summaryRows.map(([label, f]) => [label, ...reqs.map(f)]),
      ['l', ...SCALES.map(() => 'r')],
    ),
  );

  // Estonia's busiest hour against the one-hour profiles.
  const national = SCALES.find((s) => s.id === 'national');
  const nr = scaleRates(national, a);
  const city = scaleRates(
    SCALES.find((s) => s.id === 'city'),
    a,
  );
  const province = scaleRates(
    SCALES.find((s) => s.id === 'province'),
    a,
  );
  tables.set(
    'estonia',
    [
      `- casts: ${fmt(national.voters)} voters × ${national.turnout} turnout × (1 + ${national.revotes} re-votes) = **${fmt(nr.casts)}**`,
      `- the busiest hour: ${fmt(nr.casts)} × ${national.busiestHourShare} = ${fmt(nr.inBusiestHour)} casts, **${fmt(nr.hourMean)}/s** on average; with the ${a.burstFactor}× burst on top, **${fmt(nr.burst)}/s** for ${a.burstSeconds / 60} minutes`,
      `- against the one-hour profiles: ${fmt(nr.hourMean / city.hourMean, 2)}× the city's mean (${fmt(city.hourMean)}/s), ${fmt(nr.burst / city.burst, 2)}× its burst (${fmt(city.burst)}/s); ${fmt(nr.hourMean / province.hourMean, 3)}× the province's mean (${fmt(province.hourMean)}/s), ${fmt(nr.burst / province.burst, 3)}× its burst (${fmt(province.burst)}/s)`,
      `- the same 44 M voters within one hour would be ${fmt(nr.casts / 3600)}/s (burst ${fmt((nr.casts / 3600) * a.burstFactor)}/s): ${fmt(1 / national.busiestHourShare, 1)}× the multi-day rate`,
    ].join('\n'),
  );

  const overlayRows = [];
  for (const [id, text] of Object.entries(input.overlayTexts)) {
    const o = overlaySizes(text, `deploy/k8s/overlays/${id}/sizes.yaml`);
    const req = reqs.find((x) => x.z.scale.id === id).req;
    for (const c of checkOverlay(o, req, fmtBytes))
      overlayRows.push([id, c.item, c.overlay, c.required, c.ok ? 'yes' : '**no**']);
  }
  tables.set(
    'overlays',
    table(['overlay', 'item', 'sizes.yaml', 'model requires', 'enough'], overlayRows, [
      'l',
      'l',
      'r',
      'r',
      'l',
    ]),
  );

  return { tables, sized, reqs, rates, size };
}

/**
 * The document with each marked section's text replaced by its table; throws on a missing end
 * marker, an unknown name, or a table the document has no markers for.
 * @param {string} doc
 * @param {Map<string, string>} tables
 */
export function replaceSections(doc, tables) {
  const seen = new Set();
  let out = '';
  let at = 0;
  for (const m of doc.matchAll(BEGIN)) {
    if (m.index < at) throw new Error(`capacity:begin ${m[1]} inside another section`);
    const name = m[1];
    const start = m.index + m[0].length;
    const end = doc.indexOf(END, start);
    if (end === -1) throw new Error(`capacity:begin ${name} has no ${END}`);
    const next = doc.slice(start, end).search(BEGIN);
    if (next !== -1)
      throw new Error(`capacity:begin ${name} has no ${END} before the next section`);
    if (!tables.has(name)) throw new Error(`unknown section 'capacity:begin ${name}'`);
    if (seen.has(name)) throw new Error(`section '${name}' appears twice`);
    seen.add(name);
    out += `${doc.slice(at, start)}\n${tables.get(name)}\n`;
    at = end;
  }
  const missing = [...tables.keys()].filter((k) => !seen.has(k));
  if (missing.length > 0) throw new Error(`the document has no section for: ${missing.join(', ')}`);
  return out + doc.slice(at);
}

/** Formats markdown with the repository's prettier, so the document passes `prettier --check`. */
export async function formatMarkdown(text, file) {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}

/** The document as `npm run capacity` would write it. */
export async function expectedDocument({ bench = BENCH, doc = DOC } = {}) {
  const overlayTexts = Object.fromEntries(
    Object.entries(OVERLAYS).map(([id, file]) => [id, readFileSync(file, 'utf8')]),
  );
  let benchText;
  try {
    benchText = readFileSync(bench, 'utf8');
  } catch (e) {
    throw new CapacityInputError(`cannot read ${bench}: ${/** @type {Error} */ (e).message}`);
  }
  const { tables } = generate({
    benchText,
    benchSource: relative(ROOT, bench),
    overlayTexts,
  });
  const current = readFileSync(doc, 'utf8');
  return { current, expected: await formatMarkdown(replaceSections(current, tables), doc) };
}

async function main() {
  const { values } = parseArgs({
    options: {
      bench: { type: 'string' },
      doc: { type: 'string' },
      check: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const bench = values.bench ? resolve(values.bench) : BENCH;
  const doc = values.doc ? resolve(values.doc) : DOC;
  const { current, expected } = await expectedDocument({ bench, doc });
  if (values.check) {
    if (current !== expected) {
      console.error(
        `${relative(ROOT, doc)} differs from what ${relative(ROOT, bench)} gives: run npm run capacity`,
      );
      process.exitCode = 1;
    } else console.log(`${relative(ROOT, doc)} is up to date with ${relative(ROOT, bench)}`);
    return;
  }
  if (current === expected) console.log(`${relative(ROOT, doc)}: unchanged`);
  else {
    writeFileSync(doc, expected);
    console.log(`wrote ${relative(ROOT, doc)} from ${relative(ROOT, bench)}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(
      e instanceof CapacityInputError ? `capacity: ${e.code}: ${e.message}` : (e.stack ?? e),
    );
    process.exitCode = 2;
  });
}
