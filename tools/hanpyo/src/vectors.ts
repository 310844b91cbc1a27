// `hanpyo vectors --out DIR`: deterministic test vectors (fixed seeds) for every SPEC construction,
// in the shape of ../shared/vectors/spec-v1.json (nonces given by role), so that another
// implementation can check itself against ours. Regenerating must give identical bytes; a test
// compares the committed docs/vectors with a fresh run.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EncryptedBallot } from '@hanpyo/contracts';
import {
  H,
  Hs,
  L,
  base64url,
  canonicalize,
  castDigest,
  confirmationClaim,
  combinePartialDecryptions,
  deterministicRandom,
  discreteLog,
  electionContext,
  encryptBallot,
  evaluatePolynomial,
  fromBase64url,
  group,
  lagrangeCoefficient,
  manifestHashHex,
  partialDecrypt,
  pointFromText,
  pointToText,
  randomRangeNonces,
  receiptDigest,
  scalarToText,
  signCast,
  signReceipt,
  signToken,
  signingKeyFromSeed,
  toHex,
  trackingCode,
} from '@hanpyo/crypto';
import type { BallotNonceSource, RandomSource, Scalar } from '@hanpyo/crypto';
import { BlockBuilder, MerkleLog, blockSignatures } from '@hanpyo/ledger';
import { initFastest } from './backend.js';
import { synthCeremony, synthManifest } from './synth.js';

const SEED = 'hanpyo-vectors-v1';

/** Nonces recorded by role while a ballot is encrypted, for publication beside it. */
function recordingNonces(rng: RandomSource) {
  const recorded: {
    selections: Record<string, Record<string, unknown>>;
    limits: Record<string, unknown>;
  } = { selections: {}, limits: {} };
  const simulatedText = (m: ReadonlyMap<number, { c: Scalar; z: Scalar }>) =>
    Object.fromEntries(
      [...m].map(([v, s]) => [String(v), { c: scalarToText(s.c), z: scalarToText(s.z) }]),
    );
  const source: BallotNonceSource = {
    selection(contestId, optionId, m) {
      const r = rng.scalar();
      const n = randomRangeNonces(rng, m, 0, 1);
      (recorded.selections[contestId] ??= {})[optionId] = {
        r: scalarToText(r),
        w: scalarToText(n.w),
        simulated: simulatedText(n.simulated),
      };
      return { r, ...n };
    },
    limit(contestId, total, lo, hi) {
      const n = randomRangeNonces(rng, total, lo, hi);
      recorded.limits[contestId] = { w: scalarToText(n.w), simulated: simulatedText(n.simulated) };
      return n;
    },
  };
  return { source, recorded };
}

/** Builds every vector from the fixed seed. */
export function buildVectors(): Record<string, unknown> {
  const rng = deterministicRandom(SEED);
  const seeds = {
    registrar: rng.bytes(32),
    edge: rng.bytes(32),
    ledger: rng.bytes(32),
    observer: rng.bytes(32),
  };
  const keys = {
    registrar: signingKeyFromSeed('registrar-1', seeds.registrar),
    edge: signingKeyFromSeed('edge-1', seeds.edge),
    ledger: signingKeyFromSeed('ledger-1', seeds.ledger),
    witness: signingKeyFromSeed('observer-1', seeds.observer),
  };
  const manifest = synthManifest(
    { voters: 8, districts: 3, policy: 'last', seed: 'vectors' },
    keys,
  );

  // SPEC §3, with the secret coefficients and proof nonces published (test keys only).
  const ceremonyRng = deterministicRandom(`${SEED}/ceremony`);
  const { record: ceremony, secretShares } = synthCeremony(manifest, ceremonyRng);
  const replay = deterministicRandom(`${SEED}/ceremony`);
  const t = manifest.trustees.threshold;
  const coefficients = ceremony.trustees.map(() =>
    Array.from({ length: t }, () => replay.scalar()),
  );
  const pokNonces = coefficients.map((f) => f.map(() => replay.scalar()));
  const election = electionContext(manifest, pointFromText(ceremony.jointPublicKey));

  // SPEC §5: a two-contest ballot (limits 1..1 and 0..3) and a one-contest ballot.
  const specs: { districtId: string; choice: Record<string, string[]> }[] = [
    { districtId: 'd-001', choice: { mayor: ['park'], council: ['c2', 'c5'] } },
    { districtId: 'd-003', choice: { mayor: ['kim'] } },
    { districtId: 'd-002', choice: { mayor: ['jung'], council: [] } },
  ];
  const ballots = specs.map(({ districtId, choice }) => {
    const nullifier = rng.bytes(32);
    const { source, recorded } = recordingNonces(rng);
    const ballot = encryptBallot(election, { districtId, nullifier }, choice, source);
    return { choice, nonces: recorded, ballot, trackingCode: trackingCode(ballot) };
  });

  // SPEC revision 2 (§4–§6): a device key, a cnf-bound token for ballot 0's voter, the cast
  // digest and signature, the authorized board entry, and one refused entry per rule.
  const device = signingKeyFromSeed('device', rng.bytes(32));
  const stranger = signingKeyFromSeed('device', rng.bytes(32));
  const forger = signingKeyFromSeed(keys.registrar.keyId, rng.bytes(32));
  const first = ballots[0]!;
  const claims = {
    iss: 'registrar',
    aud: manifest.electionId,
    sub: first.ballot.nullifier,
    dst: first.ballot.districtId,
    nbf: Date.parse(manifest.opens) / 1000,
    exp: Date.parse(manifest.closes) / 1000 + 3600,
    jti: 'vector-token-1',
    cnf: confirmationClaim(device.publicKey),
  };
  const token = signToken(claims, keys.registrar);
  const castSignature = signCast(device, manifest.electionId, first.trackingCode);
  const authorizedEntry = {
    partition: 0,
    offset: 0,
    receivedAt: '2026-06-03T01:00:00.000Z',
    trackingCode: first.trackingCode,
    ballot: first.ballot,
    token,
    castSignature,
  };
  const refused = (why: string, rule: string, code: string, entry: object) => ({
    why,
    rule,
    code,
    entry: { ...authorizedEntry, ...entry },
  });
  const { token: _t, castSignature: _c, ...unsignedEntry } = authorizedEntry;
  const revision2 = {
    deviceSeedHex: toHex(device.seed),
    token,
    claims,
    castDigest: toHex(castDigest(manifest.electionId, first.trackingCode)),
    castSignature,
    authorizedEntry,
    refusedEntries: [
      { why: 'no token, no signature', rule: 'token', code: 'TOKEN_MISSING', entry: unsignedEntry },
      refused('cast signed by another key', 'cast-signature', 'CAST_SIGNATURE_INVALID', {
        castSignature: signCast(stranger, manifest.electionId, first.trackingCode),
      }),
      refused('token signed by a key that is not the issuer', 'token', 'TOKEN_SIGNATURE', {
        token: signToken(claims, forger),
      }),
      refused('token of another voter', 'token', 'VOTER_MISMATCH', {
        token: signToken({ ...claims, sub: ballots[1]!.ballot.nullifier }, keys.registrar),
      }),
      refused('token of another district of the election', 'token', 'DISTRICT_MISMATCH', {
        token: signToken({ ...claims, dst: 'd-002' }, keys.registrar),
      }),
      refused('token without cnf', 'token', 'TOKEN_CNF', {
        token: signToken({ ...claims, cnf: undefined }, keys.registrar),
      }),
      refused(
        'stated tracking code is not the ballot’s',
        'tracking-code',
        'TRACKING_CODE_MISMATCH',
        {
          trackingCode: ballots[1]!.trackingCode,
          castSignature: signCast(device, manifest.electionId, ballots[1]!.trackingCode),
        },
      ),
      refused('received after closes', 'window', 'RECEIVED_AFTER_CLOSES', {
        receivedAt: new Date(Date.parse(manifest.closes) + 1).toISOString(),
      }),
      refused('received more than 30 s after the token expired', 'token', 'TOKEN_EXPIRED', {
        token: signToken(
          { ...claims, exp: Date.parse('2026-06-03T00:30:00Z') / 1000 },
          keys.registrar,
        ),
      }),
    ],
    invalidDeviceKeys: [
      { x: base64url(new Uint8Array(32)), why: 'small order (order 4)' },
      {
        x: base64url(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))),
        why: 'the identity',
      },
      {
        x: base64url(
          Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xed : i === 31 ? 0x7f : 0xff)),
        ),
        why: 'y = p, not canonical',
      },
    ],
  };

  // SPEC §7.
  const receipt = signReceipt(
    {
      electionId: manifest.electionId,
      districtId: 'd-001',
      trackingCode: ballots[0]!.trackingCode,
      partition: 0,
      offset: 0,
      receivedAt: '2026-06-03T01:00:00.000Z',
    },
    keys.edge,
  );
  const { signature: _s, ...unsigned } = receipt;

  // SPEC §8: two blocks over the three ballots, ledger-signed and cosigned.
  const builder = new BlockBuilder({ manifest, genesisHash: toHex(election.Q) });
  const entries = ballots.map((b, i) => ({
    partition: 0,
    offset: i,
    trackingCode: b.trackingCode,
    districtId: b.ballot.districtId,
  }));
  const blocks = [
    builder.buildBlock(builder.nextCuts([2]), entries.slice(0, 2), {
      closedAt: '2026-06-03T01:00:00.000Z',
      final: false,
    }),
    builder.buildBlock(builder.nextCuts([3]), entries.slice(2), {
      closedAt: '2026-06-03T12:00:01.000Z',
      final: true,
    }),
  ].map(({ block, blockHash }) => ({
    block,
    blockHash,
    signatures: blockSignatures(block, [keys.ledger, keys.witness]),
  }));

  // RFC 9162 over the tracking codes of district d-001's log, with proofs.
  const log = new MerkleLog();
  const leaves = Array.from({ length: 7 }, (_, i) => H('hanpyo/1/example', 'leaf', i));
  for (const leaf of leaves) log.append(leaf);
  const merkle = {
    leaves: leaves.map(toHex),
    roots: leaves.map((_, i) => toHex(log.root(i + 1))),
    inclusion: leaves.map((_, i) => ({
      index: i,
      treeSize: 7,
      proof: log.inclusionProof(i, 7).map(toHex),
    })),
    consistency: [1, 2, 3, 4, 5, 6].map((m) => ({
      fromSize: m,
      toSize: 7,
      proof: log.consistencyProof(m, 7).map(toHex),
    })),
  };

  // SPEC §9: decrypt the sum of ballots 0 and 2's `mayor`/`park` and `jung` options by trustees 2, 4, 5.
  const g = group();
  const sel = (b: EncryptedBallot, optionId: string) =>
    b.contests[0]!.selections.find((s) => s.optionId === optionId)!;
  const A = g.add(
    fromBase64url(sel(ballots[0]!.ballot, 'park').alpha, 32),
    fromBase64url(sel(ballots[2]!.ballot, 'park').alpha, 32),
  );
  const B = g.add(
    fromBase64url(sel(ballots[0]!.ballot, 'park').beta, 32),
    fromBase64url(sel(ballots[2]!.ballot, 'park').beta, 32),
  );
  const trusteesUsed = [2, 4, 5];
  const shares = trusteesUsed.map((i) => {
    const nonce = rng.scalar();
    const p = partialDecrypt(election.Q, i, secretShares.get(i)!, A, nonce);
    return {
      trustee: i,
      nonce: scalarToText(nonce),
      D: pointToText(p.D),
      c: scalarToText(p.c),
      z: scalarToText(p.z),
    };
  });
  const M = combinePartialDecryptions(
    B,
    shares.map((s) => ({ trustee: s.trustee, D: pointFromText(s.D) })),
  );

  const dlogCount = 7_654_321;
  return {
    spec: 'hanpyo/1',
    about:
      'Deterministic vectors from the Hanpyo implementation (hanpyo vectors, seed "hanpyo-vectors-v1"), same conventions as spec-v1.json: ' +
      'scalars 32-byte little-endian base64url, points ristretto255 base64url, ids hex; every nonce is given by its role. Test keys only.',
    vectors: {
      hash: [
        {
          tag: 'hanpyo/1/example',
          parts: [{ utf8: '한 표' }, { u64: 0 }, { hex: 'ff' }],
          H: toHex(H('hanpyo/1/example', '한 표', 0, Uint8Array.of(0xff))),
          Hs: scalarToText(Hs('hanpyo/1/example', '한 표', 0, Uint8Array.of(0xff))),
        },
        {
          tag: 'hanpyo/1/example',
          parts: [],
          H: toHex(H('hanpyo/1/example')),
          Hs: scalarToText(Hs('hanpyo/1/example')),
        },
      ],
      jcs: [
        {
          input: { b: [1, 2.5, -0, 1e21], a: { z: null, y: '\u0000\u001f"\\' }, '\u00e9': true },
          output: canonicalize({
            b: [1, 2.5, -0, 1e21],
            a: { z: null, y: '\u0000\u001f"\\' },
            '\u00e9': true,
          }),
        },
      ],
      manifest: {
        manifest,
        manifestHash: manifestHashHex(manifest),
        ed25519SeedsHex: Object.fromEntries(Object.entries(seeds).map(([k, v]) => [k, toHex(v)])),
      },
      ceremony: {
        trustees: ceremony.trustees.map((tr, i) => ({
          ...tr,
          coefficients: coefficients[i]!.map(scalarToText),
          pokNonces: pokNonces[i]!.map(scalarToText),
        })),
        jointPublicKey: ceremony.jointPublicKey,
        privateShares: Object.fromEntries(
          coefficients.flatMap((f, i) =>
            Array.from({ length: manifest.trustees.count }, (_, j) => [
              `${i + 1}->${j + 1}`,
              scalarToText(evaluatePolynomial(f, j + 1)),
            ]),
          ),
        ),
        secretShares: Object.fromEntries(
          [...secretShares].map(([j, s]) => [String(j), scalarToText(s)]),
        ),
        publicShares: Object.fromEntries(
          [...secretShares.keys()].map((j) => [
            String(j),
            pointToText(g.mulBase(secretShares.get(j)!)),
          ]),
        ),
        Q: toHex(election.Q),
      },
      ballots,
      receipt: { receipt, signedDigest: toHex(receiptDigest(unsigned)) },
      revision2,
      blocks,
      merkle,
      decryption: {
        A: pointToText(A),
        B: pointToText(B),
        trusteesUsed,
        lagrange: Object.fromEntries(
          trusteesUsed.map((i) => [String(i), scalarToText(lagrangeCoefficient(i, trusteesUsed))]),
        ),
        shares,
        count: discreteLog(M, 100),
      },
      dlog: { M: pointToText(g.mulBase(BigInt(dlogCount))), max: 10_000_000, count: dlogCount },
      invalid: {
        points: [
          {
            text: base64url(new Uint8Array(32).fill(0xff)),
            code: 'POINT_INVALID',
            why: 'non-canonical field element',
          },
          {
            text: base64url(Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))),
            code: 'POINT_INVALID',
            why: 'negative field element',
          },
          {
            text: base64url(new Uint8Array(32)),
            code: 'POINT_IDENTITY',
            why: 'identity where a non-identity point is required (alpha)',
          },
          {
            text: `${base64url(g.mulBase(2n)).slice(0, 42)}B`,
            code: 'BASE64URL_INVALID',
            why: 'non-zero trailing bits in base64url',
          },
        ],
        scalars: [
          { text: base64url(littleEndian32(L)), code: 'SCALAR_NONCANONICAL', why: 'ℓ itself' },
          { text: base64url(littleEndian32(L + 1n)), code: 'SCALAR_NONCANONICAL', why: 'ℓ + 1' },
          {
            text: base64url(new Uint8Array(32).fill(0xff)),
            code: 'SCALAR_NONCANONICAL',
            why: '2^256 − 1',
          },
          { text: base64url(new Uint8Array(31)), code: 'LENGTH_INVALID', why: '31 bytes' },
        ],
      },
    },
  };
}

/** 32-byte little-endian bytes of any value below 2^256 (ℓ included, unlike scalarToBytes). */
function littleEndian32(x: bigint): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));
}

export async function runVectors(out: string): Promise<number> {
  await initFastest();
  await mkdir(out, { recursive: true });
  const path = join(out, 'hanpyo-v1.json');
  await writeFile(path, `${JSON.stringify(buildVectors(), null, 2)}\n`);
  process.stdout.write(`wrote ${path}\n`);
  return 0;
}
