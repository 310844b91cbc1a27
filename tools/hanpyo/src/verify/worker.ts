// Worker thread of `hanpyo verify`: holds the election context and the authorization rules, and
// answers batches of lines.
import { parentPort, workerData } from 'node:worker_threads';
import { parseManifest } from '@hanpyo/contracts';
import { electionContext, pointFromText } from '@hanpyo/crypto';
import { NativeEd25519 } from '@hanpyo/crypto-native';
import { authorizationContext } from '@hanpyo/counting';
import { checkEntryLine, sumCounted } from './entries.js';
import { initFastest } from '../backend.js';

/** Messages from the main thread. */
export type WorkerRequest =
  | { kind: 'check'; id: number; firstLine: number; texts: string[] }
  | { kind: 'sum'; id: number; texts: string[]; counted: boolean[] };

const data = workerData as { manifest: unknown; jointPublicKey: string; backend?: string };
await initFastest(data.backend);
const manifest = parseManifest(data.manifest);
const election = electionContext(manifest, pointFromText(data.jointPublicKey));
// Ed25519 (tokens, cast signatures) through node:crypto: the same RFC 8032 rules as the reference
// verifier (differentially tested in @hanpyo/crypto-native), much faster.
const authorization = authorizationContext(manifest, { verify: new NativeEd25519().verify });

parentPort!.on('message', (req: WorkerRequest) => {
  switch (req.kind) {
    case 'check':
      parentPort!.postMessage({
        id: req.id,
        summaries: req.texts.map((t, i) =>
          checkEntryLine(election, authorization, t, req.firstLine + i),
        ),
      });
      break;
    case 'sum':
      parentPort!.postMessage({ id: req.id, sums: sumCounted(req.texts, req.counted) });
      break;
  }
});
