// Reading and writing the SPEC §10 record directory.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { ElectionRecord } from './synth.js';

export const RECORD_FILES = {
  manifest: 'manifest.json',
  ceremony: 'ceremony.json',
  ballots: 'ballots.ndjson',
  blocks: 'blocks.ndjson',
  tally: 'tally.json',
} as const;

/** Writes a record; ndjson files are streamed so large records need no giant string. */
export async function writeRecord(dir: string, record: ElectionRecord): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, RECORD_FILES.manifest),
    `${JSON.stringify(record.manifest, null, 2)}\n`,
  );
  await writeFile(
    join(dir, RECORD_FILES.ceremony),
    `${JSON.stringify(record.ceremony, null, 2)}\n`,
  );
  await writeLines(join(dir, RECORD_FILES.ballots), record.ballots);
  await writeLines(join(dir, RECORD_FILES.blocks), record.blocks);
  await writeFile(join(dir, RECORD_FILES.tally), `${JSON.stringify(record.tally, null, 2)}\n`);
}

async function writeLines(path: string, values: readonly unknown[]): Promise<void> {
  const out = createWriteStream(path);
  for (const v of values) {
    if (!out.write(`${JSON.stringify(v)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
