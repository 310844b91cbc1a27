// The edge's elliptic-curve work on worker threads (ballot-worker.ts, on @hanpyo/worker-pool): one
// thread per core of the pod by default (HANPYO_EDGE_CRYPTO_THREADS), so one process uses every core
// and the event loop stays free for HTTP, health and metrics. The queue is bounded by the in-flight
// limit; were it ever full, the request gets 503 OVERLOADED like any other shed.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { EncryptedBallot, PlaintextSelections } from '@hanpyo/contracts';
import { pointToText } from '@hanpyo/crypto';
import type { BallotIssue, ElectionContext } from '@hanpyo/crypto';
import { ApiError, toApiError } from '@hanpyo/service-kit';
import { PoolOverloadedError, ThreadPool, electionTask, podCores } from '@hanpyo/worker-pool';
import type { ElectionTask } from '@hanpyo/worker-pool';
import type { TaskError } from './ballot-worker.js';
import { CONFIG } from './config.js';
import type { EdgeConfig } from './config.js';
import { EdgeMetrics } from './edge.metrics.js';

@Injectable()
export class CryptoPool implements OnApplicationShutdown {
  private readonly pool: ThreadPool;
  /** What the threads are told of an election, derived once per context. */
  private readonly tasks = new WeakMap<ElectionContext, ElectionTask>();

  constructor(
    @Inject(CONFIG) config: EdgeConfig,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
  ) {
    this.pool = new ThreadPool({
      filename: new URL('./ballot-worker.js', import.meta.url),
      threads: config.HANPYO_EDGE_CRYPTO_THREADS ?? podCores(),
      maxQueue: config.HANPYO_EDGE_MAX_IN_FLIGHT,
    });
    metrics.cryptoThreads.set(this.pool.size);
  }

  /** The issues of a parsed ballot's proofs and structure (SPEC §5); none when it is valid. */
  check(context: ElectionContext, ballot: EncryptedBallot): Promise<BallotIssue[]> {
    return this.run<BallotIssue[]>('check', { election: this.taskOf(context), ballot });
  }

  /** Edge mode: the selections encrypted and proved for the voter, with nonces drawn in the thread. */
  async encrypt(
    context: ElectionContext,
    voter: { readonly districtId: string; readonly nullifier: Uint8Array },
    selections: PlaintextSelections,
  ): Promise<EncryptedBallot> {
    const r = await this.run<{ ballot: EncryptedBallot } | TaskError>('encrypt', {
      election: this.taskOf(context),
      voter: { districtId: voter.districtId, nullifier: voter.nullifier },
      selections,
    });
    if ('error' in r) throw toApiError(r.error);
    return r.ballot;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  private async run<R>(name: 'check' | 'encrypt', task: unknown): Promise<R> {
    const stop = this.metrics.cryptoSeconds.startTimer({ task: name });
    try {
      return await this.pool.run<R>(name, task);
    } catch (e) {
      if (e instanceof PoolOverloadedError) {
        this.metrics.shed.inc({ reason: 'crypto_queue' });
        throw new ApiError('OVERLOADED', 'the edge is at capacity; retry shortly');
      }
      throw e;
    } finally {
      stop();
    }
  }

  private taskOf(context: ElectionContext): ElectionTask {
    let task = this.tasks.get(context);
    if (!task) {
      task = electionTask(context.manifest, pointToText(context.K.point));
      this.tasks.set(context, task);
    }
    return task;
  }
}
