// @hanpyo/crypto: SPEC §1, §3, §5, §7, §9. Pure: runs in Node and in a browser.
export { CryptoError } from './errors.js';
export type { CryptoErrorCode } from './errors.js';
export {
  base64url,
  bytesEqual,
  concatBytes,
  fromBase64url,
  fromHex,
  toHex,
  utf8,
} from './bytes.js';
export { canonicalize, jcs } from './jcs.js';
export { H, Hs, frame, hashFunctions, nobleHashes, sha256, useHashFunctions } from './hash.js';
export type { HashFunctions, HashPart } from './hash.js';
export {
  L,
  invert,
  mod,
  scalarFromBytes,
  scalarFromText,
  scalarFromWideBytes,
  scalarToBytes,
  scalarToText,
  systemRandom,
} from './scalar.js';
export type { RandomSource, Scalar } from './scalar.js';
export {
  G,
  IDENTITY,
  VARTIME_MAX_BASES,
  addPoints,
  decodePoint,
  group,
  initCrypto,
  isIdentity,
  loadSodiumBackend,
  nobleBackend,
  pointFromText,
  pointToText,
  smallMulBase,
  sumPoints,
  useBackend,
  withBackend,
} from './group.js';
export type { CombinationBase, GroupBackend, Point, PreparedPoint } from './group.js';
export {
  ED25519_SMALL_ORDER,
  generateSigningKey,
  isEd25519PublicKey,
  nobleEd25519KeyCheck,
  useEd25519KeyCheck,
  sign,
  signatureFromText,
  signatureToText,
  signingKeyFromSeed,
  nobleSign,
  nobleVerifySignature,
  useEd25519Sign,
  useEd25519Verify,
  verifySignature,
} from './signature.js';
export type { SigningKey } from './signature.js';
export { electionBaseHash, electionContext, manifestHash, manifestHashHex } from './election.js';
export type { ElectionContext } from './election.js';
export { proveRange, randomRangeNonces, verifyRange } from './proofs.js';
export type { ProofStatement, RangeNonces, RangeProof } from './proofs.js';
export {
  assertBallotValid,
  checkBallot,
  encryptBallot,
  randomBallotNonces,
  selectionVector,
  trackingCode,
} from './ballot.js';
export type { BallotIssue, BallotNonceSource, BallotVoter, SelectionNonces } from './ballot.js';
export {
  checkCeremony,
  combinePrivateShares,
  commitPolynomial,
  committedValue,
  evaluatePolynomial,
  jointPublicKey,
  publicShare,
  randomPolynomial,
  verifyPrivateShare,
} from './ceremony.js';
export type { CeremonyIssue, Polynomial, TrusteeCommitments } from './ceremony.js';
export {
  combinePartialDecryptions,
  discreteLog,
  lagrangeCoefficient,
  partialDecrypt,
  verifyPartialDecryption,
} from './tally.js';
export type { PartialDecryption } from './tally.js';
export { receiptDigest, signReceipt, verifyReceipt } from './receipt.js';
export { deterministicRandom, randomInt } from './drbg.js';
export {
  MAX_TOKEN_LENGTH,
  TOKEN_SKEW_SECONDS,
  TokenError,
  confirmationClaim,
  deviceKeyOf,
  signToken,
  tokenTimeProblem,
  verifyToken,
} from './token.js';
export type { TokenErrorCode, TokenPolicy, VerifiedToken } from './token.js';
export { castDigest, castSignatureProblem, signCast } from './cast.js';
export type { CastSignatureProblem } from './cast.js';
export { rollChainNext, rollChainStart } from './roll.js';
