// The persister process: config, then the Nest application (metrics and health over HTTP only).
import { Health, JsonLogger, Metrics, configOrExit, startService } from '@hanpyo/service-kit';
import { persisterConfig } from './config.js';
import { PersisterModule } from './persister.module.js';

const config = configOrExit(persisterConfig);
const logger = new JsonLogger('persister', config.HANPYO_LOG_LEVEL);
const health = new Health();
await startService(
  PersisterModule.forRoot(config, { logger, metrics: new Metrics('persister'), health }),
  {
    name: 'persister',
    version: '1',
    description:
      'Writes each election board to Cassandra (board entries, receipts, per-voter view); dead-letters what does not decode. Health and metrics only.',
    host: config.HANPYO_PERSISTER_HOST,
    port: config.HANPYO_PERSISTER_PORT,
    bodyLimit: 1024,
    logger,
    health,
  },
);
