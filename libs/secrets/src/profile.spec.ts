// The production profile's durability rules, without servers: each weak setting is one named
// problem, acceptable settings none, and production refuses what development only reports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DurabilityError,
  cassandraProfileProblems,
  kafkaProfileProblems,
  profileFromEnv,
  refuseInProduction,
} from './profile.js';

describe('profileFromEnv', () => {
  it('is development unless HANPYO_PROFILE says production, and refuses other words', () => {
    assert.equal(profileFromEnv({}), 'development');
    assert.equal(profileFromEnv({ HANPYO_PROFILE: '' }), 'development');
    assert.equal(profileFromEnv({ HANPYO_PROFILE: 'production' }), 'production');
    assert.throws(
      () => profileFromEnv({ HANPYO_PROFILE: 'prod' }),
      (e: unknown) => e instanceof DurabilityError && e.code === 'PROFILE_REFUSED',
    );
  });
});

describe('kafkaProfileProblems', () => {
  it('accepts RF 3, min ISR 2, acks all', () => {
    assert.deepEqual(
      kafkaProfileProblems({ replicationFactor: 3, minInsyncReplicas: 2, acks: -1 }),
      [],
    );
    assert.deepEqual(
      kafkaProfileProblems({ replicationFactor: 5, minInsyncReplicas: 3, acks: 'all' }),
      [],
    );
  });

  it('names each weak setting', () => {
    const problems = kafkaProfileProblems({ replicationFactor: 1, minInsyncReplicas: 1, acks: 1 });
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /HANPYO_KAFKA_REPLICATION_FACTOR is 1.*at least 3/);
    assert.match(problems[1]!, /HANPYO_KAFKA_MIN_INSYNC_REPLICAS is 1.*at least 2/);
    assert.match(problems[2]!, /acks is 1/);
    assert.equal(
      kafkaProfileProblems({ replicationFactor: 3, minInsyncReplicas: 1, acks: -1 }).length,
      1,
    );
    assert.equal(
      kafkaProfileProblems({ replicationFactor: 2, minInsyncReplicas: 2, acks: -1 }).length,
      1,
    );
  });
});

describe('cassandraProfileProblems', () => {
  const nts = (dc1: number, dc2?: number) => ({
    class: 'NetworkTopologyStrategy',
    dc1,
    ...(dc2 !== undefined ? { dc2 } : {}),
  });

  it('accepts RF 3 in every data center with LOCAL_QUORUM or QUORUM', () => {
    for (const consistency of ['LOCAL_QUORUM', 'QUORUM', 'ALL'])
      assert.deepEqual(cassandraProfileProblems({ replication: nts(3, 3), consistency }), []);
    assert.deepEqual(
      cassandraProfileProblems({
        replication: { class: 'SimpleStrategy', replication_factor: 3 },
        consistency: 'LOCAL_QUORUM',
      }),
      [],
    );
  });

  it('names a data center below 3 and a consistency below a quorum', () => {
    const problems = cassandraProfileProblems({ replication: nts(3, 1), consistency: 'ONE' });
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /data center dc2 is 1/);
    assert.match(problems[1]!, /HANPYO_CASSANDRA_CONSISTENCY is ONE/);
    assert.match(
      cassandraProfileProblems({
        replication: { class: 'SimpleStrategy', replication_factor: 1 },
        consistency: 'LOCAL_ONE',
      }).join('; '),
      /replication factor is 1.*LOCAL_ONE/,
    );
  });
});

describe('refuseInProduction', () => {
  it('throws PROFILE_REFUSED with every problem in production, returns them otherwise', () => {
    const problems = ['a is 1', 'b is 2'];
    assert.deepEqual(refuseInProduction('development', problems), problems);
    assert.deepEqual(refuseInProduction('production', []), []);
    assert.throws(
      () => refuseInProduction('production', problems),
      (e: unknown) =>
        e instanceof DurabilityError &&
        e.code === 'PROFILE_REFUSED' &&
        e.problems.length === 2 &&
        e.message.includes('a is 1; b is 2'),
    );
  });
});
