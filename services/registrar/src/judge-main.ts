// The registrar's judge: a process of its own that judges the board while voting runs
// (prejudge.service.ts), started and stopped by the registrar (judge-process.ts). It runs at the
// lowest priority the node offers an unprivileged process — nice 19 for every one of its threads
// and, where the kernel groups processes by session (Linux autogroup, the default outside
// containers' cgroups), nice 19 for its own session's group too — so that judging takes only the
// CPU that taking ballots leaves free. Worker threads at nice 19 inside the registrar's process
// were not enough on such a node: autogroup shares the CPU between sessions first, so the
// registrar's session competed at full weight with the edge's (services/registrar/README.md,
// "Judging while voting runs"). It exits when the registrar does (its IPC channel closes).
import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { connectCassandra, createCassandraClient } from '@hanpyo/cassandra';
import { JsonLogger, configOrExit, connectOnce } from '@hanpyo/service-kit';
import { registrarConfig } from './config.js';
import { PrejudgeService } from './prejudge.service.js';

const config = configOrExit(registrarConfig);
const logger = new JsonLogger('registrar-judge', config.HANPYO_LOG_LEVEL);
// Before any worker thread exists: a thread starts at the nice of the thread that creates it.
setPriority(19);
let sessionGroup: string;
try {
  writeFileSync('/proc/self/autogroup', '19');
  sessionGroup = 'nice 19';
} catch (e) {
  // Not Linux, or autogroup off: per-thread nice is what orders the threads of the node then.
  sessionGroup = `unchanged (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
}
// Cassandra only, connected once: the registrar applies the schema migrations, and the judge needs
// no Kafka. Until the registrar has migrated a new keyspace, a round fails and the next one retries.
const client = createCassandraClient(config.cassandra);
const connected = connectOnce(() => connectCassandra(client));
const store = {
  cassandra: async () => {
    await connected();
    return { client, config: config.cassandra };
  },
};
const judge = new PrejudgeService(config, store, logger);
judge.onApplicationBootstrap();
logger.info('judge started', { pid: process.pid, nice: 19, sessionGroup });

let stopping: Promise<void> | undefined;
const stop = (why: string) => {
  stopping ??= (async () => {
    logger.info('judge stopping', { why });
    await judge.beforeApplicationShutdown();
    await client.shutdown();
    process.exit(0);
  })();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
// The registrar is gone (exited, or killed): so is the judge.
process.on('disconnect', () => stop('registrar gone'));
