// @hanpyo/ledger: SPEC §8 district Merkle logs (RFC 9162 §2.1), blocks, their signatures, and the
// chain and replay checks an observer runs. Pure: runs in Node and in a browser.
export { LedgerError } from './errors.js';
export type { LedgerErrorCode, LedgerFailure, LedgerFailureCode } from './errors.js';
export { compareUtf8 } from './encoding.js';
export {
  HASH_LENGTH,
  MerkleFrontier,
  MerkleLog,
  emptyRoot,
  leafHash,
  merkleRoot,
  nodeHash,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
export type { MerkleAccumulator } from './merkle.js';
export {
  BLOCK_TAG,
  blockHash,
  blockHashBytes,
  blockSignatures,
  signBlock,
  signBlockHash,
  verifyBlockSignatures,
} from './block.js';
export type { BlockSignature, BlockSignatureReport } from './block.js';
export {
  BlockDraft,
  DistrictLogs,
  compareEntries,
  ledgerEntry,
  sortEntries,
} from './district-logs.js';
export type { LedgerEntry } from './district-logs.js';
export { ChainVerifier, cutProblems, verifyChain } from './chain.js';
export type { ChainOptions, CutProblem } from './chain.js';
export { BlockBuilder } from './builder.js';
export type { BlockBuilderOptions, BlockClosing, BuiltBlock } from './builder.js';
export { BlockReplayer } from './replayer.js';
export type { BlockReplayerOptions } from './replayer.js';
export { DEFAULT_PARTITION_SIZING, partitionFor, partitionLayout } from './partitions.js';
export type { PartitionLayout, PartitionRange, PartitionSizing } from './partitions.js';
