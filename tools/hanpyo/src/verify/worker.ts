// A worker thread of `hanpyo verify` (a @hanpyo/worker-pool task module): holds the election
// context and the authorization rules, given once as workerData, and answers batches of lines.
import { workerData } from 'node:worker_threads';
import { parseManifest } from '@hanpyo/contracts';
import { electionContext, pointFromText } from '@hanpyo/crypto';
import type { PartialAggregates } from '@hanpyo/counting';
import { authorizationContext } from '@hanpyo/counting';
import { checkEntryLine, sumCounted } from './entries.js';
import { initFastest } from '../backend.js';

const data = workerData as { manifest: unknown; jointPublicKey: string; backend?: string };
await initFastest(data.backend);
const manifest = parseManifest(data.manifest);
const election = electionContext(manifest, pointFromText(data.jointPublicKey));
// Ed25519 (tokens, cast signatures) by verifySignature, natively once initFastest installed the
// addon's implementation of its rule (@hanpyo/crypto-native signature-cases.ts).
const authorization = authorizationContext(manifest);

/** Judges lines of ballots.ndjson, numbered from `firstLine`. */
export function check(task: { firstLine: number; texts: string[] }) {
  return task.texts.map((t, i) => checkEntryLine(election, authorization, t, task.firstLine + i));
}

/** The aggregates of the counted lines among `texts`. */
export function sum(task: { texts: string[]; counted: boolean[] }): PartialAggregates {
  return sumCounted(task.texts, task.counted);
}
