// A small election for unit tests of the counting rules and their users (the counting pass, the
// registrar's tally worker): a one-contest manifest whose token issuer is a fixed key, and board
// entries cast by voters with their own device keys — authorized as SPEC §6 asks unless told not to
// be. For tests only.
import { parseManifest } from '@hanpyo/contracts';
import type { BoardEntry, Manifest } from '@hanpyo/contracts';
import {
  base64url,
  confirmationClaim,
  encryptBallot,
  randomBallotNonces,
  signCast,
  signToken,
  signingKeyFromSeed,
  trackingCode,
} from '@hanpyo/crypto';
import type { ElectionContext, RandomSource, SigningKey } from '@hanpyo/crypto';

/** The issuer of the fixture's tokens (its manifest's only `tokenIssuers` key). */
export const FIXTURE_ISSUER: SigningKey = signingKeyFromSeed('reg-1', new Uint8Array(32).fill(1));

/**
 * A manifest with one choose-one contest `mayor` over `options`, one ballot style, `districts` of
 * 10 voters each, voting on 2026-06-03 from 00:00 to 12:00 UTC, tokens by FIXTURE_ISSUER.
 */
export function fixtureManifest(options: {
  readonly electionId: string;
  readonly options?: readonly string[];
  readonly districts?: readonly string[];
  readonly revotePolicy?: 'first' | 'last';
}): Manifest {
  return parseManifest({
    spec: 'hanpyo/1',
    electionId: options.electionId,
    title: options.electionId,
    opens: '2026-06-03T00:00:00Z',
    closes: '2026-06-03T12:00:00Z',
    revotePolicy: options.revotePolicy ?? 'last',
    encryptionModes: ['client'],
    commitmentIntervalSeconds: 3600,
    contests: [
      {
        contestId: 'mayor',
        title: 'Mayor',
        options: (options.options ?? ['a', 'b']).map((optionId) => ({ optionId, title: optionId })),
        minSelections: 1,
        maxSelections: 1,
      },
    ],
    ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor'] }],
    districts: (options.districts ?? ['d1']).map((d) => ({
      districtId: d,
      name: d,
      ballotStyleId: 's',
      registeredVoters: 10,
    })),
    trustees: { count: 1, threshold: 1 },
    tokenIssuers: [
      { kty: 'OKP', crv: 'Ed25519', kid: 'reg-1', x: base64url(FIXTURE_ISSUER.publicKey) },
    ],
    edgeSigners: [],
    ledgerSigners: [],
    witnesses: [],
  });
}

/** A voter of the fixture: a nullifier and a device key. */
export interface FixtureVoter {
  readonly nullifier: Uint8Array;
  readonly device: SigningKey;
}

/** A new voter drawn from `rng`. */
export function fixtureVoter(rng: RandomSource): FixtureVoter {
  return { nullifier: rng.bytes(32), device: signingKeyFromSeed('d', rng.bytes(32)) };
}

/**
 * The board entry of `voter`'s cast of `choice` (for `mayor`) in `districtId`, at `partition` and
 * `offset`, received at 01:00 unless `at` says otherwise: a token for the voter valid for the whole
 * window (omitted with `token: false`), the cast signed by the voter's device (or by `signedBy`).
 */
export function fixtureEntry(
  election: ElectionContext,
  rng: RandomSource,
  voter: FixtureVoter,
  cast: {
    readonly districtId: string;
    readonly choice: string;
    readonly partition?: number;
    readonly offset: number;
    readonly at?: string;
    readonly token?: boolean;
    readonly signedBy?: SigningKey;
  },
): BoardEntry {
  const { manifest } = election;
  const ballot = encryptBallot(
    election,
    { districtId: cast.districtId, nullifier: voter.nullifier },
    { mayor: [cast.choice] },
    randomBallotNonces(rng),
  );
  const code = trackingCode(ballot);
  const token = signToken(
    {
      iss: 'r',
      aud: manifest.electionId,
      sub: base64url(voter.nullifier),
      dst: cast.districtId,
      nbf: Date.parse(manifest.opens) / 1000,
      exp: Date.parse(manifest.closes) / 1000,
      jti: `j${cast.offset}`,
      cnf: confirmationClaim(voter.device.publicKey),
    },
    FIXTURE_ISSUER,
  );
  return {
    partition: cast.partition ?? 0,
    offset: cast.offset,
    receivedAt: cast.at ?? '2026-06-03T01:00:00.000Z',
    trackingCode: code,
    ballot,
    ...(cast.token === false ? {} : { token }),
    castSignature: signCast(cast.signedBy ?? voter.device, manifest.electionId, code),
  };
}
