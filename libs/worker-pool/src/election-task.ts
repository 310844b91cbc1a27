// How a task names its election to a worker thread: the manifest as JSON text, the joint key K and,
// for an observer following some districts, those districts; `key` is a digest of all of it, so a
// thread builds what it derives from them once (ContextCache) and never confuses two elections.
import { createHash } from 'node:crypto';
import { parseManifest } from '@hanpyo/contracts';
import type { Manifest } from '@hanpyo/contracts';
import { electionContext, pointFromText } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';

/** An election as every task carries it (a few KiB, copied with each task). */
export interface ElectionTask {
  readonly key: string;
  /** The manifest, as JSON text. */
  readonly manifest: string;
  readonly jointPublicKey: string;
  /** Only these districts (an observer following chosen districts); absent: all. */
  readonly districts?: readonly string[];
}

/** The task form of an election whose manifest and K the caller has already checked. */
export function electionTask(
  manifest: unknown,
  jointPublicKey: string,
  districts?: readonly string[],
): ElectionTask {
  const text = JSON.stringify(manifest);
  const key = createHash('sha256')
    .update(JSON.stringify([text, jointPublicKey, districts ?? null]))
    .digest('base64url');
  return {
    key,
    manifest: text,
    jointPublicKey,
    ...(districts ? { districts: [...districts] } : {}),
  };
}

/** In a worker thread: the task's manifest and election context (build it once, by `key`). */
export function electionOf(task: ElectionTask): { manifest: Manifest; election: ElectionContext } {
  const manifest = parseManifest(JSON.parse(task.manifest));
  return { manifest, election: electionContext(manifest, pointFromText(task.jointPublicKey)) };
}
