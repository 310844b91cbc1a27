// The observer process: config, the fastest group backend, then the Nest application on Fastify.
import { initFastestBackend } from '@hanpyo/crypto-native';
import { Health, JsonLogger, Metrics, configOrExit, startService } from '@hanpyo/service-kit';
import { observerConfig } from './config.js';
import { ObserverModule } from './observer.module.js';

const config = configOrExit(observerConfig);
await initFastestBackend();
const logger = new JsonLogger('observer', config.HANPYO_LOG_LEVEL);
const health = new Health();
await startService(
  ObserverModule.forRoot(config, { logger, metrics: new Metrics('observer'), health }),
  {
    name: 'observer',
    version: '1',
    description:
      'Replays the board and the blocks, verifies every ballot, root, chain link and signature, and cosigns each verified block as a witness (SPEC §8).',
    host: config.HANPYO_OBSERVER_HOST,
    port: config.HANPYO_OBSERVER_PORT,
    bodyLimit: 1024,
    logger,
    health,
  },
);
