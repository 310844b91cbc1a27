// The tally worker's stored verdicts (services/registrar/README.md, "Judging while voting runs"):
// what `prejudge` stores is what `judge` would decide, a stored verdict is taken only for a row
// with the same digest, and anything else — a changed column, another election, unreadable JSON —
// is judged again.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseManifest } from '@hanpyo/contracts';
import type { Manifest } from '@hanpyo/contracts';
import {
  base64url,
  confirmationClaim,
  deterministicRandom,
  electionContext,
  encryptBallot,
  group,
  pointToText,
  randomBallotNonces,
  signCast,
  signToken,
  signingKeyFromSeed,
  trackingCode,
} from '@hanpyo/crypto';
import { electionTask } from '@hanpyo/worker-pool';
import type { ElectionTask } from '@hanpyo/worker-pool';
import { judge, prejudge, rowDigest } from './tally-worker.js';
import type { RowVerdict, StoredRow } from './tally-worker.js';

const registrar = signingKeyFromSeed('reg-1', new Uint8Array(32).fill(7));
const manifest: Manifest = parseManifest({
  spec: 'hanpyo/1',
  electionId: 'verdicts-unit',
  title: 'Stored verdicts',
  opens: '2026-06-03T00:00:00Z',
  closes: '2026-06-03T12:00:00Z',
  revotePolicy: 'last',
  encryptionModes: ['client'],
  commitmentIntervalSeconds: 3600,
  contests: [
    {
      contestId: 'mayor',
      title: 'Mayor',
      options: ['a', 'b'].map((optionId) => ({ optionId, title: optionId })),
      minSelections: 1,
      maxSelections: 1,
    },
  ],
  ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor'] }],
  districts: [{ districtId: 'd1', name: 'd1', ballotStyleId: 's', registeredVoters: 10 }],
  trustees: { count: 1, threshold: 1 },
  tokenIssuers: [{ kty: 'OKP', crv: 'Ed25519', kid: 'reg-1', x: base64url(registrar.publicKey) }],
  edgeSigners: [],
  ledgerSigners: [],
  witnesses: [],
});

const rng = deterministicRandom('tally-worker');
let task: ElectionTask;
let rows: StoredRow[];

/** A stored row of a valid cast (or, with `broken`, of a ballot whose proof does not verify). */
function row(offset: number, choice: 'a' | 'b', options: { broken?: boolean } = {}): StoredRow {
  const election = electionContext(manifest, group().mulBase(K));
  const nullifier = rng.bytes(32);
  const device = signingKeyFromSeed('d', rng.bytes(32));
  const ballot = encryptBallot(
    election,
    { districtId: 'd1', nullifier },
    { mayor: [choice] },
    randomBallotNonces(rng),
  );
  if (options.broken) {
    // Another ciphertext under the same proof: the tracking code and signature still match it.
    const s = ballot.contests[0]!.selections[0]!;
    (s as { alpha: string }).alpha = pointToText(group().mulBase(rng.scalar()));
  }
  const code = trackingCode(ballot);
  const token = signToken(
    {
      iss: 'r',
      aud: manifest.electionId,
      sub: base64url(nullifier),
      dst: 'd1',
      nbf: Date.parse(manifest.opens) / 1000,
      exp: Date.parse(manifest.closes) / 1000,
      jti: `j${offset}`,
      cnf: confirmationClaim(device.publicKey),
    },
    registrar,
  );
  return {
    partition: 0,
    offset,
    receivedAt: new Date('2026-06-03T01:00:00.000Z'),
    trackingCode: code,
    ballot: JSON.stringify(ballot),
    token,
    castSignature: signCast(device, manifest.electionId, code),
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
