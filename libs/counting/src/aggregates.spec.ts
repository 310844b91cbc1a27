// SPEC §9 aggregates: A = Σ alpha, B = Σ beta per district, contest and option over the counted
// ballots, the identity where nothing was counted; partial sums merge to the same result in any
// split, and the published list follows the manifest's order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Manifest } from '@hanpyo/contracts';
import { IDENTITY, group, pointToText } from '@hanpyo/crypto';
import { Aggregates } from './aggregates.js';
import type { CountedBallot } from './aggregates.js';

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
