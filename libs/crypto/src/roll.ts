// The integrity of a roll import: a hash chain over its batches, computed alike by the importer
// (over the file, before it uploads anything) and by the registrar (over what it received). The
// import commits only when both agree, so the stored roll is the file that was checked.
import type { RollVoterRow } from '@hanpyo/contracts';
import { fromHex, toHex } from './bytes.js';
import { H } from './hash.js';
import { jcs } from './jcs.js';

/** The chain before any batch: H("hanpyo/1/roll", electionId). */
export function rollChainStart(electionId: string): string {
  return toHex(H('hanpyo/1/roll', electionId));
}

/** The chain after one more batch: H("hanpyo/1/roll-batch", previous, from, JCS(rows)). */
export function rollChainNext(
  previous: string,
  from: number,
  voters: readonly RollVoterRow[],
): string {
  return toHex(
    H(
      'hanpyo/1/roll-batch',
      fromHex(previous, 32),
      from,
      jcs(voters.map((v) => ({ voterId: v.voterId, districtId: v.districtId }))),
    ),
  );
}
