// The `hanpyo` command. Exit status: 0 success/valid, 1 invalid record or failed check, 2 usage
// error or unreadable input.
import { parseArgs } from 'node:util';
import { runBench } from './bench.js';
import { runTallyBench } from './bench-tally.js';
import { runObserverBench } from './bench-observer.js';
import {
  electionExport,
  electionTally,
  electionTallyReset,
  trusteeDecrypt,
} from './tally-commands.js';
import { runInit } from './init.js';
import { runCast } from './cast.js';
import { runReceiptsCheck } from './receipts-check.js';
import { runAudit } from './audit.js';
import { runLoadgenPrepare } from './loadgen.js';
import {
  ceremonyLocal,
  electionCeremony,
  electionCreate,
  electionTransition,
  tokensBulk,
} from './election-commands.js';
import { fileSource, importRoll, synthRoll } from './roll.js';
import { runSynth } from './synth-command.js';
import { runVectors } from './vectors.js';
import { runVerify } from './verify-command.js';

const USAGE = `usage: hanpyo <command> [options]

commands:
  synth --out DIR --voters N [--districts D] [--policy first|last] [--blocks B] [--seed S]
        write a complete election record (SPEC §10) made by the real library code
  verify DIR [--json] [--workers N] [--backend native|sodium|noble]
        check everything SPEC §10 lists; exit 0 valid, 1 invalid, 2 unreadable/usage
  bench crypto [--json] [--out FILE] [--seconds S] [--voters N]
        per-core crypto throughput as ratios to noble's fixed-base multiplication rate
  bench tally [--ballots N] [--json] [--out FILE]
        tally aggregation per 100,000 ballots (in memory, synthetic record), with its ratio
  bench observer [--ballots N] [--json] [--out FILE]
        the observer's verification per 1,000 ballots (its own code, synthetic record),
        1 worker and every core, with ratios to noble's fixed-base multiplication rate
  bench suite [--only crypto,edge,persister,ledger,observer,tally] [--quick] [--ballots N] [--no-doc]
        every benchmark below, each figure with its baseline from the same run; JSON in
        bench-results/, the table and a chart in docs/performance.md (npm run bench)
  bench edge [--casts N] [--seconds S] [--connections C] [--json] [--out FILE]
        the edge over HTTP (own registrar and edge processes on free ports, real Kafka and
        Cassandra): a refused cast vs a bare Fastify route; real casts vs a raw kafkajs producer
        and vs the per-cast crypto checks on one core
  bench overload [--seconds S] [--connections C] [--voters N] [--json] [--out FILE]
        the edge at 1× and 2× of its capacity measured in the same run (own registrar and edge):
        accepted rate, 503 share and Retry-After spread, p50/p99, RSS, time to recovery
  bench persister [--entries N] [--json] [--out FILE]
        the persister's write path vs raw prepared INSERTs of the same rows (real Cassandra)
  bench ledger [--leaves N] [--json] [--out FILE]
        a block of N leaves (1,000,000) built by @hanpyo/ledger vs raw SHA-256 of the leaves
  vectors --out DIR
        write deterministic test vectors for every SPEC construction
  election create --manifest FILE          register an election (prints {"manifest","manifestHash"})
  election ceremony ID --record FILE       submit a key ceremony's public record (SPEC §3)
  election open ID | election close ID
  election tally ID                        count and aggregate after the final block (tally role)
  election tally ID --reset --reason TEXT  reset the tally to start again with a new trustee set
  election export ID --out DIR             write the SPEC §10 record of the running election, and
                                           its audit log beside it (audit-log.ndjson, operator role)
  trustee decrypt --election ID --share FILE
        this trustee's partial decryptions with proofs, computed here, submitted (share stays here)
  ceremony local --election ID --out DIR   run a ceremony here: ceremony.json + trustee-<i>.json
  roll import --election ID FILE
        check the electoral roll (NDJSON {"voterId","districtId"} lines, or CSV voterId,districtId)
        whole — districts, registeredVoters, no voter twice — then import it, resumably
  roll synth --election ID --count N [--out FILE]
        a synthetic roll of N voters: imported (or written to FILE)
  tokens --election ID --count N --out FILE
        mint tokens for the first N voters of the roll, each bound to a new device key; JSON lines
        {voterId, districtId, token, deviceSecret} (a file of secrets, mode 0600)
        (election, roll, ceremony and tokens commands read .hanpyo/local.json, written by npm start)
  cast --election ID --tokens FILE --receipts OUT [--mode client|edge|mixed] [--revote 0.1] [--concurrency 16]
       [--choices OUT]  (a test aid: what each voter chose, to check the decrypted counts)
        cast signed ballots through the edge as voters' apps would (edge mode: encrypt, then cast);
        every receipt's signature checked; receipts as JSON lines
  receipts check --election ID --receipts FILE
        check every receipt's edge signature, and prove its ballot is in a signed block
        (inclusion proof, ledger signature)
  loadgen prepare --election ID --voters N --mode client|edge|mixed --out DIR [--shard-size 100000]
       [--threads T]
        everything a load tool needs for N voters of the committed roll, in shards (loadtest/FORMAT.md):
        tokens with device secrets, pre-encrypted and pre-signed client-mode casts, edge-mode
        selections; all cores, bounded memory, progress; resumes where a stopped run left off
  loadtest <profile> [--force] [--election ID --prepared DIR] [--out FILE] [--no-close] [--margin S]
        run a load profile (loadtest/profiles/: smoke, city-local) against the local stack: a fresh
        election with its votes prepared (or --election/--prepared), an open-model arrival rate with
        at most maxVUs in flight (arrivals beyond are dropped), 503s retried after Retry-After; HDR
        latency histogram, the profile's thresholds, then close, final block and an audit of every
        receipt. Exit 0 only when every threshold holds and the audit is clean. npm run loadtest
  audit --election ID --receipts FILE [--json]
        reconcile every receipt with the board (Kafka), its Cassandra row and the signed blocks:
        counts of included, pending, lost, duplicated, refused and forged; exit 0 only when
        nothing is lost, duplicated or forged (HANPYO_KAFKA_*, HANPYO_CASSANDRA_* reach the servers)
  init --manifest FILE
        create the election's Kafka topics (partition layout from the manifest) and apply the
        Cassandra migrations, idempotently (HANPYO_KAFKA_*, HANPYO_CASSANDRA_* configure them)
`;

/** Thrown for a usage error (exit 2). */
export class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'synth': {
      const { values } = parseArgs({
        args: rest,
        options: {
          out: { type: 'string' },
          voters: { type: 'string' },
          districts: { type: 'string', default: '3' },
          policy: { type: 'string', default: 'last' },
          blocks: { type: 'string', default: '3' },
          seed: { type: 'string', default: '1' },
        },
        strict: true,
      });
      if (!values.out || !values.voters)
        throw new UsageError('synth needs --out DIR and --voters N');
      const policy = values.policy;
      if (policy !== 'first' && policy !== 'last')
        throw new UsageError('--policy is first or last');
      return runSynth({
        out: values.out,
        voters: positiveInt(values.voters, '--voters'),
        districts: positiveInt(values.districts, '--districts'),
        policy,
        blocks: positiveInt(values.blocks, '--blocks'),
        seed: values.seed,
      });
    }
    case 'verify': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: {
          json: { type: 'boolean', default: false },
          workers: { type: 'string' },
          backend: { type: 'string' },
        },
        allowPositionals: true,
        strict: true,
      });
      if (positionals.length !== 1)
        throw new UsageError('verify needs exactly one record directory');
      return runVerify(positionals[0]!, {
        json: values.json,
        ...(values.workers ? { workers: positiveInt(values.workers, '--workers') } : {}),
        ...(values.backend ? { backend: values.backend } : {}),
      });
    }
    case 'bench': {
      // The suite parses its own options (stable error codes, bench-suite-report.ts). The suite's
      // benchmarks load on demand: they bring Nest, the persister and autocannon (a devDependency)
      // with them, which no other command needs.
      if (rest[0] === 'suite') return (await import('./bench-suite.js')).runSuite(rest.slice(1));
      const { values, positionals } = parseArgs({
        args: rest,
        options: {
          json: { type: 'boolean', default: false },
          out: { type: 'string' },
          seconds: { type: 'string', default: '2' },
          ballots: { type: 'string', default: '5000' },
          voters: { type: 'string' },
          leaves: { type: 'string', default: '1000000' },
          entries: { type: 'string', default: '20000' },
          casts: { type: 'string', default: '3000' },
          connections: { type: 'string', default: '32' },
        },
        allowPositionals: true,
        strict: true,
      });
      const out = values.out ? { out: values.out } : {};
      if (positionals[0] === 'ledger') {
        const { runLedgerBench } = await import('./bench-ledger.js');
        return runLedgerBench({
          leaves: positiveInt(values.leaves, '--leaves'),
          json: values.json,
          ...out,
        });
      }
      if (positionals[0] === 'persister') {
        const { runPersisterBench } = await import('./bench-persister.js');
        return runPersisterBench({
          entries: positiveInt(values.entries, '--entries'),
          json: values.json,
          ...out,
        });
      }
      if (positionals[0] === 'edge') {
        const { runEdgeBench } = await import('./bench-edge.js');
        return runEdgeBench({
          casts: positiveInt(values.casts, '--casts'),
          seconds: positiveNumber(values.seconds, '--seconds'),
          connections: positiveInt(values.connections, '--connections'),
          json: values.json,
          ...out,
        });
      }
      if (positionals[0] === 'overload') {
        const { runOverloadBench } = await import('./bench-overload.js');
        return runOverloadBench({
          // Phases of 20 s unless asked: the generic --seconds default (2) is crypto's.
          seconds: rest.some((a) => a === '--seconds' || a.startsWith('--seconds='))
            ? positiveNumber(values.seconds, '--seconds')
            : 20,
          connections: positiveInt(values.connections, '--connections'),
          voters: values.voters ? positiveInt(values.voters, '--voters') : 6000,
          json: values.json,
          ...out,
        });
      }
      if (positionals[0] === 'observer') {
        return runObserverBench({
          ballots: positiveInt(values.ballots, '--ballots'),
          json: values.json,
          ...(values.out ? { out: values.out } : {}),
        });
      }
      if (positionals[0] === 'tally') {
        return runTallyBench({
          ballots: positiveInt(values.ballots, '--ballots'),
          json: values.json,
          ...(values.out ? { out: values.out } : {}),
        });
      }
      if (positionals[0] !== 'crypto')
        throw new UsageError(
          'bench takes suite, crypto, edge, overload, persister, ledger, observer or tally',
        );
      return runBench({
        json: values.json,
        seconds: Number(values.seconds),
        ...(values.voters ? { voters: positiveInt(values.voters, '--voters') } : {}),
        ...(values.out ? { out: values.out } : {}),
      });
    }
    case 'election': {
      const [sub, ...more] = rest;
      const { values, positionals } = parseArgs({
        args: more,
        options: {
          manifest: { type: 'string' },
          record: { type: 'string' },
          out: { type: 'string' },
          reset: { type: 'boolean' },
          reason: { type: 'string' },
        },
        allowPositionals: true,
        strict: true,
      });
      switch (sub) {
        case 'create':
          if (!values.manifest) throw new UsageError('election create needs --manifest FILE');
          return electionCreate(values.manifest);
        case 'ceremony':
          if (positionals.length !== 1 || !values.record)
            throw new UsageError('election ceremony needs ID and --record FILE');
          return electionCeremony(positionals[0]!, values.record);
        case 'open':
        case 'close':
          if (positionals.length !== 1) throw new UsageError(`election ${sub} needs ID`);
          return electionTransition(positionals[0]!, sub);
        case 'tally':
          if (positionals.length !== 1) throw new UsageError('election tally needs ID');
          if (values.reset) {
            if (!values.reason?.trim())
              throw new UsageError('election tally ID --reset needs --reason "why"');
            return electionTallyReset(positionals[0]!, values.reason);
          }
          return electionTally(positionals[0]!);
        case 'export':
          if (positionals.length !== 1 || !values.out)
            throw new UsageError('election export needs ID and --out DIR');
          return electionExport(positionals[0]!, values.out);
        case undefined:
        default:
          throw new UsageError('election takes create, ceremony, open, close, tally or export');
      }
    }
    case 'trustee': {
      const [sub, ...more] = rest;
      const { values } = parseArgs({
        args: more,
        options: { election: { type: 'string' }, share: { type: 'string' } },
        strict: true,
      });
      if (sub !== 'decrypt' || !values.election || !values.share)
        throw new UsageError('trustee decrypt --election ID --share FILE');
      return trusteeDecrypt(values.election, values.share);
    }
    case 'ceremony': {
      const [sub, ...more] = rest;
      const { values } = parseArgs({
        args: more,
        options: { election: { type: 'string' }, out: { type: 'string' } },
        strict: true,
      });
      if (sub !== 'local' || !values.election || !values.out)
        throw new UsageError('ceremony local --election ID --out DIR');
      return ceremonyLocal(values.election, values.out);
    }
    case 'tokens': {
      const { values } = parseArgs({
        args: rest,
        options: {
          election: { type: 'string' },
          count: { type: 'string' },
          out: { type: 'string' },
        },
        strict: true,
      });
      if (!values.election || !values.count || !values.out)
        throw new UsageError('tokens needs --election ID --count N --out FILE');
      return tokensBulk(values.election, positiveInt(values.count, '--count'), values.out);
    }
    case 'roll': {
      const [sub, ...more] = rest;
      const { values, positionals } = parseArgs({
        args: more,
        options: {
          election: { type: 'string' },
          count: { type: 'string' },
          out: { type: 'string' },
        },
        allowPositionals: true,
        strict: true,
      });
      if (!values.election) throw new UsageError('roll needs --election ID');
      if (sub === 'import') {
        if (positionals.length !== 1) throw new UsageError('roll import --election ID FILE');
        return importRoll(values.election, fileSource(positionals[0]!));
      }
      if (sub === 'synth') {
        if (!values.count) throw new UsageError('roll synth --election ID --count N [--out FILE]');
        return synthRoll(values.election, positiveInt(values.count, '--count'), values.out);
      }
      throw new UsageError('roll takes import or synth');
    }
    case 'cast': {
      const { values } = parseArgs({
        args: rest,
        options: {
          election: { type: 'string' },
          tokens: { type: 'string' },
          receipts: { type: 'string' },
          mode: { type: 'string', default: 'mixed' },
          revote: { type: 'string', default: '0.1' },
          concurrency: { type: 'string', default: '16' },
          seed: { type: 'string' },
          choices: { type: 'string' },
        },
        strict: true,
      });
      if (!values.election || !values.tokens || !values.receipts)
        throw new UsageError('cast needs --election ID --tokens FILE --receipts OUT');
      const mode = values.mode;
      if (mode !== 'client' && mode !== 'edge' && mode !== 'mixed')
        throw new UsageError('--mode is client, edge or mixed');
      const revote = Number(values.revote);
      if (!(revote >= 0 && revote <= 1))
        throw new UsageError('--revote is a fraction between 0 and 1');
      return runCast({
        electionId: values.election,
        tokensPath: values.tokens,
        receiptsPath: values.receipts,
        mode,
        revoteRate: revote,
        concurrency: positiveInt(values.concurrency, '--concurrency'),
        ...(values.seed ? { seed: values.seed } : {}),
        ...(values.choices ? { choicesPath: values.choices } : {}),
      });
    }
    case 'receipts': {
      const [sub, ...more] = rest;
      const { values } = parseArgs({
        args: more,
        options: { election: { type: 'string' }, receipts: { type: 'string' } },
        strict: true,
      });
      if (sub !== 'check' || !values.election || !values.receipts)
        throw new UsageError('receipts check --election ID --receipts FILE');
      return runReceiptsCheck(values.election, values.receipts);
    }
    case 'loadgen': {
      const [sub, ...more] = rest;
      const { values } = parseArgs({
        args: more,
        options: {
          election: { type: 'string' },
          voters: { type: 'string' },
          mode: { type: 'string', default: 'client' },
          out: { type: 'string' },
          'shard-size': { type: 'string', default: '100000' },
          threads: { type: 'string' },
        },
        strict: true,
      });
      const usage =
        'loadgen prepare --election ID --voters N --mode client|edge|mixed --out DIR [--shard-size S] [--threads T]';
      if (sub !== 'prepare' || !values.election || !values.voters || !values.out)
        throw new UsageError(usage);
      if (!['client', 'edge', 'mixed'].includes(values.mode)) throw new UsageError(usage);
      return runLoadgenPrepare({
        electionId: values.election,
        voters: positiveInt(values.voters, '--voters'),
        mode: values.mode as 'client' | 'edge' | 'mixed',
        out: values.out,
        shardSize: positiveInt(values['shard-size'], '--shard-size'),
        ...(values.threads ? { threads: positiveInt(values.threads, '--threads') } : {}),
      });
    }
    case 'loadtest':
      // Loaded on demand: undici and the HDR histogram serve this command only.
      return (await import('./loadtest.js')).runLoadtest(rest);
    case 'audit': {
      const { values } = parseArgs({
        args: rest,
        options: {
          election: { type: 'string' },
          receipts: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
        strict: true,
      });
      if (!values.election || !values.receipts)
        throw new UsageError('audit --election ID --receipts FILE [--json]');
      return runAudit(values.election, values.receipts, values.json);
    }
    case 'init': {
      const { values } = parseArgs({
        args: rest,
        options: { manifest: { type: 'string' } },
        strict: true,
      });
      if (!values.manifest) throw new UsageError('init needs --manifest FILE');
      return runInit(values.manifest);
    }
    case 'vectors': {
      const { values } = parseArgs({
        args: rest,
        options: { out: { type: 'string' } },
        strict: true,
      });
      if (!values.out) throw new UsageError('vectors needs --out DIR');
      return runVectors(values.out);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function positiveNumber(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number`);
  return n;
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer`);
  return n;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`hanpyo: ${(e as Error).message}\n\n${USAGE}`);
  } else if (typeof (e as { code?: unknown }).code === 'string') {
    // A coded error (invalid input, an unreachable server): its message says what and where.
    const { code, message } = e as { code: string; message: string };
    process.stderr.write(`hanpyo: ${code}: ${message}\n`);
  } else {
    process.stderr.write(`hanpyo: ${(e as Error).stack ?? String(e)}\n`);
  }
  process.exitCode = 2;
}
