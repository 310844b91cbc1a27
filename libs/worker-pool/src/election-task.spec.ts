// electionTask/electionOf: the key names exactly what a thread builds from (manifest text, K,
// districts), and a thread rebuilds the same manifest and context from the task.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { G, pointToText, smallMulBase } from '@hanpyo/crypto';
import { electionOf, electionTask } from './election-task.js';

const manifest = {
  spec: 'hanpyo/1',
  electionId: 'task-unit',
  title: 'task',
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
  districts: ['d1', 'd2'].map((d) => ({
    districtId: d,
    name: d,
    ballotStyleId: 's',
    registeredVoters: 10,
  })),
  trustees: { count: 1, threshold: 1 },
  tokenIssuers: [],
  edgeSigners: [],
  ledgerSigners: [],
  witnesses: [],
};

describe('electionTask', () => {
  const K = pointToText(G);
  it('gives one key to the same inputs and another to any change of them', () => {
    const key = electionTask(manifest, K).key;
    assert.equal(electionTask(structuredClone(manifest), K).key, key);
    assert.notEqual(electionTask({ ...manifest, title: 'other' }, K).key, key);
    assert.notEqual(electionTask(manifest, pointToText(smallMulBase(2))).key, key);
    assert.notEqual(electionTask(manifest, K, ['d1']).key, key);
    assert.notEqual(electionTask(manifest, K, ['d1']).key, electionTask(manifest, K, ['d2']).key);
  });

  it('rebuilds the manifest and the election context in a thread', () => {
    const { manifest: rebuilt, election } = electionOf(electionTask(manifest, K, ['d1']));
    assert.equal(rebuilt.electionId, 'task-unit');
    assert.equal(pointToText(election.K.point), K);
    assert.deepEqual([...election.districts.keys()], ['d1', 'd2']);
  });
});
