// `hanpyo loadgen prepare --election ID --voters N --mode client|edge|mixed --out DIR
// [--shard-size S] [--threads T]`: everything a load tool needs to cast N votes with no
// cryptography of its own, in shards of S voters (loadtest/FORMAT.md):
//
//   roll entries and tokens  the first N voters of the election's committed roll, each given a token
//                            bound to a new device key (as `hanpyo tokens`), tokens-NNNNN.ndjson;
//   client-mode casts        the exact body to POST to …/ballots, encrypted, proved and signed by the
//                            voter's device, casts-NNNNN.ndjson;
//   edge-mode selections     the selections to POST to …/ballots/encrypt and the device secret to
//                            sign the cast with, edge-NNNNN.ndjson.
//
// Memory stays bounded: voters go by pages of the roll, in chunks, through a worker pool sized to
// the machine's cores (pipeline: results written in order with a few chunks in flight). Each shard
// is written to `.partial` files and renamed when whole; meta.json records the shards done, so a
// run stopped anywhere resumes with the first shard not done (its tokens minted again: SPEC §4
// lets a voter hold several).
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseManifest } from '@hanpyo/contracts';
import type { Manifest } from '@hanpyo/contracts';
import { manifestHashHex } from '@hanpyo/crypto';
import { ThreadPool, electionTask, pipeline } from '@hanpyo/worker-pool';
import { mintTokens } from './election-commands.js';
import { call, readLocal } from './local.js';
import { LoadgenError, resumeMeta, shardFiles, shardPlan, voterMode } from './loadgen-format.js';
import type { LoadgenMeta, LoadgenMode, ShardRecord } from './loadgen-format.js';
import type { LoadgenVoter } from './loadgen-worker.js';
import { terminalProgress } from './progress.js';

export interface LoadgenOptions {
  readonly electionId: string;
  readonly voters: number;
  readonly mode: LoadgenMode;
  readonly out: string;
  readonly shardSize: number;
  readonly threads: number;
}

const PAGE = 1000;
const CHUNK = 25;

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return undefined;
    if (e instanceof SyntaxError)
      throw new LoadgenError('LOADGEN_META_INVALID', `${path} is not JSON; use another --out`);
    throw e;
  }
}

/** Writes `value` as JSON to `path` atomically (a temporary file renamed over it). */
async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFile(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function end(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/** Prepares (or resumes preparing) the directory; resolves with the finished meta.json. */
export async function loadgenPrepare(
  options: LoadgenOptions,
  log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<LoadgenMeta> {
  const plan = shardPlan(options.voters, options.shardSize);
  const local = await readLocal();
  const base = `${local.registrar.url}/v1/elections/${encodeURIComponent(options.electionId)}`;
  const admin = local.registrar.adminToken;
  const view = await call<{ manifest: Manifest; jointPublicKey: string | null }>(base);
  const manifest = parseManifest(view.manifest);
  if (!view.jointPublicKey)
    throw new LoadgenError('LOADGEN_ROLL', `election '${options.electionId}' has no ceremony yet`);
  const roll = await call<{ status: string; voters: number }>(`${base}/roll`, { token: admin });
  if (roll.status !== 'committed' || roll.voters < options.voters)
    throw new LoadgenError(
      'LOADGEN_ROLL',
      `election '${options.electionId}' has ${roll.status === 'committed' ? roll.voters : 'no committed'} voters on its roll, not ${options.voters}: import one before opening (hanpyo roll synth --election ID --count N)`,
    );
  await mkdir(options.out, { recursive: true });
  const metaPath = join(options.out, 'meta.json');
  let meta = resumeMeta(await readJson(metaPath), {
    electionId: options.electionId,
    manifestHash: manifestHashHex(manifest),
    mode: options.mode,
    voters: options.voters,
    shardSize: options.shardSize,
  });
  // A shard counts as done only if meta.json says so and its files are there.
  const done = new Map<number, ShardRecord>();
  for (const s of meta.shards) {
    const present = await Promise.all(
      Object.values(s.files).map((f) => exists(join(options.out, f))),
    );
    if (present.every(Boolean)) done.set(s.index, s);
  }
  meta = { ...meta, shards: [...done.values()] };
  await writeJsonAtomic(metaPath, meta);
  const todo = plan.filter((s) => !done.has(s.index));
  if (done.size > 0) log(`resuming: ${done.size} of ${plan.length} shards already complete`);

  const pool = new ThreadPool({
    filename: new URL('./loadgen-worker.js', import.meta.url),
    threads: options.threads,
  });
  const task = electionTask(manifest, view.jointPublicKey);
  const progress = terminalProgress();
  const total = todo.reduce((n, s) => n + (s.to - s.from), 0);
  let prepared = 0;
  const started = performance.now();
  const earlierSeconds = meta.seconds;
  const seconds = () => earlierSeconds + (performance.now() - started) / 1000;
  try {
    for (const shard of todo) {
      const files = shardFiles(shard.index);
      const path = (f: string) => join(options.out, `${f}.partial`);
      const out = {
        tokens: createWriteStream(path(files.tokens), { mode: 0o600 }),
        casts: createWriteStream(path(files.casts), { mode: 0o600 }),
        edge: createWriteStream(path(files.edge), { mode: 0o600 }),
      };
      let client = 0;
      let edge = 0;
      // Chunks of voters with tokens, minted a page of the roll at a time; the next page is read
      // and minted while this one's chunks are in the pool, so the pool never waits for the
      // registrar.
      const page = async (from: number): Promise<LoadgenVoter[]> => {
        const limit = Math.min(PAGE, shard.to - from);
        const roll = await call<{ voters: { voterId: string; districtId: string }[] }>(
          `${base}/roll/voters?from=${from}&limit=${limit}`,
          { token: admin },
        );
        if (roll.voters.length !== limit)
          throw new LoadgenError(
            'LOADGEN_ROLL',
            `the roll gave ${roll.voters.length} voters at position ${from}, not ${limit}`,
          );
        const minted = await mintTokens(base, admin, roll.voters);
        out.tokens.write(
          minted.map((t, k) => `${JSON.stringify({ position: from + k, ...t })}\n`).join(''),
        );
        return minted.map((t, k) => ({ ...t, mode: voterMode(options.mode, from + k) }));
      };
      async function* chunks(): AsyncGenerator<LoadgenVoter[]> {
        let next: Promise<LoadgenVoter[]> | undefined = page(shard.from);
        for (let from = shard.from; next; from += PAGE) {
          const voters = await next;
          next = from + PAGE < shard.to ? page(from + PAGE) : undefined;
          next?.catch(() => undefined); // surfaces when awaited
          for (let i = 0; i < voters.length; i += CHUNK) yield voters.slice(i, i + CHUNK);
        }
      }
      await pipeline(
        chunks(),
        (voters) =>
          pool.run<{ client: string[]; edge: string[] }>('lines', { election: task, voters }),
        (r, voters) => {
          if (r.client.length > 0) out.casts.write(`${r.client.join('\n')}\n`);
          if (r.edge.length > 0) out.edge.write(`${r.edge.join('\n')}\n`);
          client += r.client.length;
          edge += r.edge.length;
          prepared += voters.length;
          progress.update(`preparing shard ${shard.index + 1}/${plan.length}`, prepared, total);
        },
        2 * pool.size,
      );
      await Promise.all([end(out.tokens), end(out.casts), end(out.edge)]);
      for (const f of Object.values(files)) {
        await chmod(path(f), 0o600);
        await rename(path(f), join(options.out, f));
      }
      done.set(shard.index, { ...shard, client, edge, files });
      meta = {
        ...meta,
        shards: [...done.values()].sort((a, b) => a.index - b.index),
        seconds: seconds(),
      };
      await writeJsonAtomic(metaPath, meta);
    }
  } finally {
    progress.done();
    await pool.close();
  }
  const thisRun = (performance.now() - started) / 1000;
  meta = { ...meta, complete: done.size === plan.length, seconds: seconds() };
  await writeJsonAtomic(metaPath, meta);
  log(
    `prepared ${total} voters in ${thisRun.toFixed(1)} s (${(total / Math.max(thisRun, 1e-9)).toFixed(0)}/s, ${pool.size} threads); ${plan.length} shards in ${options.out}`,
  );
  return meta;
}

/** The command's exit status. */
export async function runLoadgenPrepare(
  options: Omit<LoadgenOptions, 'threads'> & { threads?: number },
): Promise<number> {
  try {
    await loadgenPrepare({ ...options, threads: options.threads ?? availableParallelism() });
    return 0;
  } catch (e) {
    if (e instanceof LoadgenError) {
      process.stderr.write(`hanpyo loadgen: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
