// The ledger process: config, then the Nest application on Fastify.
import { Health, JsonLogger, Metrics, configOrExit, startService } from '@hanpyo/service-kit';
import { ledgerConfig } from './config.js';
import { LedgerModule } from './ledger.module.js';

const config = configOrExit(ledgerConfig);
const logger = new JsonLogger('ledger', config.HANPYO_LOG_LEVEL);
const health = new Health();
await startService(
  LedgerModule.forRoot(config, { logger, metrics: new Metrics('ledger'), health }),
  {
    name: 'ledger',
    version: '1',
    description:
      'Cuts, signs and publishes SPEC §8 blocks per election; serves blocks, receipt inclusion proofs and district consistency proofs.',
    host: config.HANPYO_LEDGER_HOST,
    port: config.HANPYO_LEDGER_PORT,
    bodyLimit: 1024,
    logger,
    health,
  },
);
