// An election made through the `hanpyo` commands of a local stack, as an operator makes one:
// created from its manifest, its key ceremony run locally and registered, and optionally its roll
// synthesized and the election opened.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalStack } from './stack.js';

export async function setUpElection(
  local: LocalStack,
  manifest: { electionId: string } & Record<string, unknown>,
  options: { roll?: number; open?: boolean } = {},
): Promise<void> {
  const id = manifest.electionId;
  const file = join(local.state, `${id}.manifest.json`);
  await writeFile(file, JSON.stringify(manifest));
  await local.cli('election', 'create', '--manifest', file);
  const ceremony = join(local.state, `${id}.ceremony`);
  await local.cli('ceremony', 'local', '--election', id, '--out', ceremony);
  await local.cli('election', 'ceremony', id, '--record', join(ceremony, 'ceremony.json'));
  if (options.roll !== undefined)
    await local.cli('roll', 'synth', '--election', id, '--count', String(options.roll));
  if (options.open) await local.cli('election', 'open', id);
}
