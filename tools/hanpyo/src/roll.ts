// `hanpyo roll import` and `hanpyo roll synth`: the electoral roll into the registrar. The roll is
// read twice, streamed, in bounded memory whatever its size (10 million rows: a few MB per district
// count and batch, and temporary bucket files on disk for the duplicate check):
//   1. check it whole — every row well-formed and of a district of the manifest, no district with
//      more voters than its registeredVoters, no voter twice — and compute the hash chain the
//      registrar will compute; refuse with every problem listed (line numbers) and import nothing;
//   2. upload it in batches of ROLL_BATCH_MAX rows, resuming where an interrupted import stopped,
//      and commit it with the digest, which the registrar checks against what it received.
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROLL_BATCH_MAX, rollVoterSchema } from '@hanpyo/contracts';
import type { Manifest, RollVoterRow } from '@hanpyo/contracts';
import { jsonPath } from '@hanpyo/contracts';
import { rollChainNext, rollChainStart } from '@hanpyo/crypto';
import { call, readLocal } from './local.js';
import { terminalProgress } from './progress.js';

/** One row of a roll as read, with its 1-based line, or why it is not a row. */
type ReadRow =
  | { readonly line: number; readonly row: RollVoterRow }
  | { readonly line: number; readonly error: string };

/** A roll that can be read from the start any number of times. */
export interface RollSource {
  readonly name: string;
  rows(): AsyncIterable<ReadRow> | Iterable<ReadRow>;
  /** Bytes read so far of the current pass and in all (progress), when known. */
  progress?(): { done: number; total: number };
}

/** What the check of a whole roll found. */
export interface RollCheck {
  readonly rows: number;
  readonly districts: Record<string, number>;
  /** The hash chain over its batches: the digest the registrar must arrive at. */
  readonly digest: string;
  readonly problems: string[];
  /** Problems beyond those listed. */
  readonly moreProblems: number;
}

const MAX_PROBLEMS = 50;
const BUCKETS = 256;
const RECORD = 20; // 16 bytes of SHA-256(voterId) and the line as u32

/** A roll file: NDJSON lines `{"voterId","districtId"}`, or CSV with the header `voterId,districtId`. */
export function fileSource(path: string): RollSource {
  let read = 0;
  let total = 0;
  return {
    name: path,
    progress: () => ({ done: read, total }),
    async *rows() {
      total = (await stat(path)).size;
      read = 0;
      const input = createReadStream(path);
      input.on('data', (chunk) => (read += chunk.length));
      const lines = createInterface({ input, crlfDelay: Infinity });
      let format: 'ndjson' | 'csv' | undefined;
      let line = 0;
      for await (const raw of lines) {
        line++;
        const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
        if (text.trim().length === 0) continue;
        if (format === undefined) {
          if (text.trimStart().startsWith('{')) format = 'ndjson';
          else {
            if (text.trim() !== 'voterId,districtId') {
              yield {
                line,
                error:
                  'not a roll: the first line is neither a JSON object nor the CSV header voterId,districtId',
              };
              return;
            }
            format = 'csv';
            continue;
          }
        }
        yield format === 'ndjson' ? ndjsonRow(text, line) : csvRow(text, line);
      }
    },
  };
}

function validated(value: unknown, line: number): ReadRow {
  const r = rollVoterSchema.safeParse(value);
  if (r.success) return { line, row: r.data };
  return {
    line,
    error: r.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`).join('; '),
  };
}

function ndjsonRow(text: string, line: number): ReadRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, error: 'not JSON' };
  }
  return validated(value, line);
}

/** One CSV record of two fields (RFC 4180 quoting, no line breaks inside a field). */
function csvRow(text: string, line: number): ReadRow {
  const fields: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) return { line, error: 'unterminated quoted field' };
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      fields.push(value);
      if (i < text.length && text[i] !== ',') return { line, error: 'text after a quoted field' };
      i++;
    } else {
      const end = text.indexOf(',', i);
      const stop = end < 0 ? text.length : end;
      fields.push(text.slice(i, stop));
      i = stop + 1;
    }
  }
  if (fields.length !== 2) return { line, error: `expected 2 fields, found ${fields.length}` };
  return validated({ voterId: fields[0], districtId: fields[1] }, line);
}

/**
 * Pass 1: checks the whole roll against the manifest in bounded memory, and computes its digest
 * (the chain over batches of ROLL_BATCH_MAX rows, as the registrar computes it).
 */
export async function checkRoll(
  manifest: Pick<Manifest, 'electionId' | 'districts'>,
  source: RollSource,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<RollCheck> {
  const registered = new Map(manifest.districts.map((d) => [d.districtId, d.registeredVoters]));
  const districts: Record<string, number> = {};
  const problems: string[] = [];
  let more = 0;
  const problem = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else more++;
  };
  const dir = await mkdtemp(join(tmpdir(), 'hanpyo-roll-'));
  const buckets = new Spill(dir);
  let chain = rollChainStart(manifest.electionId);
  let batch: RollVoterRow[] = [];
  let rows = 0;
  try {
    for await (const r of source.rows()) {
      if ('error' in r) {
        problem(`line ${r.line}: ${r.error}`);
        continue;
      }
      if (!registered.has(r.row.districtId)) {
        problem(
          `line ${r.line}: '${r.row.districtId}' is not a district of '${manifest.electionId}'`,
        );
        continue;
      }
      districts[r.row.districtId] = (districts[r.row.districtId] ?? 0) + 1;
      await buckets.add(r.row.voterId, r.line);
      batch.push(r.row);
      if (batch.length === ROLL_BATCH_MAX) {
        chain = rollChainNext(chain, rows, batch);
        rows += batch.length;
        batch = [];
      }
      if ((rows + batch.length) % 10_000 === 0) {
        const p = source.progress?.();
        if (p) onProgress(p.done, p.total);
      }
    }
    if (batch.length > 0) {
      chain = rollChainNext(chain, rows, batch);
      rows += batch.length;
    }
    for (const [id, n] of Object.entries(districts)) {
      const limit = registered.get(id)!;
      if (n > limit)
        problem(
          `district '${id}' has ${n} voters on the roll but ${limit} registered voters in the manifest`,
        );
    }
    for (const [first, second] of await buckets.duplicates()) {
      problem(
        `line ${second}: the voter of line ${first} appears again (a voter is on the roll once)`,
      );
    }
  } finally {
    await buckets.close();
    await rm(dir, { recursive: true, force: true });
  }
  return { rows, districts, digest: chain, problems, moreProblems: more };
}

/**
 * (voter hash, line) records spilled to BUCKETS files by the hash's first byte, so the duplicate
 * check needs one bucket in memory at a time (~800 KB per bucket for 10 million voters).
 */
class Spill {
  private static readonly FLUSH = 64 * 1024;
  /** One fixed buffer per bucket, filled to FLUSH bytes and then appended to its file. */
  private readonly pending: Buffer[] = Array.from({ length: BUCKETS }, () =>
    Buffer.allocUnsafe(Spill.FLUSH),
  );
  private readonly sizes = new Array<number>(BUCKETS).fill(0);
  private readonly files: (FileHandle | undefined)[] = Array.from(
    { length: BUCKETS },
    () => undefined,
  );

  constructor(private readonly dir: string) {}

  async add(voterId: string, line: number): Promise<void> {
    const hash = createHash('sha256').update(voterId, 'utf8').digest();
    const b = hash[0]!;
    const at = this.sizes[b]!;
    hash.copy(this.pending[b]!, at, 0, 16);
    this.pending[b]!.writeUInt32BE(line, at + 16);
    this.sizes[b] = at + RECORD;
    if (this.sizes[b] + RECORD > Spill.FLUSH) await this.flush(b);
  }

  private async flush(b: number): Promise<void> {
    if (this.sizes[b] === 0) return;
    this.files[b] ??= await open(join(this.dir, `${b}`), 'a');
    await this.files[b].write(this.pending[b]!, 0, this.sizes[b]);
    this.sizes[b] = 0;
  }

  /** Pairs of lines holding the same voter id (by 128-bit hash), each later line once. */
  async duplicates(): Promise<[number, number][]> {
    const out: [number, number][] = [];
    for (let b = 0; b < BUCKETS; b++) {
      await this.flush(b);
      const file = this.files[b];
      if (!file) continue;
      await file.close();
      this.files[b] = undefined;
      const data = await readFile(join(this.dir, `${b}`));
      const n = data.length / RECORD;
      const order = Array.from({ length: n }, (_, i) => i);
      const hashOf = (i: number) => data.subarray(i * RECORD, i * RECORD + 16);
      const lineOf = (i: number) => data.readUInt32BE(i * RECORD + 16);
      order.sort((x, y) => Buffer.compare(hashOf(x), hashOf(y)) || lineOf(x) - lineOf(y));
      // Equal hashes are adjacent, the earliest line first: report each later line against it.
      let runStart = 0;
      for (let k = 1; k < n; k++) {
        if (Buffer.compare(hashOf(order[k - 1]!), hashOf(order[k]!)) !== 0) runStart = k;
        else out.push([lineOf(order[runStart]!), lineOf(order[k]!)]);
      }
    }
    return out.sort((x, y) => x[1] - y[1]);
  }

  async close(): Promise<void> {
    for (const f of this.files) await f?.close();
  }
}

/** Pass 2: uploads the checked roll in batches from where the import stands, then commits it. */
async function uploadRoll(
  electionId: string,
  source: RollSource,
  check: RollCheck,
  onProgress: (done: number, total: number) => void,
): Promise<{ resumedAt: number }> {
  const local = await readLocal();
  const base = `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}/roll`;
  const token = local.registrar.adminToken;
  const started = await call<{ status: string; nextPosition: number }>(`${base}/imports`, {
    body: { digest: check.digest },
    token,
  });
  if (started.status === 'committed') return { resumedAt: check.rows };
  let position = 0;
  let batch: RollVoterRow[] = [];
  const send = async () => {
    const from = position - batch.length;
    if (position > started.nextPosition)
      await call(`${base}/batches`, { body: { from, voters: batch }, token });
    batch = [];
    onProgress(position, check.rows);
  };
  for await (const r of source.rows()) {
    if ('error' in r) continue; // checked in pass 1: a file that changed since fails the commit
    batch.push(r.row);
    position++;
    if (batch.length === ROLL_BATCH_MAX) await send();
  }
  if (batch.length > 0) await send();
  await call(`${base}/commit`, { body: { digest: check.digest, count: check.rows }, token });
  return { resumedAt: started.nextPosition };
}

/** Checks then imports a roll; prints every problem and imports nothing when there is one. */
export async function importRoll(electionId: string, source: RollSource): Promise<number> {
  const local = await readLocal();
  const { manifest } = await call<{ manifest: Manifest }>(
    `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}`,
  );
  const progress = terminalProgress();
  const started = performance.now();
  const check = await checkRoll(manifest, source, (d, t) =>
    progress.update('checking the roll (bytes)', d, t),
  );
  progress.done();
  if (check.problems.length > 0) {
    for (const p of check.problems) process.stderr.write(`${source.name}: ${p}\n`);
    if (check.moreProblems > 0)
      process.stderr.write(`${source.name}: ${check.moreProblems} more problems not listed\n`);
    process.stderr.write(
      `hanpyo roll import: ROLL_INVALID: ${check.problems.length + check.moreProblems} problems in ${source.name}; nothing was imported\n`,
    );
    return 1;
  }
  const { resumedAt } = await uploadRoll(electionId, source, check, (d, t) =>
    progress.update('importing the roll', d, t),
  );
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `imported the roll of ${electionId}: ${check.rows} voters in ${Object.keys(check.districts).length} districts` +
      `${resumedAt > 0 ? ` (resumed at row ${resumedAt})` : ''}, digest ${check.digest} (${seconds.toFixed(1)} s)\n`,
  );
  return 0;
}

/**
 * N synthetic voters (`synthetic-1` … `synthetic-N`) spread over the districts in proportion to
 * their registered voters, never more than a district's registeredVoters. A generator: no array
 * of N voters is ever held.
 */
export function* syntheticVoters(
  manifest: Pick<Manifest, 'districts'>,
  count: number,
  prefix = 'synthetic',
): Generator<RollVoterRow> {
  const weight = (i: number) => Math.max(1, manifest.districts[i]!.registeredVoters);
  const total = manifest.districts.reduce((s, _, i) => s + weight(i), 0);
  let acc = 0;
  let d = 0;
  for (let i = 0; i < count; i++) {
    // Walk the cumulative distribution so every district gets its share.
    const target = ((i + 0.5) / count) * total;
    while (d < manifest.districts.length - 1 && acc + weight(d) < target) {
      acc += weight(d);
      d++;
    }
    yield { voterId: `${prefix}-${i + 1}`, districtId: manifest.districts[d]!.districtId };
  }
}

/** A synthetic roll as a source. */
export function syntheticSource(manifest: Pick<Manifest, 'districts'>, count: number): RollSource {
  return {
    name: `synthetic roll of ${count}`,
    *rows() {
      let line = 0;
      for (const row of syntheticVoters(manifest, count)) yield { line: ++line, row };
    },
  };
}

/** `hanpyo roll synth --election ID --count N [--out FILE]`: import a synthetic roll, or write it. */
export async function synthRoll(electionId: string, count: number, out?: string): Promise<number> {
  const local = await readLocal();
  const { manifest } = await call<{ manifest: Manifest }>(
    `${local.registrar.url}/v1/elections/${encodeURIComponent(electionId)}`,
  );
  if (out) {
    const handle = await open(out, 'w');
    try {
      let lines: string[] = [];
      for (const row of syntheticVoters(manifest, count)) {
        lines.push(JSON.stringify(row));
        if (lines.length === 10_000) {
          await handle.write(`${lines.join('\n')}\n`);
          lines = [];
        }
      }
      if (lines.length > 0) await handle.write(`${lines.join('\n')}\n`);
    } finally {
      await handle.close();
    }
    process.stdout.write(`wrote a synthetic roll of ${count} voters to ${out}\n`);
    return 0;
  }
  return importRoll(electionId, syntheticSource(manifest, count));
}

/** Writes rows as an NDJSON roll file (tests, tools). */
export async function writeRollFile(path: string, rows: readonly RollVoterRow[]): Promise<void> {
  await writeFile(path, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}
