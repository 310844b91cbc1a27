// `hanpyo synth` on the command line: progress on a terminal, a summary on stdout.
import { initFastest } from './backend.js';
import { terminalProgress } from './progress.js';
import { writeRecord } from './record-io.js';
import { synthesize } from './synth.js';

export interface SynthCommand {
  readonly out: string;
  readonly voters: number;
  readonly districts: number;
  readonly policy: 'first' | 'last';
  readonly blocks: number;
  readonly seed: string;
}

export async function runSynth(cmd: SynthCommand): Promise<number> {
  const backend = await initFastest();
  const progress = terminalProgress();
  const started = performance.now();
  const { record } = synthesize({ ...cmd, onProgress: (s, d, t) => progress.update(s, d, t) });
  await writeRecord(cmd.out, record);
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `wrote ${cmd.out}: ${record.ballots.length} ballots from ${cmd.voters} voters in ${cmd.districts} districts, ` +
      `${record.blocks.length} blocks, tally by trustees ${record.tally.trusteesUsed.join(',')} ` +
      `(${seconds.toFixed(1)} s, ${backend.name} backend)\n`,
  );
  return 0;
}
