// classifyCassandraError on the failures of a secured cluster: refused credentials and refused
// permissions are not retriable and have codes of their own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cassandra from 'cassandra-driver';
import { classifyCassandraError } from './errors.js';

const { errors, types } = cassandra;

describe('classifyCassandraError: authentication and authorization', () => {
  it('credentials every node refused are CASSANDRA_AUTHENTICATION_FAILED, not retriable', () => {
    const refused = new errors.AuthenticationError(
      'Provided username hanpyo_edge and/or password are incorrect',
    );
    const e = classifyCassandraError(
      new errors.NoHostAvailableError({ '127.0.0.1:9042': refused }),
    );
    assert.equal(e.code, 'CASSANDRA_AUTHENTICATION_FAILED');
    assert.equal(e.retriable, false);
    assert.equal(classifyCassandraError(refused).code, 'CASSANDRA_AUTHENTICATION_FAILED');
  });

  it('one node refusing and another down is still CASSANDRA_UNAVAILABLE (retriable)', () => {
    const e = classifyCassandraError(
      new errors.NoHostAvailableError({
        '10.0.0.1:9042': new errors.AuthenticationError('incorrect'),
        '10.0.0.2:9042': new Error('connect ECONNREFUSED'),
      }),
    );
    assert.equal(e.code, 'CASSANDRA_UNAVAILABLE');
    assert.equal(e.retriable, true);
  });

  it('a statement the role may not run is CASSANDRA_NOT_AUTHORIZED', () => {
    const e = classifyCassandraError(
      new errors.ResponseError(
        types.responseErrorCodes.unauthorized,
        'User hanpyo_edge has no CREATE permission on <all keyspaces> or any of its parents',
      ),
    );
    assert.equal(e.code, 'CASSANDRA_NOT_AUTHORIZED');
    assert.equal(e.retriable, false);
  });
});
