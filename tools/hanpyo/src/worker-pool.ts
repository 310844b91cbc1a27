// A small pool of worker threads answering request/response messages by id, with bounded
// in-flight work so a huge record never queues more than a few batches per worker.
import { Worker } from 'node:worker_threads';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Worker threads running `script`, each started with `workerData`. */
export class WorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];
  private nextId = 0;
  private failure: Error | undefined;

  constructor(script: URL, size: number, workerData: unknown) {
    this.workers = Array.from(
      { length: Math.max(1, size) },
      () => new Worker(script, { workerData }),
    );
    this.load = this.workers.map(() => 0);
    this.workers.forEach((w, i) => {
      w.on('message', (msg: { id: number }) => {
        this.load[i]!--;
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        p?.resolve(msg);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`verify worker exited with status ${code}`));
      });
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends a request to the least-loaded worker; resolves with its reply. */
  request<T>(message: Record<string, unknown>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    this.load[best]!++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject });
      this.workers[best]!.postMessage({ ...message, id });
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Feeds batches from `source` to `handle` with at most `window` batches in flight, delivering
 * results to `consume` in source order.
 */
export async function pipeline<B, R>(
  source: AsyncIterable<B>,
  handle: (batch: B) => Promise<R>,
  consume: (result: R, batch: B) => void,
  window: number,
): Promise<void> {
  const inFlight: { batch: B; result: Promise<R> }[] = [];
  for await (const batch of source) {
    const result = handle(batch);
    // Marked handled now; the rejection still surfaces where the result is awaited, in order.
    result.catch(() => undefined);
    inFlight.push({ batch, result });
    if (inFlight.length >= window) {
      const head = inFlight.shift()!;
      consume(await head.result, head.batch);
    }
  }
  for (const head of inFlight) consume(await head.result, head.batch);
}
