// A worker thread of the observer's ballot-check pool (a @hanpyo/worker-pool task module): builds
// each election's rules once (manifest and joint key K, checked by the main thread) and checks
// batches of board messages against them.
import { initFastestBackend } from '@hanpyo/crypto-native';
import { authorizationContext } from '@hanpyo/counting';
import { ContextCache, electionOf } from '@hanpyo/worker-pool';
import type { ElectionTask } from '@hanpyo/worker-pool';
import { checkBoardRecord } from './entry-check.js';
import type { BoardRecord, CheckedEntry, EntryRules } from './entry-check.js';

await initFastestBackend();
const elections = new ContextCache<{ rules: EntryRules; skip: ReadonlySet<string> | undefined }>();

/** Checks board messages of one election, in order. */
export function check(task: { election: ElectionTask; records: BoardRecord[] }): CheckedEntry[] {
  const { election: e } = task;
  const { rules, skip } = elections.get(e.key, () => {
    const { manifest, election } = electionOf(e);
    // Only ballots of the followed districts are checked (an observer following chosen districts).
    const followed = e.districts ? new Set(e.districts) : undefined;
    return {
      rules: {
        election,
        authorization: authorizationContext(manifest),
      },
      skip: followed
        ? new Set(manifest.districts.map((d) => d.districtId).filter((id) => !followed.has(id)))
        : undefined,
    };
  });
  return task.records.map((r) => checkBoardRecord(rules, r, skip));
}
