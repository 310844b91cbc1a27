// A worker thread of `hanpyo verify` (a @hanpyo/worker-pool task module): holds the election
// context and the authorization rules, given once as workerData, and answers batches of lines.
import { workerData } from 'node:worker_threads';
import { parseManifest } from '@hanpyo/contracts';
import { electionContext, pointFromText } from '@hanpyo/crypto';
import type { PartialAggregates } from '@hanpyo/counting';
import { NativeEd25519 } from '@hanpyo/crypto-native';
import { authorizationContext } from '@hanpyo/counting';
import { checkEntryLine, sumCounted } from './entries.js';
import { initFastest } from '../backend.js';

const data = workerData as { manifest: unknown; jointPublicKey: string; backend?: string };
await initFastest(data.backend);
const manifest = parseManifest(data.manifest);
const election = electionContext(manifest, pointFromText(data.jointPublicKey));
// Ed25519 (tokens, cast signatures) through node:crypto: the same RFC 8032 rules as the reference
// verifier (differentially tested in @hanpyo/crypto-native), much faster.
const authorization = authorizationContext(manifest, { verify: new NativeEd25519().verify });

/** Judges lines of ballots.ndjson, numbered from `firstLine`. */
export function check(task: { firstLine: number; texts: string[] }) {
  return task.texts.map((t, i) => checkEntryLine(election, authorization, t, task.firstLine + i));
}

/** The aggregates of the counted lines among `texts`. */
export function sum(task: { texts: string[]; counted: boolean[] }): PartialAggregates {
  return sumCounted(task.texts, task.counted);
}
