// CountingPass, the tally's streaming pass: only authorized entries count, each voter's first (or
// last) valid one, refusals tallied by rule, proofs checked only while a voter has no counted
// ballot, and a voter with authorized entries in two districts reported (the tally then refuses).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BoardEntry } from '@hanpyo/contracts';
import {
  checkBallot,
  deterministicRandom,
  electionContext,
  group,
  initCrypto,
  signCast,
  signingKeyFromSeed,
  trackingCode,
} from '@hanpyo/crypto';
import type { ElectionContext, SigningKey } from '@hanpyo/crypto';
import { fixtureEntry, fixtureManifest, fixtureVoter } from '@hanpyo/crypto-testing';
import type { FixtureVoter } from '@hanpyo/crypto-testing';
import { Aggregates } from './aggregates.js';
import { authorizationContext } from './authorization.js';
import { CountingPass } from './counting-pass.js';
import { judgeEntry } from './entry.js';

const manifest = fixtureManifest({ electionId: 'pass-unit', districts: ['d1', 'd2'] });

let election: ElectionContext;
const rng = deterministicRandom('counting-pass');
before(async () => {
  await initCrypto();
  election = electionContext(manifest, group().mulBase(rng.scalar()));
});

type Voter = FixtureVoter;
const voter = (): Voter => fixtureVoter(rng);

let offset = 0;
/** A cast of `choice` by `v` in `districtId`, on partition 0 at the next offset. */
function cast(
  v: Voter,
  districtId: string,
  choice: 'a' | 'b',
  options: { signedBy?: SigningKey; token?: boolean; at?: string } = {},
): BoardEntry {
  return fixtureEntry(election, rng, v, { districtId, choice, offset: offset++, ...options });
}

/** Runs a pass over entries listed in board order, fed in the pass's counting order. */
function run(
  entries: BoardEntry[],
  policy: 'first' | 'last',
  validBallot?: (e: BoardEntry) => boolean,
) {
  const pass = new CountingPass(
    electionContext({ ...manifest, revotePolicy: policy }, election.K.point),
    validBallot ? { validBallot } : {},
  );
  const ordered = pass.order === 'reverse' ? [...entries].reverse() : entries;
  for (const e of ordered) pass.add(e);
  return pass;
}

describe('CountingPass', () => {
  it('counts each voter’s last (or first) authorized ballot, and tallies every refusal by rule', () => {
    const [v1, v2, v3] = [voter(), voter(), voter()];
    const board = [
      cast(v1, 'd1', 'a'),
      cast(v1, 'd1', 'b', { token: false }), // straight to Kafka: no token
      cast(v2, 'd2', 'b'),
      cast(v1, 'd1', 'b'), // v1's re-vote
      cast(v2, 'd2', 'a', { signedBy: signingKeyFromSeed('x', rng.bytes(32)) }), // copied token
      cast(v3, 'd1', 'a', { at: '2026-06-03T12:00:01.000Z' }), // late
    ];
    const last = run(board, 'last');
    assert.equal(last.counted, 2);
    assert.deepEqual(last.refused, { token: 1, 'cast-signature': 1, window: 1 });
    // d1 counts v1's re-vote (b), d2 counts v2's only authorized ballot (b).
    const sel = (e: BoardEntry, option: string) =>
      e.ballot.contests[0]!.selections.find((s) => s.optionId === option)!;
    assert.deepEqual(
      last.aggregates
        .districts(manifest)
        .map((d) => [d.districtId, d.counted, d.contests[0]!.options[1]!.A]),
      [
        ['d1', 1, sel(board[3]!, 'b').alpha],
        ['d2', 1, sel(board[2]!, 'b').alpha],
      ],
    );
    // Under "first" (another manifest, so another Q: the ballots' proofs are bound to the first
    // one and were checked above), validity is taken as it is.
    const first = run(board, 'first', () => true);
    assert.equal(first.counted, 2);
    assert.equal(
      first.aggregates.districts(manifest)[0]!.contests[0]!.options[0]!.A,
      sel(board[0]!, 'a').alpha,
    );
  });

  it('skips a voter’s invalid ballot for the next valid one, asking validity only while needed', () => {
    const v = voter();
    const board = [cast(v, 'd1', 'a'), cast(v, 'd1', 'b'), cast(v, 'd1', 'a')];
    const asked: number[] = [];
    const pass = run(board, 'last', (e) => {
      asked.push(e.offset);
      return e.offset !== board[2]!.offset; // the last one is invalid
    });
    assert.equal(pass.counted, 1);
    assert.deepEqual(pass.refused, { ballot: 1 });
    assert.deepEqual(
      asked,
      [board[2]!.offset, board[1]!.offset],
      'the first ballot was never checked',
    );
  });

  it('reports a voter whose authorized entries name two districts', () => {
    const v = voter();
    const pass = run([cast(v, 'd1', 'a'), cast(v, 'd2', 'b')], 'last');
    assert.equal(pass.conflictTotal, 1);
    assert.deepEqual(pass.conflicts[0]!.districts, ['d2', 'd1']);
  });

  it('checks the real proofs by default', () => {
    const v = voter();
    const broken = cast(v, 'd1', 'a');
    const z = broken.ballot.contests[0]!.selections[0]!.proof.z;
    [z[0], z[1]] = [z[1]!, z[0]!];
    broken.trackingCode = trackingCode(broken.ballot);
    broken.castSignature = signCast(v.device, manifest.electionId, broken.trackingCode);
    const pass = run([broken], 'last');
    assert.equal(pass.counted, 0);
    assert.deepEqual(pass.refused, { ballot: 1 });
  });

  it('decides the same from verdicts judged elsewhere (addVerdict), copies on another partition included', () => {
    const [v1, v2] = [voter(), voter()];
    const broken = cast(v2, 'd2', 'a');
    const z = broken.ballot.contests[0]!.selections[0]!.proof.z;
    [z[0], z[1]] = [z[1]!, z[0]!];
    broken.trackingCode = trackingCode(broken.ballot);
    broken.castSignature = signCast(v2.device, manifest.electionId, broken.trackingCode);
    const original = cast(v1, 'd1', 'a');
    const board = [
      original,
      cast(v1, 'd1', 'b', { token: false }),
      cast(v2, 'd2', 'b'),
      cast(v1, 'd1', 'b'),
      broken, // v2's re-vote, with a swapped proof: under "last", v2's earlier ballot counts
      // A copy of v1's first entry, written on a later partition: one voter, counted once.
      { ...original, partition: 1, offset: 0 },
    ];
    const ctx = electionContext(manifest, election.K.point);
    const authorization = authorizationContext(manifest);
    for (const policy of ['first', 'last'] as const) {
      // Proofs are bound to the manifest's own Q: both passes check them under it.
      const lazy = run(board, policy, (e) => checkBallot(ctx, e.ballot).length === 0);
      const judged = new CountingPass(
        electionContext({ ...manifest, revotePolicy: policy }, election.K.point),
      );
      const ordered = judged.order === 'reverse' ? [...board].reverse() : board;
      const sums = new Aggregates();
      for (const e of ordered) {
        if (judged.addVerdict(judgeEntry(ctx, authorization, e)) === 'counted') sums.add(e.ballot);
      }
      judged.aggregates.merge(sums.partial());
      assert.equal(judged.counted, lazy.counted, policy);
      assert.deepEqual(judged.refused, lazy.refused, policy);
      assert.deepEqual(
        judged.aggregates.districts(manifest),
        lazy.aggregates.districts(manifest),
        policy,
      );
      assert.equal(judged.counted, 2);
    }
  });
});
