// Worker threads for elliptic-curve work, on piscina (maintained by the Node.js team's members;
// a worker that dies is replaced and only its task fails, where our two hand-written pools failed
// for ever). Each pool has a fixed number of threads and a bounded queue: beyond it a task is
// refused at once with a coded, retriable error, which a service turns into 503 OVERLOADED.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

/** The queue of a pool is full: retry shortly. */
export class PoolOverloadedError extends Error {
  override readonly name = 'PoolOverloadedError';
  readonly code = 'POOL_OVERLOADED';
  readonly retriable = true;
  constructor(queued: number) {
    super(`every worker thread is busy and ${queued} tasks wait`);
  }
}

export interface ThreadPoolOptions {
  /** The worker module (compiled .js): each task calls one of its named exports. */
  readonly filename: URL;
  /** Worker threads, started at once and kept (at least 1). */
  readonly threads: number;
  /** Tasks that may wait for a thread; beyond it run() rejects with PoolOverloadedError. */
  readonly maxQueue?: number;
  /** Given to every thread (node:worker_threads `workerData`). */
  readonly workerData?: unknown;
}

/** A fixed set of worker threads running named tasks of one module. */
export class ThreadPool {
  private readonly piscina: Piscina;
  /** Number of worker threads. */
  readonly size: number;

  constructor(options: ThreadPoolOptions) {
    this.size = Math.max(1, Math.floor(options.threads));
    this.piscina = new Piscina({
      filename: fileURLToPath(options.filename),
      minThreads: this.size,
      maxThreads: this.size,
      // One task at a time per thread: the work is CPU-bound and synchronous.
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      maxQueue: options.maxQueue ?? Number.POSITIVE_INFINITY,
      workerData: options.workerData,
    });
  }

  /** Tasks waiting for a thread now. */
  get queued(): number {
    return this.piscina.queueSize;
  }

  /** Runs the worker module's export `name` on `task` (structured-cloned) in a free thread. */
  async run<R>(name: string, task: unknown): Promise<R> {
    try {
      return (await this.piscina.run(task, { name })) as R;
    } catch (e) {
      // piscina's own error for a full queue (errors.ts TaskQueueAtLimit) has no code.
      if (e instanceof Error && e.message === 'Task queue is at limit')
        throw new PoolOverloadedError(this.piscina.queueSize);
      throw e;
    }
  }

  /** Stops every thread; tasks still waiting are rejected. */
  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
