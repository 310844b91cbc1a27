// A worker thread of the observer's ballot-check pool: holds each election's context (manifest
// and joint key K, checked once by the main thread) and answers batches of board messages.
import { parentPort } from 'node:worker_threads';
import { parseManifest } from '@hanpyo/contracts';
import { electionContext, pointFromText } from '@hanpyo/crypto';
import { NativeEd25519, initFastestBackend } from '@hanpyo/crypto-native';
import { authorizationContext } from '@hanpyo/counting';
import { checkBoardRecord } from './entry-check.js';
import type { BoardRecord, EntryRules } from './entry-check.js';

/** Messages from the main thread. */
export type WorkerRequest =
  | {
      kind: 'election';
      id: number;
      electionId: string;
      manifest: unknown;
      jointPublicKey: string;
      /** Only ballots of these districts are checked (an observer following chosen districts). */
      districts?: string[];
    }
  | { kind: 'check'; id: number; electionId: string; records: BoardRecord[] };

await initFastestBackend();
const ed25519 = new NativeEd25519();
const elections = new Map<string, { rules: EntryRules; skip: ReadonlySet<string> | undefined }>();

parentPort!.on('message', (req: WorkerRequest) => {
  switch (req.kind) {
    case 'election': {
      const manifest = parseManifest(req.manifest);
      const followed = req.districts ? new Set(req.districts) : undefined;
      elections.set(req.electionId, {
        rules: {
          election: electionContext(manifest, pointFromText(req.jointPublicKey)),
          authorization: authorizationContext(manifest, { verify: ed25519.verify }),
        },
        skip: followed
          ? new Set(manifest.districts.map((d) => d.districtId).filter((id) => !followed.has(id)))
          : undefined,
      });
      parentPort!.postMessage({ id: req.id });
      break;
    }
    case 'check': {
      const election = elections.get(req.electionId);
      if (!election) {
        parentPort!.postMessage({ id: req.id, error: `unknown election ${req.electionId}` });
        break;
      }
      parentPort!.postMessage({
        id: req.id,
        entries: req.records.map((r) => checkBoardRecord(election.rules, r, election.skip)),
      });
      break;
    }
  }
});
