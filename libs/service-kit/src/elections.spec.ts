// The election catalog's cache is bounded: many distinct misses (ids an attacker picks through
// unauthenticated GETs) never grow it past maxEntries, and a miss is remembered only briefly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CassandraClient } from '@hanpyo/cassandra';
import { ElectionCatalog } from './elections.js';

/** A Cassandra client that knows no election and counts its reads (pure logic: no driver I/O). */
function emptyStore() {
  const store = {
    reads: 0,
    client: {
      execute: () => {
        store.reads += 1;
        return Promise.resolve({ first: () => null, rows: [] });
      },
    } as unknown as CassandraClient,
    config: { keyspace: 'ks' },
  };
  return store;
}

describe('ElectionCatalog cache', () => {
  it('never holds more than maxEntries under many distinct misses', async () => {
    const store = emptyStore();
    const catalog = new ElectionCatalog(store, 2000, Date.now, { maxEntries: 64 });
    for (let i = 0; i < 5000; i++) {
      assert.equal(await catalog.get(`attacker-${i}`), undefined);
      assert.ok(catalog.size <= 64, `size ${catalog.size} after ${i + 1} misses`);
    }
    assert.equal(catalog.size, 64);
    assert.equal(store.reads, 5000);
  });

  it('keeps the most recently used entries and evicts the least recently used one', async () => {
    const store = emptyStore();
    let t = 0;
    const catalog = new ElectionCatalog(store, 10_000, () => t, {
      maxEntries: 2,
      negativeTtlMs: 10_000,
    });
    await catalog.get('a');
    await catalog.get('b');
    await catalog.get('a'); // a hit: a is now the most recent
    assert.equal(store.reads, 2);
    await catalog.get('c'); // evicts b
    await catalog.get('a');
    assert.equal(store.reads, 3);
    await catalog.get('b');
    assert.equal(store.reads, 4);
    t += 1;
  });

  it('remembers a miss for negativeTtlMs only', async () => {
    const store = emptyStore();
    let t = 0;
    const catalog = new ElectionCatalog(store, 2000, () => t, { negativeTtlMs: 100 });
    await catalog.get('nope');
    await catalog.get('nope');
    assert.equal(store.reads, 1);
    t = 150;
    await catalog.get('nope');
    assert.equal(store.reads, 2);
  });

  it('does not cache a failed load', async () => {
    let fail = true;
    const store = {
      client: {
        execute: () =>
          fail
            ? Promise.reject(Object.assign(new Error('down'), { code: 'ECONNREFUSED' }))
            : Promise.resolve({ first: () => null, rows: [] }),
      } as unknown as CassandraClient,
      config: { keyspace: 'ks' },
    };
    const catalog = new ElectionCatalog(store);
    await assert.rejects(catalog.get('x'));
    await new Promise((r) => setImmediate(r));
    assert.equal(catalog.size, 0);
    fail = false;
    assert.equal(await catalog.get('x'), undefined);
  });

  it('refuses a bound below one', () => {
    assert.throws(() => new ElectionCatalog(emptyStore(), 2000, Date.now, { maxEntries: 0 }));
  });
});
