// The capacity model (scripts/capacity.mjs, docs/capacity.md): the committed document is what the
// committed bench JSON gives (no drift), the arithmetic on a small hand-checked input, clear errors
// for bad input, and every overlay's sizes.yaml at least what the model requires for its scale.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  BENCH,
  OVERLAYS,
  ROOT,
  expectedDocument,
  generate,
  partitionsFor,
  replaceSections,
} from './capacity.mjs';
import { BENCH_BALLOT, encodedSizes } from './capacity/encoded-sizes.mjs';
import {
  ASSUMPTIONS,
  CapacityInputError,
  SCALES,
  fmtBytes,
  lag,
  perCoreRates,
  readBench,
  requirements,
  scaleRates,
  sizeScale,
} from './capacity/model.mjs';
import { bytesOf, checkOverlay, cpuOf, overlaySizes } from './capacity/overlays.mjs';

const SCRIPT = join(ROOT, 'scripts', 'capacity.mjs');
const noble = (value) => ({ name: 'noble fixed-base k·G', value, unit: 'mult/s' });

/** A minimal suite JSON whose rates are round numbers at a reference baseline of 1,000/s. */
function handBench({ edge = 100 } = {}) {
  const f = (bench, name, value, unit, baseline) => ({ bench, name, value, unit, baseline });
  return {
    suite: 'suite',
    at: '2026-12-02T00:00:00.000Z',
    node: 'v20.0.0',
    cores: 2,
    figures: [
      f('crypto', 'encrypt+prove, 5 options choose 1 (native)', 200, 'ballots/s', noble(1000)),
      f(
        'crypto',
        'edge per-cast checks: token, signature, proofs (1 core)',
        500,
        'casts/s',
        noble(1000),
      ),
      f('edge', 'edge + Kafka: casts per CPU-second of the edge process', edge, 'casts/CPU-s', {
        name: 'per-cast crypto checks, one thread',
        value: 400,
        unit: 'casts/CPU-s',
      }),
      f('persister', 'persister write path, 20,000 entries', 2000, 'entries/s', {
        name: 'raw',
        value: 2500,
        unit: 'entries/s',
      }),
      f('ledger', "block of 1,000,000 leaves, ledger's MerkleLog", 100_000, 'leaves/s', {
        name: 'sha',
        value: 100_000,
        unit: 'leaves/s',
      }),
      f('observer', 'observer verification, 1 worker', 250, 'ballots/s', noble(2000)),
      f(
        'tally',
        'tally after close, verdicts stored, 1 thread, 2005 ballots',
        1000,
        'ballots/s',
        noble(1000),
      ),
      f(
        'tally',
        'judging while voting runs (prejudge), 1 thread, 2005 ballots',
        100,
        'ballots/s',
        noble(1000),
      ),
      f('tally', 'registrar pool, 1 thread, 2005 ballots', 50, 'ballots/s', noble(1000)),
    ],
    // The edge benchmark's own noble measurement, and its HTTP stack per CPU-second.
    results: { edge: { nobleFixedBase: 1000, http: { edge: { perCpuSecond: 1000 } } } },
  };
}

const A = { ...ASSUMPTIONS, referenceBaseline: 1000 };
const SIZE = {
  ballotJson: 1000,
  token: 500,
  castSignature: 86,
  trackingCode: 64,
  castBody: 1100,
  boardKey: 32,
  boardValue: 1430, // + 32 key + 70 overhead = 1,532-byte records
  receipt: 300,
  electionIdBytes: 16,
  districtIdBytes: 6,
};
const city = SCALES.find((s) => s.id === 'city');
const rowOf = (sized, key) => sized.rows.find((r) => r.key === key).result;
const sizeCity = (bench) =>
  sizeScale(
    perCoreRates(readBench(JSON.stringify(bench), 'hand.json'), 1000, 'hand.json'),
    SIZE,
    city,
    20,
    A,
  );

describe('capacity model: arithmetic on a hand-checked input', () => {
  it('takes per-core rates as ratio × reference, the persister per machine core', () => {
    const rates = perCoreRates(
      readBench(JSON.stringify(handBench()), 'hand.json'),
      1000,
      'hand.json',
    );
    assert.equal(rates.edge.perCore, 100); // 100 casts/CPU-s at a noble rate of 1,000 = reference
    assert.equal(rates.observer.perCore, 125); // 250 at noble 2,000 → 125 on a 1,000/s core
    assert.equal(rates.persister.perCore, 1000); // 2,000 entries/s on 2 cores
    assert.equal(rates.judge.perCore, 100);
  });

  it('city: 1 M in one hour is 277.8/s, the 3× burst 833.3/s', () => {
    const r = scaleRates(city, A);
    assert.ok(Math.abs(r.hourMean - 277.777) < 0.01);
    assert.ok(Math.abs(r.burst - 833.333) < 0.01);
    // The rest of the hour after a 5-minute burst: (1 M − 833.3 × 300) / 3,300 s.
    assert.ok(Math.abs(r.rest - 227.27) < 0.01);
  });

  it('edge cores = burst ÷ per-core rate × headroom; halving the rate doubles them', () => {
    const full = sizeCity(handBench({ edge: 100 }));
    const half = sizeCity(handBench({ edge: 50 }));
    // 833.33/s ÷ 100 casts/s per core × 1.5 = 12.5 cores.
    assert.ok(Math.abs(rowOf(full, 'edgeClientCores') - 12.5) < 1e-6);
    assert.ok(Math.abs(rowOf(half, 'edgeClientCores') - 25) < 1e-6);
    // Edge mode adds 1/200 (encryption) + 1/1000 (a request) core-seconds per ballot, for half
    // of the casts: 833.33 × (0.01 + 0.5 × 0.006) × 1.5 = 16.25 cores.
    assert.ok(Math.abs(rowOf(full, 'edgeCores') - 16.25) < 1e-6);
  });

  it('storage, observer and judge from the hand rates', () => {
    const z = sizeCity(handBench());
    // Persister: 277.78/s ÷ 1,000 per core × 1.5; Cassandra: × RF 3 × (1 + 1).
    assert.ok(Math.abs(rowOf(z, 'persisterCores') - 0.41667) < 1e-4);
    assert.ok(Math.abs(rowOf(z, 'cassandraCores') - 2.5) < 1e-6);
    assert.ok(Math.abs(rowOf(z, 'observerCores') - (277.777 / 125) * 1.5) < 1e-3);
    assert.ok(Math.abs(rowOf(z, 'judgeThreads') - 4.16667) < 1e-4);
    // Kafka disk: 1 M casts × 1,532 B × RF 3 × 2.
    assert.equal(rowOf(z, 'kafkaDisk'), 1_000_000 * 1532 * 3 * 2);
    // Tally: 1 M ÷ (16 × 1,000/s) ÷ 60 s.
    assert.ok(Math.abs(rowOf(z, 'tallyMinutes') - 1_000_000 / 16_000 / 60) < 1e-9);
  });

  it('a consumer sized below the burst lags, and catches up against the rest of the hour', () => {
    const r = { burst: 900, rest: 200 };
    const l = lag(400, r, { ...A, burstSeconds: 300 });
    assert.equal(l.backlog, 500 * 300);
    assert.equal(l.catchUpMinutes, 150_000 / 200 / 60);
    assert.equal(lag(1000, r, A).backlog, 0);
    assert.equal(lag(150, r, A).catchUpMinutes, Infinity);
  });

  it('takes the partitions from the layout: 50,000 voters each, small districts alone or packed', () => {
    assert.equal(partitionsFor(1_000_000, 10), 20); // 100,000 voters: 2 partitions each
    assert.equal(partitionsFor(10_000_000, 250), 250); // 40,000: two do not fit in one
    assert.equal(partitionsFor(1_000_000, 40), 20); // 25,000: two share one
    assert.ok(partitionsFor(44_000_000, 3500) <= 512); // the layout's cap
  });

  it('an overlay below the model is reported, item by item', () => {
    const z = sizeCity(handBench());
    const o = overlaySizes(readFileSync(OVERLAYS.city, 'utf8'), 'city');
    const starved = { ...o, edge: { ...o.edge, minReplicas: 1, cpu: 1 } };
    const edge = checkOverlay(starved, requirements(z), fmtBytes).find((c) =>
      c.item.startsWith('edge: HPA minReplicas'),
    );
    assert.equal(edge.ok, false);
    assert.equal(edge.required, '17 CPU');
  });

  it('reads Kubernetes quantities', () => {
    assert.equal(cpuOf('500m'), 0.5);
    assert.equal(cpuOf('4'), 4);
    assert.equal(bytesOf('200Gi'), 200 * 2 ** 30);
    assert.equal(bytesOf('1Ti'), 2 ** 40);
    assert.throws(() => cpuOf('four'), /not a CPU quantity/);
  });
});

describe('capacity model: bad input is refused clearly', () => {
  it('names the file when it is not JSON', () => {
    assert.throws(
      () => readBench('{"suite": "suite",', 'docs/capacity/bench-suite.json'),
      (e) =>
        e instanceof CapacityInputError &&
        e.code === 'CAPACITY_INPUT_INVALID' &&
        /^docs\/capacity\/bench-suite\.json: not JSON/.test(e.message),
    );
  });

  it('refuses JSON that is not a suite, and a figure without a value', () => {
    assert.throws(() => readBench('{"suite":"crypto"}', 'x.json'), /not a bench suite JSON/);
    const bad = handBench();
    bad.figures[2].value = -1;
    assert.throws(
      () => readBench(JSON.stringify(bad), 'x.json'),
      /x\.json: figures\[2\] \(edge \+ Kafka: casts per CPU-second of the edge process\): bad "value"/,
    );
  });

  it('names the figure a partial run lacks', () => {
    const partial = handBench();
    partial.figures = partial.figures.filter((f) => f.bench !== 'observer');
    assert.throws(
      () => perCoreRates(readBench(JSON.stringify(partial), 'p.json'), 1000, 'p.json'),
      /p\.json: no observer figure 'observer verification, 1 worker…'/,
    );
  });

  it('the command exits 2 with the code and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capacity-'));
    try {
      writeFileSync(join(dir, 'bad.json'), 'not json');
      const r = spawnSync(process.execPath, [SCRIPT, '--check', '--bench', join(dir, 'bad.json')], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /capacity: CAPACITY_INPUT_INVALID: .*bad\.json: not JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a document with a broken or unknown section', () => {
    const tables = new Map([['a', 'A']]);
    assert.equal(
      replaceSections('x\n<!-- capacity:begin a -->\nold\n<!-- capacity:end -->\ny', tables),
      'x\n<!-- capacity:begin a -->\nA\n<!-- capacity:end -->\ny',
    );
    assert.throws(() => replaceSections('<!-- capacity:begin a -->\nold', tables), /has no/);
    assert.throws(
      () => replaceSections('<!-- capacity:begin b -->\n<!-- capacity:end -->', tables),
      /unknown section/,
    );
    assert.throws(() => replaceSections('nothing', tables), /no section for: a/);
  });
});

describe('capacity model: the committed document and the overlays', () => {
  it('docs/capacity.md is what the committed bench JSON gives (npm run capacity)', async () => {
    const { current, expected } = await expectedDocument();
    assert.ok(current === expected, 'docs/capacity.md drifted: run npm run capacity');
  });

  it('--check exits 1 on a document whose generated table was edited by hand', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capacity-'));
    try {
      const edited = readFileSync(join(ROOT, 'docs', 'capacity.md'), 'utf8').replace(
        /(<!-- capacity:begin summary -->\n)/,
        '$1\nedited by hand\n',
      );
      writeFileSync(join(dir, 'capacity.md'), edited);
      const r = spawnSync(
        process.execPath,
        [SCRIPT, '--check', '--doc', join(dir, 'capacity.md')],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /differs from what docs\/capacity\/bench-suite\.json gives/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ballot sizes come from the libraries, and match the bench run’s messages', () => {
    const size = encodedSizes(BENCH_BALLOT);
    const bench = JSON.parse(readFileSync(BENCH, 'utf8'));
    // The persister benchmark's messages (key + value) of the same ballot, other ids: within 3 %.
    const measured = bench.results.persister.messageBytes;
    const ours = size.boardValue + size.boardKey;
    assert.ok(Math.abs(ours - measured) / measured < 0.03, `${ours} vs ${measured}`);
  });

  for (const id of Object.keys(OVERLAYS)) {
    it(`deploy/k8s/overlays/${id}/sizes.yaml is at least what the model requires`, () => {
      const overlayTexts = Object.fromEntries(
        Object.entries(OVERLAYS).map(([k, f]) => [k, readFileSync(f, 'utf8')]),
      );
      const { reqs } = generate({
        benchText: readFileSync(BENCH, 'utf8'),
        benchSource: 'docs/capacity/bench-suite.json',
        overlayTexts,
      });
      const req = reqs.find((x) => x.z.scale.id === id).req;
      const below = checkOverlay(overlaySizes(overlayTexts[id], id), req, fmtBytes).filter(
        (c) => !c.ok,
      );
      assert.deepEqual(
        below.map((c) => `${c.item}: ${c.overlay} < ${c.required}`),
        [],
        `${id}: sizes.yaml below the model (docs/capacity.md)`,
      );
    });
  }
});
