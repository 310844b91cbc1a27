// `hanpyo verify` over mutated copies of a real election record: byte edits, line edits of the
// NDJSON files, value edits of the parsed documents, encodings (BOM, CRLF, \u-escapes, invalid
// UTF-8), reformatting, and deleted, emptied or extra files. Each run must end with exit 1 or 2 and
// a message, in time, with no stack trace; an exit 0 is looked at: when every file still parses to
// the same values the mutation did not change the record's meaning (the record's hashes are over
// JCS of the values, SPEC §1), otherwise it is a verifier defect.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  applyBytes,
  applyText,
  byteMutation,
  getAt,
  pathsOf,
  sameJson,
  setAt,
  textMutation,
} from './fuzz-mutate.js';
import type { ByteMutation, TextMutation } from './fuzz-mutate.js';

type RecordEdit =
  | { kind: 'bytes'; file: number; mutations: ByteMutation[] }
  | {
      kind: 'lines';
      file: number;
      how: 'delete' | 'duplicate' | 'swap' | 'blank' | 'join';
      at: number;
    }
  | { kind: 'value'; file: number; line: number; pick: number; how: number }
  | { kind: 'text'; file: number; line: number; mutation: TextMutation }
  | {
      kind: 'encoding';
      file: number;
      how: 'bom' | 'crlf' | 'trailing-space' | 'no-final-newline' | 'latin1' | 'nul';
    }
  | { kind: 'file'; file: number; how: 'delete' | 'empty' | 'extra' | 'directory' };

const recordEdit = (files: number): fc.Arbitrary<RecordEdit> => {
  const file = fc.nat({ max: files - 1 });
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('bytes' as const),
        file,
        mutations: fc.array(byteMutation, { minLength: 1, maxLength: 3 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('lines' as const),
        file,
        how: fc.constantFrom<'delete' | 'duplicate' | 'swap' | 'blank' | 'join'>(
          'delete',
          'duplicate',
          'swap',
          'blank',
          'join',
        ),
        at: fc.nat(),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('value' as const),
        file,
        line: fc.nat(),
        pick: fc.nat(),
        how: fc.nat(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('text' as const),
        file,
        line: fc.nat(),
        mutation: textMutation,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('encoding' as const),
        file,
        how: fc.constantFrom<
          'bom' | 'crlf' | 'trailing-space' | 'no-final-newline' | 'latin1' | 'nul'
        >('bom', 'crlf', 'trailing-space', 'no-final-newline', 'latin1', 'nul'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('file' as const),
        file,
        how: fc.constantFrom<'delete' | 'empty' | 'extra' | 'directory'>(
          'delete',
          'empty',
          'extra',
          'directory',
        ),
      }),
    },
  );
};

/** A case: one to three edits of the record. */
export const recordCase = (files: number) =>
  fc.array(recordEdit(files), { minLength: 1, maxLength: 3 });

function changeValue(v: unknown, how: number): unknown {
  const options: unknown[] =
    typeof v === 'number'
      ? [v + 1, v - 1, -v - 1, 0, v * 2 + 1, String(v), null]
      : typeof v === 'string'
        ? [
            `${v}x`,
            v.slice(1),
            v.length > 0 ? v.slice(0, -1) + (v.at(-1) === 'A' ? 'B' : 'A') : 'A',
            '',
            v.toUpperCase() === v ? `${v}a` : v.toUpperCase(),
            1,
            null,
          ]
        : typeof v === 'boolean'
          ? [!v, String(v), null]
          : Array.isArray(v)
            ? [
                [],
                [...(v as unknown[]), (v as unknown[])[0]],
                v.slice(1),
                [...(v as unknown[])].reverse(),
                null,
              ]
            : v === null
              ? [0, '', {}]
              : [{}, null, []];
  const next = options[how % options.length];
  // Reversing a one-item list or a palindrome changes nothing: take the first option then.
  return sameJson(next, v) ? options[0] : next;
}

/** Files and their text, as read. */
type Files = Map<string, Buffer>;

/** Applies the edits to a copy of the files; returns the new file set and a description. */
export function applyRecordCase(
  files: Files,
  edits: readonly RecordEdit[],
): { files: Map<string, Buffer | null>; directories: string[]; note: string } {
  const names = [...files.keys()].sort();
  const out = new Map<string, Buffer | null>(files);
  const notes: string[] = [];
  const directories: string[] = [];
  for (const e of edits) {
    const name = names[e.file % names.length]!;
    const current = out.get(name);
    if (current === null || current === undefined) continue;
    const text = current.toString('utf8');
    const lines = text.split('\n');
    const lineIndex = (n: number) => {
      const nonEmpty = lines.map((l, i) => [l, i] as const).filter(([l]) => l.length > 0);
      return nonEmpty.length === 0 ? 0 : nonEmpty[n % nonEmpty.length]![1];
    };
    switch (e.kind) {
      case 'bytes':
        out.set(name, applyBytes(current, e.mutations));
        notes.push(`bytes:${name}:${e.mutations.map((m) => m.kind).join('+')}`);
        break;
      case 'lines': {
        const i = lineIndex(e.at);
        const j = lineIndex(e.at + 1);
        const next = [...lines];
        if (e.how === 'delete') next.splice(i, 1);
        else if (e.how === 'duplicate') next.splice(i, 0, lines[i]!);
        else if (e.how === 'swap') [next[i], next[j]] = [lines[j]!, lines[i]!];
        else if (e.how === 'blank') next.splice(i, 0, '');
        else next.splice(i, 2, `${lines[i]}${lines[i + 1] ?? ''}`);
        out.set(name, Buffer.from(next.join('\n')));
        notes.push(`lines:${name}:${e.how}@${i + 1}`);
        break;
      }
      case 'value':
      case 'text': {
        const ndjson = name.endsWith('.ndjson');
        const i = ndjson ? lineIndex(e.line) : -1;
        let doc: unknown;
        try {
          doc = JSON.parse(ndjson ? lines[i]! : text);
        } catch {
          notes.push(`${e.kind}:${name}:unparsable`);
          break;
        }
        let written: string;
        if (e.kind === 'value') {
          const paths = pathsOf(doc);
          const path = paths[e.pick % paths.length]!;
          const remove = path.length > 0 && e.how % 9 === 8;
          const next = remove
            ? setAt(doc, path, undefined, true)
            : setAt(doc, path, changeValue(getAt(doc, path), e.how));
          written = JSON.stringify(next);
          notes.push(
            `value:${name}${ndjson ? `:${i + 1}` : ''}:${path.join('.')}${remove ? ' removed' : ''}`,
          );
        } else {
          const t = applyText(doc, e.mutation);
          written = t.text.replace(/\r?\n/g, ndjson ? '' : '\n');
          if (ndjson) written = written.trim();
          notes.push(`text:${name}${ndjson ? `:${i + 1}` : ''}:${t.note}`);
        }
        if (ndjson) {
          const next = [...lines];
          next[i] = written;
          out.set(name, Buffer.from(next.join('\n')));
        } else out.set(name, Buffer.from(written));
        break;
      }
      case 'encoding': {
        let b: Buffer;
        if (e.how === 'bom') b = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), current]);
        else if (e.how === 'crlf') b = Buffer.from(text.replace(/\n/g, '\r\n'));
        else if (e.how === 'trailing-space') b = Buffer.from(text.replace(/\n/g, ' \n'));
        else if (e.how === 'no-final-newline') b = Buffer.from(text.replace(/\n+$/, ''));
        else if (e.how === 'latin1') b = Buffer.from(text, 'latin1');
        else b = Buffer.concat([current, Buffer.from([0])]);
        out.set(name, b);
        notes.push(`encoding:${name}:${e.how}`);
        break;
      }
      case 'file':
        if (e.how === 'delete') out.set(name, null);
        else if (e.how === 'empty') out.set(name, Buffer.alloc(0));
        else if (e.how === 'extra') out.set(`extra-${name}`, current);
        else {
          out.set(name, null);
          directories.push(name);
        }
        notes.push(`file:${name}:${e.how}`);
        break;
    }
  }
  return { files: out, directories, note: notes.join(', ') };
}

/** Parsed values of a record's files (NDJSON: the non-empty lines), or undefined if one does not parse. */
function meaning(
  files: ReadonlyMap<string, Buffer | null>,
  names: readonly string[],
): unknown[] | undefined {
  const out: unknown[] = [];
  for (const name of names) {
    const b = files.get(name);
    if (b === null || b === undefined) return undefined;
    // The verifier reads UTF-8: bytes that are not UTF-8 change the text it sees.
    const text = new TextDecoder('utf-8', { fatal: false }).decode(b);
    try {
      out.push(
        name.endsWith('.ndjson')
          ? text
              .split(/\r?\n/)
              .filter((l) => l.length > 0)
              .map((l) => JSON.parse(l) as unknown)
          : JSON.parse(text),
      );
    } catch {
      return undefined;
    }
  }
  return out;
}

export interface RecordRun {
  readonly index: number;
  readonly note: string;
  readonly exit: number | null;
  readonly signal: string | null;
  readonly seconds: number;
  /** 'same meaning' when every file parses to the original values. */
  readonly sameMeaning: boolean;
  readonly output: string;
}

export interface RecordFuzzReport {
  readonly seed: number;
  readonly runs: number;
  readonly seconds: number;
  readonly exits: Record<string, number>;
  readonly kinds: Record<string, number>;
  /** Exit 0 with every file parsing to the same values: harmless by construction. */
  readonly harmless: { count: number; samples: string[] };
  readonly violations: { index: number; problem: string; note: string; output: string }[];
}

const run = (args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) =>
  new Promise<{ code: number | null; signal: string | null; output: string; timedOut: boolean }>(
    (resolve) => {
      const started = Date.now();
      execFile(
        process.execPath,
        args,
        { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 24 },
        (error, stdout, stderr) => {
          const e = error as
            | (NodeJS.ErrnoException & {
                code?: number | string;
                signal?: string;
                killed?: boolean;
              })
            | null;
          resolve({
            code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
            signal: e?.signal ?? null,
            output: `${stdout}${stderr}`,
            timedOut: e?.killed === true && Date.now() - started >= timeoutMs - 50,
          });
        },
      );
    },
  );

/** Lines that look like a JavaScript stack trace (an unhandled error leaking out). */
const STACK = /^\s+at .+(\(.+:\d+:\d+\)|:\d+:\d+)$/m;

/** The export's audit-log file name (tools/hanpyo tally-commands.ts AUDIT_LOG_FILE). */
const AUDIT_LOG_FILE = 'audit-log.ndjson';

/** Fuzzes `hanpyo verify` over `runs` mutated copies of the record in `recordDir`. */
export async function fuzzRecord(options: {
  readonly recordDir: string;
  readonly hanpyo: string;
  readonly env: NodeJS.ProcessEnv;
  readonly seed: number;
  readonly runs: number;
  readonly timeoutMs: number;
  readonly concurrency?: number;
  readonly progress?: (done: number) => void;
}): Promise<RecordFuzzReport> {
  const started = performance.now();
  // The audit log (`hanpyo election export` writes it beside the record) is an operator's file,
  // not part of the record SPEC §10 defines: `hanpyo verify` does not read it, so mutating it
  // proves nothing about the verifier.
  const names = (await readdir(options.recordDir)).filter((n) => n !== AUDIT_LOG_FILE).sort();
  const files: Files = new Map();
  for (const n of names) files.set(n, await readFile(join(options.recordDir, n)));
  const original = meaning(files, names);
  const arbitrary = recordCase(names.length);
  const exits: Record<string, number> = {};
  const kinds: Record<string, number> = {};
  const harmless = { count: 0, samples: [] as string[] };
  const violations: RecordFuzzReport['violations'] = [];
  const work = await mkdtemp(join(tmpdir(), 'hanpyo-fuzz-record-'));
  let next = 0;
  let done = 0;
  const worker = async (w: number) => {
    for (;;) {
      const index = next++;
      if (index >= options.runs) return;
      const edits = fc.sample(arbitrary, {
        seed: (options.seed * 7919 + index) | 0,
        numRuns: 1,
      })[0]!;
      for (const e of edits) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
      const { files: mutated, directories, note } = applyRecordCase(files, edits);
      const dir = join(work, `r${w}`);
      await rm(dir, { recursive: true, force: true });
      await cp(options.recordDir, dir, { recursive: true });
      for (const [name, b] of mutated) {
        if (b === null) await rm(join(dir, name), { recursive: true, force: true });
        else await writeFile(join(dir, name), b);
      }
      for (const name of directories) await mkdir(join(dir, name), { recursive: true });
      const r = await run(
        [options.hanpyo, 'verify', dir, '--workers', '1'],
        options.env,
        options.timeoutMs,
      );
      const key = r.timedOut
        ? 'timeout'
        : r.signal !== null
          ? `signal ${r.signal}`
          : String(r.code);
      exits[key] = (exits[key] ?? 0) + 1;
      const output = r.output.slice(0, 2000);
      const problem = r.timedOut
        ? 'no exit in time (hang)'
        : r.signal !== null
          ? `killed by ${r.signal}`
          : r.code !== 0 && r.code !== 1 && r.code !== 2
            ? `exit ${r.code}`
            : STACK.test(r.output)
              ? `exit ${r.code} with a stack trace`
              : r.code !== 0 && r.output.trim().length === 0
                ? `exit ${r.code} without a message`
                : undefined;
      if (problem) violations.push({ index, problem, note, output });
      else if (r.code === 0) {
        const after = meaning(mutated, names);
        if (after !== undefined && original !== undefined && sameJson(after, original)) {
          harmless.count++;
          if (harmless.samples.length < 20) harmless.samples.push(note);
        } else
          violations.push({
            index,
            problem: 'exit 0 for a record whose meaning changed',
            note,
            output,
          });
      }
      options.progress?.(++done);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 2 }, (_, w) => worker(w)));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return {
    seed: options.seed,
    runs: options.runs,
    seconds: (performance.now() - started) / 1000,
    exits,
    kinds,
    harmless,
    violations,
  };
}
