// Reading the record's files for `hanpyo verify`: JSON documents, and NDJSON in batches of lines.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ContractError } from '@hanpyo/contracts';
import { UnreadableRecord } from '../failures.js';
import type { Failures } from './collect.js';

/** Lines per batch sent to a worker. */
export const BATCH = 128;

/** A JSON file of the record; UnreadableRecord when it is missing or not JSON. */
export async function readJson(dir: string, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (e) {
    throw new UnreadableRecord(
      `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UnreadableRecord(`${file}: not JSON`);
  }
}

/** Records every issue of a contract error (or the error itself) as a failure. */
export function contractFailures(failures: Failures, code: string, file: string, e: unknown): void {
  if (e instanceof ContractError)
    for (const i of e.issues) failures.add(code, { file, path: i.path }, i.message);
  else failures.add(code, { file }, String(e));
}

/** Non-empty lines of an NDJSON file in batches, each with the line number of its first line. */
export async function* lineBatches(
  path: string,
): AsyncGenerator<{ firstLine: number; texts: string[] }> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let texts: string[] = [];
  let line = 0;
  let first = 1;
  for await (const text of rl) {
    line++;
    if (text.length === 0) continue; // a trailing newline, or blank lines: not entries
    if (texts.length === 0) first = line;
    texts.push(text);
    if (texts.length >= BATCH) {
      yield { firstLine: first, texts };
      texts = [];
    }
  }
  if (texts.length > 0) yield { firstLine: first, texts };
}
