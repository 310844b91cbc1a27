// The tally worker's stored verdicts (services/registrar/README.md, "Judging while voting runs"):
// what `prejudge` stores is what `judge` would decide, a stored verdict is taken only for a row
// with the same digest, and anything else — a changed column, another election, unreadable JSON —
// is judged again.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  deterministicRandom,
  electionContext,
  group,
  pointToText,
  signCast,
  trackingCode,
} from '@hanpyo/crypto';
import { fixtureEntry, fixtureManifest, fixtureVoter } from '@hanpyo/crypto-testing';
import { electionTask } from '@hanpyo/worker-pool';
import type { ElectionTask } from '@hanpyo/worker-pool';
import { judge, prejudge, rowDigest } from './tally-worker.js';
import type { RowVerdict, StoredRow } from './tally-worker.js';

const manifest = fixtureManifest({ electionId: 'verdicts-unit' });
const rng = deterministicRandom('tally-worker');
let task: ElectionTask;
let rows: StoredRow[];

/** A stored row of a valid cast (or, with `broken`, of a ballot whose proof does not verify). */
function row(offset: number, choice: 'a' | 'b', options: { broken?: boolean } = {}): StoredRow {
  const election = electionContextOf();
  const voter = fixtureVoter(rng);
  const entry = fixtureEntry(election, rng, voter, { districtId: 'd1', choice, offset });
  const { ballot } = entry;
  let { trackingCode: code, castSignature } = entry;
  if (options.broken) {
    // Another ciphertext under the same proof, tracking code and signature made again for it.
    const s = ballot.contests[0]!.selections[0]!;
    (s as { alpha: string }).alpha = pointToText(group().mulBase(rng.scalar()));
    code = trackingCode(ballot);
    castSignature = signCast(voter.device, manifest.electionId, code);
  }
  return {
    partition: entry.partition,
    offset,
    receivedAt: new Date(entry.receivedAt),
    trackingCode: code,
    ballot: JSON.stringify(ballot),
    token: entry.token ?? null,
    castSignature: castSignature ?? null,
  };
}

const placeholder = (offset: number): StoredRow => ({
  partition: 0,
  offset,
  receivedAt: null,
  trackingCode: null,
  ballot: null,
  token: null,
  castSignature: null,
});

let K: bigint;
before(() => {
  K = rng.scalar();
  task = electionTask(manifest, pointToText(group().mulBase(K)));
  rows = [row(0, 'a'), row(1, 'b', { broken: true }), placeholder(2), row(3, 'b')];
});

/** The rules a verdict refuses under (`[kind]` for a row that is no entry). */
function rulesOf(v: RowVerdict | undefined): string[] {
  assert.ok(v);
  return v.kind === 'entry' ? v.verdict.refusals.map((r) => r.rule) : [v.kind];
}

/** Rows with the verdicts `prejudge` made for them attached, as the tally reads them. */
function withStored(source: StoredRow[]): StoredRow[] {
  const stored = new Map(prejudge({ election: task, rows: source }).map((v) => [v.offset, v]));
  return source.map((r) => {
    const v = stored.get(r.offset);
    return v ? { ...r, judged: { digest: v.digest, verdict: v.verdict } } : r;
  });
}

describe('stored verdicts (prejudge, judge)', () => {
  it('stores a verdict for every entry but placeholders, equal to what judge decides', () => {
    const stored = prejudge({ election: task, rows });
    assert.deepEqual(
      stored.map((v) => v.offset),
      [0, 1, 3],
    );
    const fresh = judge({ election: task, rows });
    assert.equal(fresh.reused, 0);
    const reused = judge({ election: task, rows: withStored(rows) });
    assert.equal(reused.reused, 3);
    assert.deepEqual(reused.verdicts, fresh.verdicts);
    // The broken ballot is authorized but refused under `ballot`; the others are countable.
    assert.deepEqual(fresh.verdicts.map(rulesOf), [[], ['ballot', 'ballot'], ['placeholder'], []]);
  });

  it('takes a stored verdict as it is when the digest matches (it is not judged again)', () => {
    const good = rows[0]!;
    const refused = JSON.stringify({
      kind: 'entry',
      verdict: { authorized: false, refusals: [{ rule: 'window', code: 'X', message: 'x' }] },
    });
    const page = judge({
      election: task,
      rows: [
        { ...good, judged: { digest: rowDigest(electionContextOf(), good), verdict: refused } },
      ],
    });
    assert.equal(page.reused, 1);
    assert.deepEqual(page.verdicts.map(rulesOf), [['window']]);
  });

  it('judges again a row changed since its verdict: token, signature, time, ballot or place', () => {
    const [good] = withStored([rows[0]!]);
    const other = rows[3]!;
    const changed: StoredRow[] = [
      { ...good!, token: other.token },
      { ...good!, castSignature: other.castSignature },
      { ...good!, receivedAt: new Date('2026-06-04T00:00:00.000Z') },
      { ...good!, ballot: other.ballot, trackingCode: other.trackingCode },
      { ...good!, offset: 9 },
      { ...good!, partition: 1 },
    ];
    const page = judge({ election: task, rows: changed });
    assert.equal(page.reused, 0);
    assert.deepEqual(page.verdicts.map(rulesOf), [
      ['token', 'cast-signature'], // another voter's token: another nullifier and device key
      ['cast-signature'],
      ['token', 'window'], // a day later: the token has expired and voting has closed
      ['token', 'cast-signature'], // another voter's ballot under this voter's token
      [], // the same entry at another place: judged again (valid), not taken from the stored one
      [],
    ]);
  });

  it('judges again under another election, and when the stored JSON is not a verdict', () => {
    const [good] = withStored([rows[0]!]);
    const otherTask = electionTask(
      { ...manifest, title: 'another manifest' },
      pointToText(group().mulBase(K)),
    );
    assert.equal(judge({ election: otherTask, rows: [good!] }).reused, 0);
    for (const verdict of ['not json', '{"kind":"entry"}', 'null', '{"kind":"placeholder"}']) {
      const page = judge({
        election: task,
        rows: [{ ...good!, judged: { digest: good!.judged!.digest, verdict } }],
      });
      assert.equal(page.reused, 0, verdict);
      assert.deepEqual(page.verdicts.map(rulesOf), [[]]);
    }
  });
});

function electionContextOf() {
  return electionContext(manifest, group().mulBase(K));
}
