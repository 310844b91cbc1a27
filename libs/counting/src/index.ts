// @hanpyo/counting: SPEC §6 (authorized entries) and §9 (counted set, aggregates), once. Pure: runs
// in Node and in a browser. Every service, command and test that decides what counts calls it.
export {
  REFUSAL_RULES,
  authorizationContext,
  authorizeEntry,
  castRefusal,
  checkToken,
  receiptRefusals,
  tokenTimeRefusal,
  voterRefusal,
  windowRefusal,
} from './authorization.js';
export type {
  Authorization,
  AuthorizationContext,
  CheckedToken,
  AuthorizedVoter,
  Ed25519Verify,
  Refusal,
  RefusalRule,
} from './authorization.js';
export { ballotRefusals, judgeEntry } from './entry.js';
export type { EntryVerdict } from './entry.js';
export { CountedSet, countingOrder } from './counted-set.js';
export type { DistrictConflict, Offer, RevotePolicy } from './counted-set.js';
export { countedEntries } from './count.js';
export { CountingPass } from './counting-pass.js';
export type { CountingPassOptions } from './counting-pass.js';
export type { JudgedEntry } from './count.js';
export { Aggregates } from './aggregates.js';
export type {
  CountedBallot,
  DistrictAggregate,
  OptionAggregate,
  PartialAggregates,
} from './aggregates.js';
