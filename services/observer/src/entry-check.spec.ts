// The observer's check of one board message: a real ballot passes; a swapped proof response under
// a recomputed tracking code, a stated tracking code that is not the ballot's, and messages the
// persister would dead-letter are each reported with their code.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseManifest } from '@hanpyo/contracts';
import type { EncryptedBallot } from '@hanpyo/contracts';
import {
  deterministicRandom,
  electionContext,
  encryptBallot,
  group,
  initCrypto,
  randomBallotNonces,
  trackingCode,
} from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';
import { checkBoardRecord } from './entry-check.js';

const manifest = parseManifest({
  spec: 'hanpyo/1',
  electionId: 'obs-unit',
  title: 'Observer unit',
  opens: '2026-06-03T00:00:00Z',
  closes: '2026-06-03T12:00:00Z',
  revotePolicy: 'last',
  encryptionModes: ['client'],
  commitmentIntervalSeconds: 3600,
  contests: [
    {
      contestId: 'mayor',
      title: 'Mayor',
      options: ['a', 'b', 'c'].map((optionId) => ({ optionId, title: optionId })),
      minSelections: 1,
      maxSelections: 1,
    },
  ],
  ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor'] }],
  districts: [{ districtId: 'd1', name: 'd1', ballotStyleId: 's', registeredVoters: 10 }],
  trustees: { count: 1, threshold: 1 },
  tokenIssuers: [],
  edgeSigners: [],
  ledgerSigners: [],
  witnesses: [],
});

let election: ElectionContext;
let ballot: EncryptedBallot;

before(async () => {
  await initCrypto();
  const rng = deterministicRandom('observer-entry-check');
  election = electionContext(manifest, group().mulBase(rng.scalar()));
  ballot = encryptBallot(
    election,
    { districtId: 'd1', nullifier: new Uint8Array(32).fill(9) },
    { mayor: ['b'] },
    randomBallotNonces(rng),
  );
});

const record = (value: string | null) => ({ partition: 2, offset: 41, value, timestamp: 1e12 });

describe('checkBoardRecord', () => {
  it('passes a valid entry and states its leaf', () => {
    const code = trackingCode(ballot);
    const checked = checkBoardRecord(
      election,
      record(JSON.stringify({ trackingCode: code, ballot })),
    );
    assert.deepEqual(checked, {
      partition: 2,
      offset: 41,
      trackingCode: code,
      districtId: 'd1',
      problems: [],
    });
  });

  it('reports a broken proof under a recomputed tracking code (a tampered entry)', () => {
    const tampered = structuredClone(ballot);
    const z = tampered.contests[0]!.selections[0]!.proof.z;
    [z[0], z[1]] = [z[1]!, z[0]!];
    const code = trackingCode(tampered);
    const checked = checkBoardRecord(
      election,
      record(JSON.stringify({ trackingCode: code, ballot: tampered })),
    );
    assert.equal(checked.trackingCode, code, 'still a leaf: the ledger includes it');
    assert.deepEqual(
      checked.problems.map((p) => [p.code, p.path]),
      [['PROOF_INVALID', '$.contests[0].selections[0].proof']],
    );
  });

  it('reports a stated tracking code that is not the ballot’s', () => {
    const checked = checkBoardRecord(
      election,
      record(JSON.stringify({ trackingCode: 'ab'.repeat(32), ballot })),
    );
    assert.deepEqual(
      checked.problems.map((p) => p.code),
      ['TRACKING_CODE_MISMATCH'],
    );
    assert.equal(checked.trackingCode, 'ab'.repeat(32));
  });

  it('leaves out what the persister dead-letters, and reports it', () => {
    for (const value of [null, '', 'not json', '[]', '{"trackingCode":"x"}', '{"extra":1}']) {
      const checked = checkBoardRecord(election, record(value));
      assert.equal(checked.trackingCode, null, String(value));
      assert.deepEqual(
        checked.problems.map((p) => p.code),
        ['ENTRY_MALFORMED'],
      );
    }
  });

  it('only decodes a ballot of a district it does not follow (skip), and still reports junk', () => {
    const tampered = structuredClone(ballot);
    const z = tampered.contests[0]!.selections[0]!.proof.z;
    [z[0], z[1]] = [z[1]!, z[0]!];
    const value = JSON.stringify({ trackingCode: 'ab'.repeat(32), ballot: tampered });
    const skipped = checkBoardRecord(election, record(value), new Set(['d1']));
    assert.deepEqual(skipped, {
      partition: 2,
      offset: 41,
      trackingCode: 'ab'.repeat(32),
      districtId: 'd1',
      problems: [],
      outside: true,
    });
    const followed = checkBoardRecord(election, record(value), new Set(['d2']));
    assert.equal(followed.outside, undefined);
    assert.deepEqual(
      followed.problems.map((p) => p.code),
      ['PROOF_INVALID', 'TRACKING_CODE_MISMATCH'],
    );
    assert.deepEqual(
      checkBoardRecord(election, record('not json'), new Set(['d1'])).problems.map((p) => p.code),
      ['ENTRY_MALFORMED'],
    );
  });
});
