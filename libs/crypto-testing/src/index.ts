// @hanpyo/crypto-testing: the conformance suites every group backend of @hanpyo/crypto must pass,
// registered with node:test and parameterized by a backend loader, so libs/crypto (noble, sodium)
// and libs/crypto-native (native) run the same checks. Node only; for tests, never shipped code.
export { BACKEND_PROFILES, loadBackendUnderTest } from './backend.js';
export type {
  BackendLoader,
  BackendProfile,
  BackendUnderTest,
  UnavailableBackend,
} from './backend.js';
export { describeDifferentialConformance } from './differential.js';
export { describeEdgeCaseConformance } from './edge-cases.js';
export { assertCommitmentsReproduce, vectorNonceSource } from './published.js';
export type {
  PublishedBranch,
  PublishedCeremony,
  PublishedNonceLookup,
  PublishedNonces,
  PublishedTrustee,
} from './published.js';
export { describeRfc9496Conformance } from './rfc9496.js';
export { SPEC_VECTORS_URL, describeSpecVectorConformance, specVectors } from './spec-vectors.js';
export type { SpecVectors } from './spec-vectors.js';
export { describeSumConformance, referenceSum } from './sum.js';
export { describeVartimeConformance, referenceCombination } from './vartime.js';
export { FIXTURE_ISSUER, fixtureEntry, fixtureManifest, fixtureVoter } from './board-fixture.js';
export type { FixtureVoter } from './board-fixture.js';
