// An existing keyspace's replication read back against the configured one, without servers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyspaceReplicationProblems } from './client.js';

describe('keyspaceReplicationProblems', () => {
  const nts = 'org.apache.cassandra.locator.NetworkTopologyStrategy';
  it('accepts the same or more replicas, whatever the class prefix', () => {
    assert.deepEqual(
      keyspaceReplicationProblems(
        'k',
        { class: nts, dc1: '3' },
        {
          class: 'NetworkTopologyStrategy',
          dc1: 3,
        },
      ),
      [],
    );
  });
  it('names a data center with fewer replicas, a missing one, and another strategy', () => {
    const p = keyspaceReplicationProblems(
      'k',
      { class: nts, dc1: '1' },
      {
        class: 'NetworkTopologyStrategy',
        dc1: 3,
        dc2: 3,
      },
    );
    assert.equal(p.length, 2);
    assert.match(p[0]!, /data center dc1 is 1, the configuration wants 3/);
    assert.match(p[1]!, /data center dc2 is 0/);
    assert.match(
      keyspaceReplicationProblems(
        'k',
        { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1' },
        { class: 'NetworkTopologyStrategy', dc1: 3 },
      )[0]!,
      /uses SimpleStrategy, the configuration NetworkTopologyStrategy/,
    );
  });
});
