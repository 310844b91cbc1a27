// The edge process: config, then the Nest application on Fastify.
import { Health, JsonLogger, Metrics, configOrExit, startService } from '@hanpyo/service-kit';
import { edgeConfig } from './config.js';
import { EdgeModule } from './edge.module.js';

const config = configOrExit(edgeConfig);
const logger = new JsonLogger('edge', config.HANPYO_LOG_LEVEL);
const health = new Health();
await startService(EdgeModule.forRoot(config, { logger, metrics: new Metrics('edge'), health }), {
  name: 'edge',
  version: '1',
  description:
    'Stateless ballot intake: verifies voting tokens and ballots (or encrypts edge-mode selections), writes each board entry with acks=all, answers with a signed receipt (SPEC §4–§7).',
  host: config.HANPYO_EDGE_HOST,
  port: config.HANPYO_EDGE_PORT,
  bodyLimit: config.HANPYO_EDGE_BODY_LIMIT,
  logger,
  health,
  // The ballot routes have their own in-flight bound (HANPYO_EDGE_MAX_IN_FLIGHT, ballots.service.ts).
  maxInFlight: false,
});
