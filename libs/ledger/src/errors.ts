// Two kinds of outcome, kept apart on purpose (STYLE.md §7, §8):
// - LedgerError is thrown when a caller hands the ledger something it must not build from (a size
//   beyond the log, an entry outside the block's cuts). The ledger service treats it as a bug.
// - LedgerFailure is reported, never thrown, by the verifying side (chain checks, replay, block
//   signatures): an observer lists every failure of a record, each with the block height it is at.

/** Stable codes of the errors the ledger throws at a caller. */
export type LedgerErrorCode =
  | 'SIZE_INVALID'
  | 'HASH_LENGTH'
  | 'DISTRICTS_INVALID'
  | 'CUTS_INVALID'
  | 'CHAIN_FINAL'
  | 'DRAFT_STALE'
  | 'ENTRY_OUT_OF_RANGE'
  | 'ENTRY_ORDER'
  | 'ENTRY_DISTRICT'
  | 'ENTRY_TRACKING_CODE';

/** A typed, coded error thrown by the ledger builders. */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Stable codes of the failures a verifier reports about blocks (SPEC §8, §10). `*_UNPARSEABLE`
 * codes mean the input could not be read at all; every other code means it was read and is wrong.
 */
export type LedgerFailureCode =
  | 'BLOCK_UNPARSEABLE'
  | 'BLOCK_SPEC'
  | 'BLOCK_ELECTION'
  | 'BLOCK_HEIGHT'
  | 'BLOCK_PREV_HASH'
  | 'BLOCK_CUTS'
  | 'BLOCK_FINAL'
  | 'BLOCK_DISTRICTS'
  | 'BLOCK_TREE_SIZE'
  | 'BLOCK_ROOT'
  | 'BLOCK_BALLOT_COUNT'
  | 'BLOCK_ENTRIES'
  | 'BLOCK_HASH'
  | 'KEY_UNPARSEABLE'
  | 'SIGNATURE_UNPARSEABLE'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_UNKNOWN_KEY'
  | 'SIGNATURE_DUPLICATE'
  | 'SIGNATURE_LEDGER_MISSING';

/** One verification failure and where it is: the block height, and a district/partition/key. */
export interface LedgerFailure {
  readonly height: number;
  readonly code: LedgerFailureCode;
  readonly message: string;
  readonly districtId?: string;
  readonly partition?: number;
  readonly keyId?: string;
}
