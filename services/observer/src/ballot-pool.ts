// The ballot-check pool as the observer's provider: one worker thread per core of the pod by default
// (HANPYO_OBSERVER_WORKERS), so a lagging observer catches up at full speed. The pool itself is
// ballot-check-pool.ts.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { podCores } from '@hanpyo/worker-pool';
import { BallotCheckPool } from './ballot-check-pool.js';
import { CONFIG } from './config.js';
import type { ObserverConfig } from './config.js';

@Injectable()
export class BallotPool extends BallotCheckPool implements OnApplicationShutdown {
  constructor(@Inject(CONFIG) config: ObserverConfig) {
    super(config.HANPYO_OBSERVER_WORKERS ?? podCores(), config.HANPYO_OBSERVER_BATCH_SIZE);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
