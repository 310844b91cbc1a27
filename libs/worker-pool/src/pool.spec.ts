// The pool: named tasks in worker threads, their errors, a thread that dies (replaced, only its task
// fails), the bounded queue's coded refusal, workerData, and a per-thread context cache.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PoolOverloadedError, ThreadPool } from './pool.js';

const filename = new URL('./fixtures/test.worker.js', import.meta.url);

describe('ThreadPool', () => {
  const pool = new ThreadPool({ filename, threads: 2, workerData: { election: 'e1' } });
  after(() => pool.close());

  it('runs named tasks on every thread and answers each with its own result', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        pool.run<{ n: number; thread: number }>('double', { n }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.n),
      Array.from({ length: 40 }, (_, n) => 2 * n),
    );
    assert.equal(pool.size, 2);
    assert.equal(new Set(results.map((r) => r.thread)).size, 2, 'both threads worked');
  });

  it('gives every thread its workerData', async () => {
    assert.deepEqual(await pool.run('data', {}), { election: 'e1' });
  });

  it("rejects a task with its worker's error, and goes on", async () => {
    await assert.rejects(pool.run('fail', { message: 'no such ballot' }), /no such ballot/);
    assert.deepEqual((await pool.run<{ n: number }>('double', { n: 4 })).n, 8);
  });

  it('replaces a thread that ends in a task: that task fails, the next ones run', async () => {
    await assert.rejects(pool.run('die', {}));
    const after = await Promise.all(
      Array.from({ length: 8 }, (_, n) => pool.run<{ n: number }>('double', { n })),
    );
    assert.deepEqual(
      after.map((r) => r.n),
      [0, 2, 4, 6, 8, 10, 12, 14],
    );
  });

  it('builds a context once per thread and key', async () => {
    // One thread, so every task lands on the same cache.
    const single = new ThreadPool({ filename, threads: 1 });
    try {
      const seen = [];
      for (const key of ['a', 'a', 'b', 'a', 'b'])
        seen.push((await single.run<{ builds: number }>('context', { key })).builds);
      assert.deepEqual(seen, [1, 1, 2, 2, 2]);
    } finally {
      await single.close();
    }
  });
});

describe('ThreadPool queue bound', () => {
  it('refuses a task beyond maxQueue at once, with a coded retriable error', async () => {
    const pool = new ThreadPool({ filename, threads: 1, maxQueue: 1 });
    try {
      const busy = pool.run('block', { ms: 500 }); // takes the only thread
      // The thread must have taken the first task before the queue counts the next ones.
      while (pool.queued > 0) await new Promise((r) => setTimeout(r, 5));
      const waiting = pool.run<{ n: number }>('double', { n: 1 }); // the one place in the queue
      const refused = await pool.run('double', { n: 2 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(refused instanceof PoolOverloadedError, String(refused));
      assert.equal(refused.code, 'POOL_OVERLOADED');
      assert.equal(refused.retriable, true);
      assert.equal(await busy, 500);
      assert.equal((await waiting).n, 2);
    } finally {
      await pool.close();
    }
  });
});
