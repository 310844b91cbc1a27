// SPEC §9 aggregates: A = Σ alpha, B = Σ beta per district, contest and option over the counted
// ballots, the identity where nothing was counted; partial sums merge to the same result in any
// split, and the published list follows the manifest's order. The sums are buffered and folded a
// batch at a time (sumPoints): on every backend they have the bytes of pairwise addPoints sums,
// however reads, partials and merges fall between the batches.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Manifest } from '@hanpyo/contracts';
import {
  IDENTITY,
  addPoints,
  base64url,
  deterministicRandom,
  fromBase64url,
  group,
  loadSodiumBackend,
  nobleBackend,
  pointToText,
  withBackend,
} from '@hanpyo/crypto';
import type { GroupBackend, Point } from '@hanpyo/crypto';
import { Aggregates, SUM_BATCH } from './aggregates.js';
import type { CountedBallot, PartialAggregates } from './aggregates.js';

const manifest = {
  districts: [
    { districtId: 'b', name: 'B', ballotStyleId: 's2', registeredVoters: 10 },
    { districtId: 'a', name: 'A', ballotStyleId: 's1', registeredVoters: 10 },
  ],
  ballotStyles: [
    { ballotStyleId: 's1', contestIds: ['x', 'y'] },
    { ballotStyleId: 's2', contestIds: ['y'] },
  ],
  contests: [
    {
      contestId: 'x',
      title: 'X',
      options: [{ optionId: 'o1', title: '' }],
      minSelections: 0,
      maxSelections: 1,
    },
    {
      contestId: 'y',
      title: 'Y',
      options: [
        { optionId: 'p1', title: '' },
        { optionId: 'p2', title: '' },
      ],
      minSelections: 0,
      maxSelections: 2,
    },
  ],
} as unknown as Manifest;

const point = (k: number) => group().mulBase(BigInt(k));
const text = (k: number) => pointToText(point(k));

function ballot(districtId: string, k: number): CountedBallot {
  const contests =
    districtId === 'a'
      ? [
          { contestId: 'x', selections: [{ optionId: 'o1', alpha: text(k), beta: text(k + 1) }] },
          {
            contestId: 'y',
            selections: [
              { optionId: 'p1', alpha: text(k + 2), beta: text(k + 3) },
              { optionId: 'p2', alpha: text(k + 4), beta: text(k + 5) },
            ],
          },
        ]
      : [
          {
            contestId: 'y',
            selections: [
              { optionId: 'p1', alpha: text(k + 6), beta: text(k + 7) },
              { optionId: 'p2', alpha: text(k + 8), beta: text(k + 9) },
            ],
          },
        ];
  return { districtId, contests };
}

describe('aggregates (SPEC §9)', () => {
  const ballots = [ballot('a', 1), ballot('a', 20), ballot('b', 40)];

  it('sums each option’s alpha and beta over the counted ballots', () => {
    const agg = new Aggregates();
    for (const b of ballots) agg.add(b);
    // alpha of a/x/o1: 1·G + 20·G = 21·G; beta: 2·G + 21·G.
    assert.deepEqual(agg.sum('a', 'x', 'o1'), [point(21), point(23)]);
    assert.deepEqual(agg.sum('b', 'y', 'p2'), [point(48), point(49)]);
    assert.equal(agg.countedIn('a'), 2);
    assert.equal(agg.countedIn('b'), 1);
  });

  it('gives the identity and zero where nothing was counted', () => {
    const agg = new Aggregates();
    agg.add(ballot('a', 1));
    assert.deepEqual(agg.sum('b', 'y', 'p1'), [IDENTITY, IDENTITY]);
    assert.equal(agg.districts(manifest)[1]!.counted, 0);
    assert.equal(agg.districts(manifest)[1]!.contests[0]!.options[0]!.A, pointToText(IDENTITY));
  });

  it('merges partial sums to the same result, however the ballots were split', () => {
    const whole = new Aggregates();
    for (const b of ballots) whole.add(b);
    for (let split = 0; split <= ballots.length; split++) {
      const left = new Aggregates();
      const right = new Aggregates();
      ballots.forEach((b, i) => (i < split ? left : right).add(b));
      const merged = new Aggregates();
      merged.merge(right.partial());
      merged.merge(left.partial());
      assert.deepEqual(merged.districts(manifest), whole.districts(manifest));
    }
  });

  it('lists every district ascending, contests in ballot-style order, options in manifest order', () => {
    const list = new Aggregates().districts(manifest);
    assert.deepEqual(
      list.map((d) => [
        d.districtId,
        d.contests.map((c) => [c.contestId, c.options.map((o) => o.optionId)]),
      ]),
      [
        [
          'a',
          [
            ['x', ['o1']],
            ['y', ['p1', 'p2']],
          ],
        ],
        ['b', [['y', ['p1', 'p2']]]],
      ],
    );
  });
});

describe('aggregates: buffered sums equal pairwise addPoints sums (SPEC §9)', async () => {
  const sodium = await loadSodiumBackend();
  // More ballots per option than a batch holds: 700 ballots, a/x/o1 is in ~470 of them.
  const rng = deterministicRandom('aggregates-batches');
  const random = (i: number): string =>
    // Now and then the identity: an aggregate may take it (merged empty sums do).
    i % 97 === 0 ? pointToText(IDENTITY) : pointToText(sodium.mulBase(rng.scalar()));
  let n = 0;
  const ballots: CountedBallot[] = Array.from({ length: 700 }, (_, i) => {
    const districtId = i % 3 === 0 ? 'b' : 'a';
    const selection = (optionId: string) => ({ optionId, alpha: random(n++), beta: random(n++) });
    return {
      districtId,
      contests:
        districtId === 'a'
          ? [
              { contestId: 'x', selections: [selection('o1')] },
              { contestId: 'y', selections: [selection('p1'), selection('p2')] },
            ]
          : [{ contestId: 'y', selections: [selection('p1'), selection('p2')] }],
    };
  });
  const keys = [
    ['a', 'x', 'o1'],
    ['a', 'y', 'p1'],
    ['a', 'y', 'p2'],
    ['b', 'y', 'p1'],
    ['b', 'y', 'p2'],
  ] as const;

  /** What the aggregates did before batching: addPoints per selection, in ballot order. */
  function pairwise(list: readonly CountedBallot[]): Map<string, [Point, Point]> {
    const sums = new Map<string, [Point, Point]>();
    withBackend(sodium, () => {
      for (const b of list) {
        for (const c of b.contests) {
          for (const s of c.selections) {
            const k = `${b.districtId}/${c.contestId}/${s.optionId}`;
            const [A, B] = sums.get(k) ?? [IDENTITY, IDENTITY];
            sums.set(k, [
              addPoints(A, fromBase64url(s.alpha, 32)),
              addPoints(B, fromBase64url(s.beta, 32)),
            ]);
          }
        }
      }
    });
    return sums;
  }
  const expected = pairwise(ballots);
  assert.ok(
    ballots.filter((b) => b.districtId === 'a').length > SUM_BATCH + 100,
    'several batches per option',
  );

  /** Every option's (A, B) in `agg` has the bytes of `reference`'s, and so does its partial. */
  function assertSums(agg: Aggregates, reference: Map<string, [Point, Point]>, what: string) {
    for (const [d, c, o] of keys) {
      const [A, B] = reference.get(`${d}/${c}/${o}`) ?? [IDENTITY, IDENTITY];
      assert.deepEqual(agg.sum(d, c, o), [A, B], `${what}: ${d}/${c}/${o}`);
    }
    const published = agg
      .districts(manifest)
      .flatMap((district) =>
        district.contests.flatMap((contest) =>
          contest.options.map((option) => [
            `${district.districtId}/${contest.contestId}/${option.optionId}`,
            option.A,
            option.B,
          ]),
        ),
      );
    for (const [k, A, B] of published) {
      const [rA, rB] = reference.get(k!) ?? [IDENTITY, IDENTITY];
      assert.deepEqual([A, B], [pointToText(rA), pointToText(rB)], `${what}: published ${k}`);
    }
  }

  const counts = { a: ballots.filter((b) => b.districtId === 'a').length, b: 0 };
  counts.b = ballots.length - counts.a;
  const backends: GroupBackend[] = [nobleBackend, sodium];

  for (const backend of backends) {
    const on = <T>(f: () => T) => withBackend(backend, f);

    it(`${backend.name}: all ballots added, read once`, () => {
      on(() => {
        const agg = new Aggregates();
        for (const b of ballots) agg.add(b);
        assertSums(agg, expected, 'whole');
        assert.equal(agg.countedIn('a'), counts.a);
        assert.equal(agg.countedIn('b'), counts.b);
      });
    });

    it(`${backend.name}: reads between adds change nothing`, () => {
      on(() => {
        const agg = new Aggregates();
        // A read folds what is buffered. After the read at i = 1, a/x/o1's next batch is full at
        // i = 385 (256 buffered, not folded yet) and folded by the add at i = 386.
        for (const [i, b] of ballots.entries()) {
          agg.add(b);
          if ([0, 1, 384, 385, 386, 500].includes(i)) {
            assertSums(agg, pairwise(ballots.slice(0, i + 1)), `after ${i + 1} ballots`);
          }
        }
        assertSums(agg, expected, 'at the end');
        assertSums(agg, expected, 'read twice');
      });
    });

    it(`${backend.name}: partials of any split merge, and round-trip, to the same sums`, () => {
      on(() => {
        const whole = new Aggregates();
        for (const b of ballots) whole.add(b);
        const wholePartial = whole.partial();
        for (const sizes of [[1, 7, 256, 257], [SUM_BATCH * 2], [3, 500], [699]]) {
          const merged = new Aggregates();
          let at = 0;
          for (const size of sizes) {
            const part = new Aggregates();
            for (const b of ballots.slice(at, at + size)) part.add(b);
            merged.merge(part.partial());
            at += size;
          }
          // The rest added directly, after the merges (and one more merge of nothing).
          for (const b of ballots.slice(at)) merged.add(b);
          merged.merge({ counted: {}, sums: {} });
          assertSums(merged, expected, `split ${sizes.join('+')}`);
          assert.deepEqual(merged.partial(), wholePartial, `split ${sizes.join('+')}: partial`);
        }
        const again = new Aggregates();
        again.merge(wholePartial);
        assert.deepEqual(again.partial(), wholePartial, 'a partial merged into nothing');
      });
    });

    it(`${backend.name}: more merges than a batch holds`, () => {
      on(() => {
        // 350 partials of two ballots each: the merged points of an option fill a batch too.
        const partials: PartialAggregates[] = [];
        for (let at = 0; at < ballots.length; at += 2) {
          const part = new Aggregates();
          for (const b of ballots.slice(at, at + 2)) part.add(b);
          partials.push(part.partial());
        }
        const merged = new Aggregates();
        for (const p of partials.reverse()) merged.merge(p);
        assertSums(merged, expected, '350 merges');
        assert.equal(merged.countedIn('a'), counts.a);
      });
    });

    it(`${backend.name}: a non-canonical point is refused when its batch is summed, at every read`, () => {
      on(() => {
        const agg = new Aggregates();
        for (const b of ballots.slice(0, 10)) agg.add(b);
        // RFC 9496 A.2: s = 1 is a negative field element, so not a canonical encoding.
        const bad = new Uint8Array(32);
        bad[0] = 1;
        agg.add({
          districtId: 'a',
          contests: [
            {
              contestId: 'x',
              selections: [{ optionId: 'o1', alpha: base64url(bad), beta: pointToText(IDENTITY) }],
            },
          ],
        });
        assert.throws(() => agg.sum('a', 'x', 'o1'), { code: 'POINT_INVALID' });
        assert.throws(() => agg.partial(), { code: 'POINT_INVALID' }, 'still refused');
        assert.deepEqual(agg.sum('a', 'y', 'p1'), pairwise(ballots.slice(0, 10)).get('a/y/p1'));
      });
    });
  }
});
