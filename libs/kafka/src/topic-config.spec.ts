// An existing topic's replicas and configs read back against the configuration, without servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topicConfigProblems } from './topics.js';

describe('topicConfigProblems', () => {
  const wanted = { replicationFactor: 3, minInsyncReplicas: 2 };
  it('accepts a topic with the configured replicas and min ISR', () => {
    assert.deepEqual(
      topicConfigProblems(
        { topic: 't', replicas: [3, 3], configs: { 'min.insync.replicas': '2' } },
        wanted,
      ),
      [],
    );
  });
  it('names fewer replicas, a lower min ISR and unclean leader election', () => {
    const p = topicConfigProblems(
      {
        topic: 't',
        replicas: [3, 1],
        configs: { 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'true' },
      },
      wanted,
    );
    assert.equal(p.length, 3);
    assert.match(p[0]!, /has 1 replicas on a partition, the configuration wants 3/);
    assert.match(p[1]!, /min.insync.replicas 1, the configuration wants 2/);
    assert.match(p[2]!, /unclean leader election/);
  });
});
