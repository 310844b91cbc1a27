// A worker thread of `hanpyo loadgen prepare` (a @hanpyo/worker-pool task module): the lines of a
// chunk of voters, each voter's selections drawn here from the platform CSPRNG. A client-mode
// voter's line carries the exact body of its cast, encrypted, proved and signed by its device key
// (signedClientCast, as `hanpyo cast` makes it), so a load tool only sends it; an edge-mode voter's
// line carries the selections and the device secret the tool needs to sign after the edge encrypts.
import { fromBase64url, systemRandom } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';
import { initFastestBackend, nativeSigner, nativeSigningKey } from '@hanpyo/crypto-native';
import { ContextCache, electionOf } from '@hanpyo/worker-pool';
import type { ElectionTask } from '@hanpyo/worker-pool';
import { signedClientCast } from './cast.js';
import { randomSelections } from './synth.js';

await initFastestBackend();
const contexts = new ContextCache<ElectionContext>();

/** A voter of a chunk: its roll entry, token and device secret, and which mode it votes in. */
export interface LoadgenVoter {
  readonly voterId: string;
  readonly districtId: string;
  readonly token: string;
  readonly deviceSecret: string;
  readonly mode: 'client' | 'edge';
}

/** The lines (JSON text, no newline) of the chunk's client-mode and edge-mode voters. */
export function lines(task: { election: ElectionTask; voters: readonly LoadgenVoter[] }): {
  client: string[];
  edge: string[];
} {
  const election = contexts.get(task.election.key, () => electionOf(task.election).election);
  const client: string[] = [];
  const edge: string[] = [];
  for (const v of task.voters) {
    const selections = randomSelections(systemRandom, election, v.districtId);
    if (v.mode === 'edge') {
      edge.push(
        JSON.stringify({
          voterId: v.voterId,
          districtId: v.districtId,
          token: v.token,
          deviceSecret: v.deviceSecret,
          selections,
        }),
      );
      continue;
    }
    const device = nativeSigner(nativeSigningKey('device', fromBase64url(v.deviceSecret, 32)));
    const cast = signedClientCast(election, v, selections, device);
    client.push(
      JSON.stringify({
        voterId: v.voterId,
        districtId: v.districtId,
        trackingCode: cast.trackingCode,
        token: v.token,
        body: JSON.stringify({ ballot: cast.ballot, castSignature: cast.castSignature }),
      }),
    );
  }
  return { client, edge };
}
