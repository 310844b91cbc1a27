// How the edge's refusals become API errors with stable codes (the statuses live in service-kit's
// one table). Pure: each mapping is unit-tested.
import type { BallotIssue } from '@hanpyo/crypto';
import type { Refusal } from '@hanpyo/counting';
import { classifyKafkaError } from '@hanpyo/kafka';
import { ApiError } from '@hanpyo/service-kit';
import type { ApiErrorCode } from '@hanpyo/service-kit';
import { BoardWriterError } from './board-writer.js';

/**
 * A SPEC §6 refusal (@hanpyo/counting) → the API error a voter's app gets. A token that is
 * unparseable, signed by an unknown key, forged, or names a district that is not in the election is
 * simply not a valid token for this election (401 TOKEN_INVALID); the other codes are the refusal's
 * own. `afterWrite`: the entry is already on the board (it will never be counted) — the broker
 * received it outside the window in which the token and the election accept it.
 */
export function refusalError(refusal: Refusal, afterWrite = false): ApiError {
  if (afterWrite) {
    return new ApiError(
      'RECEIVED_OUTSIDE_WINDOW',
      `the board received this ballot outside its voting window (${refusal.code}): it will not be counted, and there is no receipt`,
    );
  }
  switch (refusal.code) {
    case 'TOKEN_MALFORMED':
    case 'TOKEN_UNKNOWN_KEY':
    case 'TOKEN_SIGNATURE':
    case 'TOKEN_DISTRICT':
      return new ApiError('TOKEN_INVALID', refusal.message);
    case 'TOKEN_MISSING':
    case 'TOKEN_EXPIRED':
    case 'TOKEN_NOT_YET_VALID':
    case 'TOKEN_AUDIENCE':
    case 'TOKEN_CNF':
    case 'DISTRICT_MISMATCH':
    case 'VOTER_MISMATCH':
    case 'CAST_SIGNATURE_MISSING':
    case 'CAST_SIGNATURE_MALFORMED':
    case 'CAST_SIGNATURE_INVALID':
      return new ApiError(refusal.code, refusal.message);
    case 'RECEIVED_BEFORE_OPENS':
    case 'RECEIVED_AFTER_CLOSES':
      return new ApiError('RECEIVED_OUTSIDE_WINDOW', refusal.message);
    default:
      // A rule the edge checks before writing never yields anything else; say so if one does.
      return new ApiError('INTERNAL', `unexpected refusal ${refusal.rule}/${refusal.code}`);
  }
}

const ENCODING_CODES = new Set<BallotIssue['code']>([
  'BASE64URL_INVALID',
  'HEX_INVALID',
  'LENGTH_INVALID',
  'POINT_INVALID',
  'POINT_IDENTITY',
  'SCALAR_NONCANONICAL',
]);

/**
 * `checkBallot` issues → one API error. An unparseable ballot (bad encoding, wrong structure) is
 * reported before an invalid one (a proof that does not verify), as STYLE.md §8 asks; the message
 * names where the first such issue is and how many there are.
 */
export function ballotError(issues: readonly BallotIssue[]): ApiError {
  const first = issues.find((i) => i.code !== 'PROOF_INVALID') ?? issues[0];
  if (!first) throw new RangeError('ballotError needs at least one issue');
  const code: ApiErrorCode =
    first.code === 'PROOF_INVALID'
      ? 'PROOF_INVALID'
      : ENCODING_CODES.has(first.code)
        ? 'ENCODING_INVALID'
        : 'BALLOT_INVALID';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue(s))` : '';
  return new ApiError(code, `${first.path}: ${first.message}${more}`);
}

/**
 * A failed board write → 503 with Retry-After when waiting can help (queue full, broker
 * unavailable or slow, shutting down); anything else is INTERNAL (the caller logs it).
 */
export function boardError(e: unknown): ApiError {
  if (e instanceof BoardWriterError) {
    switch (e.code) {
      case 'QUEUE_FULL':
        return new ApiError('OVERLOADED', 'the edge is at capacity; retry shortly');
      case 'CLOSED':
        return new ApiError('UNAVAILABLE', 'the edge is shutting down; retry');
      case 'TIMEOUT':
        return new ApiError(
          'UNAVAILABLE',
          'the board did not acknowledge the ballot in time; retry shortly',
        );
      case 'ACK_MISSING':
        // The broker answered without this ballot's partition: whether it was written is unknown,
        // and no receipt was issued. Casting again is safe (a re-vote of the same ballot).
        return new ApiError(
          'UNAVAILABLE',
          'the board did not acknowledge the ballot; retry shortly',
        );
    }
  }
  const kafka = classifyKafkaError(e);
  return kafka.retriable
    ? new ApiError('UNAVAILABLE', 'the board is unavailable; retry shortly')
    : new ApiError('INTERNAL', 'the board refused the write');
}
