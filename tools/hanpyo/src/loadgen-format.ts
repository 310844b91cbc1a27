// The directory `hanpyo loadgen prepare` writes (format "hanpyo-loadgen/1", loadtest/FORMAT.md),
// and the pure rules of resuming it: the plan of shards, what the manifest file `meta.json` holds,
// and whether a directory left by an earlier run belongs to the same preparation.

export const LOADGEN_FORMAT = 'hanpyo-loadgen/1';

export type LoadgenMode = 'client' | 'edge' | 'mixed';

/** One shard: the voters at roll positions [from, to), and its files once complete. */
export interface ShardRecord {
  readonly index: number;
  readonly from: number;
  readonly to: number;
  /** Lines written: client-mode casts and edge-mode selections. */
  readonly client: number;
  readonly edge: number;
  readonly files: { readonly tokens: string; readonly casts: string; readonly edge: string };
}

/** meta.json: what was asked, and the shards that are complete (written after each one). */
export interface LoadgenMeta {
  readonly format: typeof LOADGEN_FORMAT;
  readonly electionId: string;
  readonly manifestHash: string;
  readonly mode: LoadgenMode;
  readonly voters: number;
  readonly shardSize: number;
  readonly shards: readonly ShardRecord[];
  /** True once every shard is complete. */
  readonly complete: boolean;
  /** Wall-clock seconds spent preparing, summed over runs. */
  readonly seconds: number;
}

/** A preparation this directory cannot continue, with a stable code. */
export class LoadgenError extends Error {
  override readonly name = 'LoadgenError';
  constructor(
    readonly code:
      'LOADGEN_MISMATCH' | 'LOADGEN_ROLL' | 'LOADGEN_META_INVALID' | 'LOADGEN_ARGUMENT',
    message: string,
  ) {
    super(message);
  }
}

/** The file names of shard `index` (five digits, so a listing sorts in order). */
export function shardFiles(index: number): ShardRecord['files'] {
  const n = String(index).padStart(5, '0');
  return { tokens: `tokens-${n}.ndjson`, casts: `casts-${n}.ndjson`, edge: `edge-${n}.ndjson` };
}

/** The shards of `voters` voters, `shardSize` each (the last one shorter). */
export function shardPlan(
  voters: number,
  shardSize: number,
): { index: number; from: number; to: number }[] {
  if (!Number.isInteger(voters) || voters < 1)
    throw new LoadgenError('LOADGEN_ARGUMENT', '--voters must be a positive integer');
  if (!Number.isInteger(shardSize) || shardSize < 1)
    throw new LoadgenError('LOADGEN_ARGUMENT', '--shard-size must be a positive integer');
  const out = [];
  for (let from = 0, index = 0; from < voters; from += shardSize, index++)
    out.push({ index, from, to: Math.min(voters, from + shardSize) });
  return out;
}

/** The mode voter `position` of the roll casts in (mixed: even positions client, odd edge). */
export function voterMode(mode: LoadgenMode, position: number): 'client' | 'edge' {
  if (mode === 'mixed') return position % 2 === 0 ? 'client' : 'edge';
  return mode;
}

/**
 * The meta.json an earlier run left, checked to be a preparation of the same election, manifest,
 * mode, voters and shard size (resuming anything else would mix two preparations); a fresh one
 * when there is none.
 */
export function resumeMeta(
  previous: unknown,
  asked: Pick<LoadgenMeta, 'electionId' | 'manifestHash' | 'mode' | 'voters' | 'shardSize'>,
): LoadgenMeta {
  const fresh: LoadgenMeta = {
    format: LOADGEN_FORMAT,
    ...asked,
    shards: [],
    complete: false,
    seconds: 0,
  };
  if (previous === undefined) return fresh;
  const p = (typeof previous === 'object' ? previous : null) as Partial<LoadgenMeta> | null;
  if (
    p === null ||
    p.format !== LOADGEN_FORMAT ||
    !Array.isArray(p.shards) ||
    typeof p.seconds !== 'number'
  )
    throw new LoadgenError(
      'LOADGEN_META_INVALID',
      `meta.json is not a ${LOADGEN_FORMAT} manifest; use another --out directory`,
    );
  for (const k of ['electionId', 'manifestHash', 'mode', 'voters', 'shardSize'] as const) {
    if (p[k] !== asked[k])
      throw new LoadgenError(
        'LOADGEN_MISMATCH',
        `this directory holds a preparation with ${k} ${JSON.stringify(p[k])}, not ${JSON.stringify(asked[k])}; use another --out directory`,
      );
  }
  return p as LoadgenMeta;
}
