// I/O of the observer's checkpoints: one JSON file per election under the state directory,
// replaced atomically (write a temporary file, fsync, rename), so a crash leaves either the
// previous checkpoint or the new one, never half of one.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from './config.js';
import type { ObserverConfig } from './config.js';

@Injectable()
export class CheckpointRepository {
  private readonly dir: string;

  constructor(@Inject(CONFIG) config: ObserverConfig) {
    this.dir = resolve(config.HANPYO_OBSERVER_STATE_DIR);
  }

  private file(electionId: string): string {
    return join(this.dir, `${electionId}.checkpoint.json`);
  }

  /** The saved checkpoint (unvalidated JSON), or undefined when there is none. */
  async load(electionId: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.file(electionId), 'utf8')) as unknown;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Replaces the checkpoint atomically. */
  async save(electionId: string, checkpoint: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.file(electionId);
    const temporary = `${target}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(checkpoint));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  }
}
