// A worker thread of the edge's crypto pool (a @hanpyo/worker-pool task module): the elliptic-curve
// work of a request, off the event loop. `check` verifies a ballot's proofs (SPEC §5); `encrypt`
// encrypts and proves a voter's selections (edge mode). Nonces are drawn here, from the platform
// CSPRNG of this thread, so no nonce ever crosses a thread boundary or leaves the worker. Failures
// come back as `{error: {code, message}}` (an Error's own properties do not survive the copy).
import type { EncryptedBallot, PlaintextSelections } from '@hanpyo/contracts';
import {
  CryptoError,
  checkBallot,
  encryptBallot,
  randomBallotNonces,
  systemRandom,
} from '@hanpyo/crypto';
import type { BallotIssue, ElectionContext } from '@hanpyo/crypto';
import { initFastestBackend } from '@hanpyo/crypto-native';
import { ContextCache, electionOf } from '@hanpyo/worker-pool';
import type { ElectionTask } from '@hanpyo/worker-pool';

/** A failure of the work itself: a coded error, mapped to the API by the main thread. */
export interface TaskError {
  readonly error: { readonly code: string; readonly message: string };
}

await initFastestBackend();
const contexts = new ContextCache<ElectionContext>();

const contextOf = (e: ElectionTask) => contexts.get(e.key, () => electionOf(e).election);

/** The issues of a parsed ballot (SPEC §5 proofs and structure); none when it is valid. */
export function check(task: { election: ElectionTask; ballot: EncryptedBallot }): BallotIssue[] {
  return checkBallot(contextOf(task.election), task.ballot);
}

/** Edge mode: the selections encrypted and proved for the token's voter, with fresh nonces. */
export function encrypt(task: {
  election: ElectionTask;
  voter: { districtId: string; nullifier: Uint8Array };
  selections: PlaintextSelections;
}): { ballot: EncryptedBallot } | TaskError {
  try {
    return {
      ballot: encryptBallot(
        contextOf(task.election),
        task.voter,
        task.selections,
        randomBallotNonces(systemRandom),
      ),
    };
  } catch (e) {
    if (e instanceof CryptoError) return { error: { code: e.code, message: e.message } };
    throw e;
  }
}
