// The bytes one ballot costs on the wire and on disk, measured by encoding real ones with the
// project's own libraries (@hanpyo/crypto, @hanpyo/contracts), exactly as the edge writes them:
// the cast request (SPEC §5 ballot and cast signature; the token in the Authorization header), the
// board message (services/edge/src/board.repository.ts: key = the 32 raw nullifier bytes, value =
// @hanpyo/contracts boardValueText, UTF-8) and the signed receipt (SPEC §7).
// Deterministic: a fixed seed and fixed times, so the capacity document reproduces byte for byte.
import { boardValueText, parseManifest } from '@hanpyo/contracts';
import {
  base64url,
  confirmationClaim,
  deterministicRandom,
  electionContext,
  encryptBallot,
  group,
  randomBallotNonces,
  signCast,
  signReceipt,
  signToken,
  signingKeyFromSeed,
  trackingCode,
} from '@hanpyo/crypto';

/** Fixed times (seconds) of the encoded tokens: sizes must not depend on when the script runs. */
const NOW = 1_800_000_000;

/**
 * @typedef {object} BallotShape
 * @property {string} name        what the shape is, for the document
 * @property {number} contests    contests on the ballot
 * @property {number} options     options of each contest (choose 1)
 */

/** The benchmark's ballot (bench-casts.ts, `hanpyo bench crypto`): one contest, 5 options, choose 1. */
export const BENCH_BALLOT = Object.freeze({
  name: 'the benchmark ballot: 1 contest of 5 options',
  contests: 1,
  options: 5,
});

/**
 * A Korean local-election ballot, for the sensitivity row: governor, mayor, superintendent,
 * provincial and municipal council (district and proportional) — 7 contests, 6 options each.
 */
export const LOCAL_ELECTION_BALLOT = Object.freeze({
  name: 'a local-election ballot: 7 contests of 6 options',
  contests: 7,
  options: 6,
});

/** Realistic identifier lengths (a national election id, a 6-character district code). */
const ELECTION_ID = 'kr-2027-local-01';
const districtIdOf = (i) => `d${String(i).padStart(5, '0')}`;

/**
 * Encodes `samples` signed casts of `shape` and returns the mean byte sizes of what travels and
 * what is stored per ballot.
 * @param {BallotShape} shape
 * @param {number} [samples]
 */
export function encodedSizes(shape, samples = 4) {
  const rng = deterministicRandom(`capacity-${shape.contests}x${shape.options}`);
  const optionIds = Array.from({ length: shape.options }, (_, o) => `o${o + 1}`);
  const contestIds = Array.from({ length: shape.contests }, (_, c) => `contest-${c + 1}`);
  const manifest = parseManifest({
    spec: 'hanpyo/1',
    electionId: ELECTION_ID,
    title: 'capacity model',
    opens: new Date(NOW * 1000 - 3_600_000).toISOString(),
    closes: new Date(NOW * 1000 + 3_600_000).toISOString(),
    revotePolicy: 'last',
    encryptionModes: ['client', 'edge'],
    commitmentIntervalSeconds: 3600,
    contests: contestIds.map((contestId) => ({
      contestId,
      title: contestId,
      options: optionIds.map((optionId) => ({ optionId, title: optionId })),
      minSelections: 1,
      maxSelections: 1,
    })),
    ballotStyles: [{ ballotStyleId: 's', contestIds }],
    districts: [0, 1].map((i) => ({
      districtId: districtIdOf(i),
      name: `District ${i}`,
      ballotStyleId: 's',
      registeredVoters: 100_000,
    })),
    trustees: { count: 1, threshold: 1 },
    tokenIssuers: [],
    edgeSigners: [],
    ledgerSigners: [],
    witnesses: [],
  });
  const election = electionContext(manifest, group().mulBase(rng.scalar()));
  const registrar = signingKeyFromSeed('registrar-1', rng.bytes(32));
  const edge = signingKeyFromSeed('edge-1', rng.bytes(32));
  const sum = {
    ballotJson: 0,
    token: 0,
    castSignature: 0,
    trackingCode: 0,
    castBody: 0,
    boardKey: 0,
    boardValue: 0,
    receipt: 0,
  };
  for (let i = 0; i < samples; i++) {
    const device = signingKeyFromSeed('device', rng.bytes(32));
    const districtId = districtIdOf(i % 2);
    const nullifier = rng.bytes(32);
    const selections = Object.fromEntries(
      contestIds.map((c, k) => [c, [optionIds[(i + k) % shape.options]]]),
    );
    const ballot = encryptBallot(
      election,
      { districtId, nullifier },
      selections,
      randomBallotNonces(rng),
    );
    const token = signToken(
      {
        iss: 'registrar',
        aud: ELECTION_ID,
        sub: base64url(nullifier),
        dst: districtId,
        nbf: NOW - 60,
        exp: NOW + 3600,
        jti: `t-${String(i).padStart(12, '0')}`,
        cnf: confirmationClaim(device.publicKey),
      },
      registrar,
    );
    const code = trackingCode(ballot);
    const castSignature = signCast(device, ELECTION_ID, code);
    const receipt = signReceipt(
      {
        electionId: ELECTION_ID,
        districtId,
        trackingCode: code,
        partition: 123,
        offset: 123_456,
        receivedAt: new Date(NOW * 1000).toISOString(),
      },
      edge,
    );
    sum.ballotJson += Buffer.byteLength(JSON.stringify(ballot));
    sum.token += Buffer.byteLength(token);
    sum.castSignature += Buffer.byteLength(castSignature);
    sum.trackingCode += Buffer.byteLength(code);
    sum.castBody += Buffer.byteLength(JSON.stringify({ ballot, castSignature }));
    sum.boardKey += nullifier.length;
    sum.boardValue += Buffer.byteLength(
      boardValueText({ trackingCode: code, ballot, token, castSignature }),
    );
    sum.receipt += Buffer.byteLength(JSON.stringify({ receipt }));
  }
  const mean = Object.fromEntries(
    Object.entries(sum).map(([k, v]) => [k, Math.round(v / samples)]),
  );
  return Object.freeze({
    shape: shape.name,
    contests: shape.contests,
    options: shape.options,
    electionIdBytes: ELECTION_ID.length,
    districtIdBytes: districtIdOf(0).length,
    .../** @type {Record<keyof typeof sum, number>} */ (mean),
  });
}
