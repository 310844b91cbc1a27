// The `hanpyo` command. Exit status: 0 success/valid, 1 invalid record or failed check, 2 usage
// error or unreadable input.
import { parseArgs } from 'node:util';
import { runBench } from './bench.js';
import { runInit } from './init.js';
import { runSynth } from './synth-command.js';
import { runVectors } from './vectors.js';
import { runVerify } from './verify-command.js';

const USAGE = `usage: hanpyo <command> [options]

commands:
  synth --out DIR --voters N [--districts D] [--policy first|last] [--blocks B] [--seed S]
        write a complete election record (SPEC §10) made by the real library code
  verify DIR [--json] [--workers N] [--backend native|sodium|noble]
        check everything SPEC §10 lists; exit 0 valid, 1 invalid, 2 unreadable/usage
  bench crypto [--json] [--out FILE] [--seconds S]
        per-core crypto throughput as ratios to noble's fixed-base multiplication rate
  vectors --out DIR
        write deterministic test vectors for every SPEC construction
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
      const { values, positionals } = parseArgs({
        args: rest,
        options: {
          json: { type: 'boolean', default: false },
          out: { type: 'string' },
          seconds: { type: 'string', default: '2' },
        },
        allowPositionals: true,
        strict: true,
      });
      if (positionals[0] !== 'crypto') throw new UsageError('bench takes one suite: crypto');
      return runBench({
        json: values.json,
        seconds: Number(values.seconds),
        ...(values.out ? { out: values.out } : {}),
      });
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
