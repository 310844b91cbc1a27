// The registrar process: config, then the Nest application on Fastify.
import { initFastestBackend } from '@hanpyo/crypto-native';
import { Health, JsonLogger, Metrics, configOrExit, startService } from '@hanpyo/service-kit';
import { registrarConfig } from './config.js';
import { RegistrarModule } from './registrar.module.js';

const config = configOrExit(registrarConfig);
const logger = new JsonLogger('registrar', config.HANPYO_LOG_LEVEL);
const health = new Health();
// Native Ed25519 for the tokens it signs (~24 µs each against noble's ~1 ms), once the addon passes
// its self-checks; noble otherwise. The same bytes either way (RFC 8032 signing is deterministic).
await initFastestBackend();
await startService(
  RegistrarModule.forRoot(config, { logger, metrics: new Metrics('registrar'), health }),
  {
    name: 'registrar',
    version: '1',
    description:
      'Registers elections and key ceremonies, opens and closes them, issues voter tokens (SPEC §4).',
    host: config.HANPYO_REGISTRAR_HOST,
    port: config.HANPYO_REGISTRAR_PORT,
    // Trustees submit one partial decryption per option of every district in one body.
    bodyLimit: 16 * 1024 * 1024,
    logger,
    health,
  },
);
