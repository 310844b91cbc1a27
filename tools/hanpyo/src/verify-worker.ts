// Worker thread of `hanpyo verify`: holds the election context, answers batches of lines.
import { parentPort, workerData } from 'node:worker_threads';
import { parseManifest } from '@hanpyo/contracts';
import { electionContext, pointFromText } from '@hanpyo/crypto';
import { checkEntryLine, sumCounted } from './ballot-check.js';
import { initFastest } from './backend.js';

/** Messages from the main thread. */
export type WorkerRequest =
  | { kind: 'check'; id: number; firstLine: number; texts: string[] }
  | { kind: 'sum'; id: number; texts: string[]; counted: boolean[] };

const data = workerData as { manifest: unknown; jointPublicKey: string; backend?: string };
await initFastest(data.backend);
const election = electionContext(parseManifest(data.manifest), pointFromText(data.jointPublicKey));

parentPort!.on('message', (req: WorkerRequest) => {
  switch (req.kind) {
    case 'check':
      parentPort!.postMessage({
        id: req.id,
        summaries: req.texts.map((t, i) => checkEntryLine(election, t, req.firstLine + i)),
      });
      break;
    case 'sum':
      parentPort!.postMessage({ id: req.id, sums: sumCounted(req.texts, req.counted) });
      break;
  }
});
