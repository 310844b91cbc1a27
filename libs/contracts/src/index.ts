// @hanpyo/contracts: one definition of every document the services and tools exchange.
export { ContractError, jsonPath, parseWith } from './validation.js';
export type { ContractIssue } from './validation.js';
export {
  b64u32,
  b64u64,
  count,
  hex32,
  identifier,
  instant,
  parseDecimal,
  proofSchema,
} from './primitives.js';
export type { Proof } from './primitives.js';
export { ed25519Jwk, manifestSchema, parseManifest } from './manifest.js';
export type {
  BallotStyle,
  Contest,
  District,
  Ed25519Jwk,
  Manifest,
  SignerKey,
} from './manifest.js';
export {
  BOARD_VALUE_MEMBERS,
  MAX_TOKEN_LENGTH,
  boardEntrySchema,
  boardValueText,
  confirmationSchema,
  decodeBoardMessage,
  encryptedBallotSchema,
  parseBoardEntry,
  parseConfirmation,
  parseEncryptedBallot,
  parsePlaintextSelections,
  parseReceipt,
  parseTokenClaims,
  plaintextSelectionsSchema,
  receiptSchema,
  tokenClaimsSchema,
} from './ballot.js';
export type {
  BoardEntry,
  BoardMessageProblem,
  Confirmation,
  DecodedBoardMessage,
  EncryptedBallot,
  EncryptedContest,
  EncryptedSelection,
  PlaintextSelections,
  Receipt,
  TokenClaims,
  UnsignedReceipt,
} from './ballot.js';
export {
  blockSchema,
  blockSignaturesSchema,
  ceremonySchema,
  parseCeremony,
  parseBlock,
  parseSignedBlock,
  parseTally,
  signedBlockSchema,
  tallySchema,
} from './record.js';
export type {
  Block,
  BlockSignatures,
  CeremonyRecord,
  Cut,
  DecryptionShare,
  DistrictHead,
  SignedBlock,
  Tally,
  TallyDistrict,
  TallyOption,
} from './record.js';
export {
  ROLL_BATCH_MAX,
  parseRollBatch,
  parseRollVoter,
  rollBatchSchema,
  rollVoterSchema,
  voterId,
} from './roll.js';
export type { RollBatch, RollVoterRow } from './roll.js';
