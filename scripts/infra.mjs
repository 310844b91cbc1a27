#!/usr/bin/env node
// `npm run infra -- up|down|status|logs|reset [kafka|cassandra]`: the local Apache Kafka and Apache
// Cassandra, fetched from Maven Central and run as plain java processes (no Docker). The work is
// done by scripts/infra/lib.mjs; docs/infrastructure.md explains the choices.
import {
  InfraError,
  describeStartedBy,
  down,
  loadConfig,
  logs,
  readCluster,
  reset,
  status,
  up,
} from './infra/lib.mjs';

const USAGE = `usage: npm run infra -- <command> [--nodes 1|3] [kafka|cassandra|kafka-2|cassandra-3]...

  up      [server...]            start (fetching jars on first use); already running: nothing to do
  down    [server...]            stop what scripts/infra started (SIGTERM, then SIGKILL after 30 s)
  status  [server...] [--json]   running / starting / stopped, with pid, port, uptime, RSS
  logs    [server...] [-n N] [-f]  the last N (50) lines of the log; -f follows it
  reset   [server...]            down, then wipe the data directories (the jar cache stays)

--nodes 3   a local cluster: kafka-1..3 and cassandra-1..3 on 127.0.0.2-4 with the same ports
            (Cassandra JMX on 127.0.0.1:7201-7203), recorded in <infra dir>/cluster.json, which
            npm start then uses. Without --nodes: the layout cluster.json records, else 1 node.
            In a cluster, 'kafka' or 'cassandra' names all three nodes of that kind.

Environment (defaults): HANPYO_KAFKA_PORT (9092), HANPYO_KAFKA_CONTROLLER_PORT (9093),
HANPYO_CASSANDRA_PORT (9042), HANPYO_CASSANDRA_STORAGE_PORT (7000), HANPYO_CASSANDRA_JMX_PORT (7199),
HANPYO_KAFKA_HEAP (512m), HANPYO_CASSANDRA_HEAP (1g), HANPYO_INFRA_DIR (<repo>/.infra),
HANPYO_KAFKA_DATA_DIR, HANPYO_CASSANDRA_DATA_DIR (<infra dir>/data/<server>),
HANPYO_INFRA_START_TIMEOUT (seconds; 60 for Kafka, 180 for Cassandra), JAVA_HOME, MAVEN_OPTS,
HANPYO_INFRA_JARS_DIR (<infra dir>: where <server>/lib is cached).
A secured pair (docs/security.md): HANPYO_INFRA_SECURE=true (Kafka SASL_SSL with SCRAM and ACLs,
Cassandra with passwords and TLS; CA, keystores and passwords made in <infra dir>/security/),
HANPYO_INFRA_KAFKA_USERS (SCRAM users created at format time, e.g. edge,ledger).`;

function mib(bytes) {
  return bytes == null ? '?' : `${Math.round(bytes / 2 ** 20)} MiB`;
}

function duration(seconds) {
  if (seconds == null) return '?';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s).padStart(2, '0')}s`
      : `${s}s`;
}

function parse(argv) {
  const [command, ...rest] = argv;
  const servers = [];
  const flags = { json: false, follow: false, lines: 50, nodes: undefined };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--json') flags.json = true;
    else if (a === '-f' || a === '--follow') flags.follow = true;
    else if (a === '--nodes' || a.startsWith('--nodes=')) {
      const raw = a === '--nodes' ? rest[++i] : a.slice('--nodes='.length);
      const n = Number(raw);
      if (raw === undefined || !Number.isInteger(n))
        throw new InfraError('USAGE', '--nodes needs a number (1 or 3)');
      flags.nodes = n;
    } else if (a === '-n' || a === '--lines') {
      const n = Number(rest[++i]);
      if (!Number.isInteger(n) || n < 0) throw new InfraError('USAGE', `${a} needs a number`);
      flags.lines = n;
    } else if (a.startsWith('-')) throw new InfraError('USAGE', `unknown option ${a}`);
    else servers.push(a);
  }
  return { command, servers, flags };
}

async function main() {
  const { command, servers: named, flags } = parse(process.argv.slice(2));
  // No name on the command line: every server.
  const servers = named.length > 0 ? named : undefined;
  // No --nodes: the layout this infra directory's cluster.json records, else the single node.
  const nodes = flags.nodes ?? readCluster()?.nodes ?? 1;
  const config = loadConfig(process.env, { nodes });
  const opts = { config };
  switch (command) {
    case 'up': {
      const t0 = Date.now();
      const r = await up(servers, opts);
      if (r.started.length > 0)
        console.log(
          `[infra] up: started ${r.started.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        );
      else console.log('[infra] up: everything was already running, nothing to do');
      return 0;
    }
    case 'down':
      await down(servers, opts);
      return 0;
    case 'reset':
      await reset(servers, opts);
      return 0;
    case 'status': {
      const s = await status(servers, opts);
      if (flags.json) {
        console.log(JSON.stringify(s, null, 2));
        return 0;
      }
      for (const [name, v] of Object.entries(s)) {
        const head = `${name.padEnd(12)} ${v.state.padEnd(9)}`;
        if (v.state === 'stopped')
          console.log(
            `${head} ${v.version}${v.fetchedVersion === v.version ? '' : ' (jars not fetched yet)'}`,
          );
        else
          console.log(
            `${head} pid ${v.pid}  ${v.host}:${v.port}  up ${duration(v.uptimeSeconds)}  ` +
              `RSS ${mib(v.rssBytes)}  heap ${v.heap}  ${v.version}${v.secure ? '  secured' : ''}  ` +
              `started by ${describeStartedBy(v.startedBy)}`,
          );
      }
      return 0;
    }
    case 'logs': {
      const stop = { stopped: false };
      process.once('SIGINT', () => (stop.stopped = true));
      await logs(servers, { ...opts, lines: flags.lines, follow: flags.follow, stop });
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new InfraError('USAGE', `unknown command '${command}'`);
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error) => {
    if (error instanceof InfraError) {
      console.error(`[infra] ${error.message}`);
      if (error.code === 'USAGE') console.error(`\n${USAGE}`);
      if (error.started?.length)
        console.error(`[infra] left running: ${error.started.join(', ')} (npm run infra -- down)`);
      process.exitCode = error.code === 'USAGE' ? 2 : 1;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
