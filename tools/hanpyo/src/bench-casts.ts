// What the suite's Kafka and Cassandra benchmarks send: the ballot of the issue (one contest, 5
// options, choose 1, as in `hanpyo bench crypto`), and board messages exactly as the edge writes
// them (services/edge/src/board.repository.ts: key = the 32 raw nullifier bytes, value = UTF-8
// JSON {trackingCode, ballot, token, castSignature}, header hanpyo-district).
import { boardValueText, parseManifest } from '@hanpyo/contracts';
import type { EncryptedBallot } from '@hanpyo/contracts';
import {
  base64url,
  confirmationClaim,
  deterministicRandom,
  electionContext,
  encryptBallot,
  group,
  randomBallotNonces,
  signToken,
  signingKeyFromSeed,
  trackingCode,
} from '@hanpyo/crypto';
import { DISTRICT_HEADER } from '@hanpyo/kafka';

/** A draft manifest of the benchmark ballot for `districts` districts of `votersEach` voters. */
export function benchDraftManifest(
  electionId: string,
  districts: number,
  votersEach: number,
  window: { opens: number; closes: number },
) {
  return {
    spec: 'hanpyo/1',
    electionId,
    title: 'hanpyo bench',
    opens: new Date(window.opens).toISOString(),
    closes: new Date(window.closes).toISOString(),
    revotePolicy: 'last',
    encryptionModes: ['client'],
    commitmentIntervalSeconds: 3600,
    contests: [
      {
        contestId: 'mayor',
        title: 'Mayor',
        options: ['a', 'b', 'c', 'd', 'e'].map((o) => ({ optionId: o, title: o })),
        minSelections: 1,
        maxSelections: 1,
      },
    ],
    ballotStyles: [{ ballotStyleId: 's', contestIds: ['mayor'] }],
    districts: Array.from({ length: districts }, (_, d) => ({
      districtId: `d-${String(d).padStart(3, '0')}`,
      name: `District ${d}`,
      ballotStyleId: 's',
      registeredVoters: votersEach,
    })),
    trustees: { count: 1, threshold: 1 },
  };
}

/** A board message as the edge writes it (kafkajs' message fields, plus the broker's time). */
export interface BenchBoardMessage {
  readonly districtId: string;
  readonly key: Buffer;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** The board message value of one signed cast, as the edge writes it. */
export function boardMessage(
  ballot: EncryptedBallot,
  code: string,
  token: string,
  castSignature: string,
): BenchBoardMessage {
  return {
    districtId: ballot.districtId,
    key: Buffer.from(ballot.nullifier, 'base64url'),
    value: Buffer.from(
      boardValueText({ trackingCode: code, ballot, token, castSignature }),
      'utf8',
    ),
    headers: { [DISTRICT_HEADER]: ballot.districtId },
  };
}

/**
 * `count` board messages of realistic size and shape for a persister benchmark: a few real ballots
 * (encrypted and proved, real tokens with `cnf`, signatures of the right size), each message with its own
 * nullifier and so its own tracking code, so every row is a new row. Their proofs no longer match
 * the changed nullifier; nothing behind the board checks a proof on the write path.
 */
export function syntheticBoardMessages(count: number, districts = 8): BenchBoardMessage[] {
  const rng = deterministicRandom('bench-board');
  const now = Date.now();
  const draft = benchDraftManifest('bench-board', districts, 1_000_000, {
    opens: now - 3_600_000,
    closes: now + 3_600_000,
  });
  const registrar = signingKeyFromSeed('registrar-1', rng.bytes(32));
  const manifest = parseManifest({
    ...draft,
    tokenIssuers: [],
    edgeSigners: [],
    ledgerSigners: [],
    witnesses: [],
  });
  const election = electionContext(manifest, group().mulBase(rng.scalar()));
  const templates = Array.from({ length: Math.min(count, 32) }, (_, i) => {
    const device = signingKeyFromSeed('device', rng.bytes(32));
    const districtId = manifest.districts[i % districts]!.districtId;
    const nullifier = rng.bytes(32);
    const ballot = encryptBallot(
      election,
      { districtId, nullifier },
      { mayor: [['a', 'b', 'c', 'd', 'e'][i % 5]!] },
      randomBallotNonces(rng),
    );
    const token = signToken(
      {
        iss: 'registrar',
        aud: manifest.electionId,
        sub: base64url(nullifier),
        dst: districtId,
        nbf: Math.floor(now / 1000) - 60,
        exp: Math.floor(now / 1000) + 3600,
        jti: `bench-${i}`,
        cnf: confirmationClaim(device.publicKey),
      },
      registrar,
    );
    return { ballot, token };
  });
  return Array.from({ length: count }, (_, i) => {
    const t = templates[i % templates.length]!;
    const ballot: EncryptedBallot = { ...t.ballot, nullifier: base64url(rng.bytes(32)) };
    const code = trackingCode(ballot);
    // A signature's size and shape; nothing on the write path verifies it (the edge did).
    return boardMessage(ballot, code, t.token, base64url(rng.bytes(64)));
  });
}
