// `hanpyo synth`: a complete election record (SPEC §10) made through the real library code, with
// no server: manifest, 3-of-5 ceremony, ballots (some voters vote twice), blocks, and the tally
// decrypted by 3 trustees. Deterministic for a given seed. Our test-data generator and offline demo.
import type {
  BoardEntry,
  CeremonyRecord,
  EncryptedBallot,
  Manifest,
  SignedBlock,
  Tally,
} from '@hanpyo/contracts';
import { parseManifest } from '@hanpyo/contracts';
import {
  IDENTITY,
  base64url,
  combinePartialDecryptions,
  combinePrivateShares,
  commitPolynomial,
  deterministicRandom,
  discreteLog,
  electionContext,
  encryptBallot,
  evaluatePolynomial,
  fromBase64url,
  group,
  jointPublicKey,
  manifestHash,
  partialDecrypt,
  pointFromText,
  pointToText,
  randomBallotNonces,
  randomInt,
  randomPolynomial,
  scalarToText,
  signingKeyFromSeed,
  toHex,
  trackingCode,
  verifyPrivateShare,
} from '@hanpyo/crypto';
import type { ElectionContext, Point, RandomSource, Scalar, SigningKey } from '@hanpyo/crypto';
import {
  BlockBuilder,
  blockSignatures,
  compareUtf8,
  ledgerEntry,
  partitionFor,
  partitionLayout,
} from '@hanpyo/ledger';
import type { PartitionSizing } from '@hanpyo/ledger';
import { countedSet } from './counting.js';

export interface SynthOptions {
  readonly voters: number;
  readonly districts: number;
  readonly policy: 'first' | 'last';
  readonly blocks: number;
  readonly seed: string;
  /** Fraction of voters who cast a second ballot. */
  readonly revoteRate?: number;
  /** Partition sizing; small by default so a synthetic record spans several partitions. */
  readonly sizing?: PartitionSizing;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

/** The files of an election record, as values. */
export interface ElectionRecord {
  readonly manifest: Manifest;
  readonly ceremony: CeremonyRecord;
  readonly ballots: BoardEntry[];
  readonly blocks: SignedBlock[];
  readonly tally: Tally;
}

/** The secrets synth made, for tests that need them (trustee shares, signing keys). */
export interface SynthSecrets {
  readonly secretShares: ReadonlyMap<number, Scalar>;
  readonly ledgerKey: SigningKey;
  readonly witnessKey: SigningKey;
  readonly edgeKey: SigningKey;
}

const START = Date.parse('2026-06-03T00:00:00Z');

/** Ed25519 key pair derived from the seed and a role (test data only). */
function roleKey(rng: RandomSource, keyId: string): SigningKey {
  return signingKeyFromSeed(keyId, rng.bytes(32));
}

/** Builds the manifest: two contests with different limits, two ballot styles, D districts. */
export function synthManifest(
  options: Pick<SynthOptions, 'voters' | 'districts' | 'policy' | 'seed'>,
  keys: {
    registrar: SigningKey;
    edge: SigningKey;
    ledger: SigningKey;
    witness: SigningKey;
  },
): Manifest {
  const districts = Array.from({ length: options.districts }, (_, i) => ({
    districtId: `d-${String(i + 1).padStart(3, '0')}`,
    name: `District ${i + 1}`,
    // Every third district votes for the mayor only: two ballot styles.
    ballotStyleId: i % 3 === 2 ? 'mayor-only' : 'full',
    registeredVoters: Math.ceil((options.voters * 1.25) / options.districts),
  }));
  return parseManifest({
    spec: 'hanpyo/1',
    electionId: `synth-${options.seed}`,
    title: 'Synthetic election 합성 선거',
    opens: new Date(START).toISOString(),
    closes: new Date(START + 12 * 3600_000).toISOString(),
    revotePolicy: options.policy,
    encryptionModes: ['client', 'edge'],
    commitmentIntervalSeconds: 3600,
    contests: [
      {
        contestId: 'mayor',
        title: 'Mayor',
        options: ['kim', 'lee', 'park', 'choi', 'jung'].map((o) => ({ optionId: o, title: o })),
        minSelections: 1,
        maxSelections: 1,
      },
      {
        contestId: 'council',
        title: 'Council',
        options: ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((o) => ({ optionId: o, title: o })),
        minSelections: 0,
        maxSelections: 3,
      },
    ],
    ballotStyles: [
      { ballotStyleId: 'full', contestIds: ['mayor', 'council'] },
      { ballotStyleId: 'mayor-only', contestIds: ['mayor'] },
    ],
    districts,
    trustees: { count: 5, threshold: 3 },
    tokenIssuers: [
      {
        kty: 'OKP',
        crv: 'Ed25519',
        kid: keys.registrar.keyId,
        x: base64url(keys.registrar.publicKey),
      },
    ],
    edgeSigners: [{ keyId: keys.edge.keyId, publicKey: base64url(keys.edge.publicKey) }],
    ledgerSigners: [{ keyId: keys.ledger.keyId, publicKey: base64url(keys.ledger.publicKey) }],
    witnesses: [{ keyId: keys.witness.keyId, publicKey: base64url(keys.witness.publicKey) }],
  });
}

/** Runs a t-of-n ceremony among simulated trustees, with every private share checked. */
export function synthCeremony(
  manifest: Manifest,
  rng: RandomSource,
): { record: CeremonyRecord; secretShares: Map<number, Scalar> } {
  const { count: n, threshold: t } = manifest.trustees;
  const mh = manifestHash(manifest);
  const polynomials = Array.from({ length: n }, () => randomPolynomial(rng, t));
  const trustees = polynomials.map((f, i) =>
    commitPolynomial(
      mh,
      i + 1,
      f,
      f.map(() => rng.scalar()),
    ),
  );
  const secretShares = new Map<number, Scalar>();
  for (let j = 1; j <= n; j++) {
    const received = polynomials.map((f, i) => {
      const share = evaluatePolynomial(f, j);
      // SPEC §3: trustee j checks f_i(j)·G = Σ_k j^k·C_{i,k}.
      if (!verifyPrivateShare(trustees[i]!.commitments, j, share))
        throw new Error(`share ${i + 1}→${j} failed`);
      return share;
    });
    secretShares.set(j, combinePrivateShares(received));
  }
  const K = jointPublicKey({ trustees });
  return { record: { trustees, jointPublicKey: pointToText(K) }, secretShares };
}

/** Random valid selections for the district's ballot style (test data, the demo, load). */
export function randomSelections(
  rng: RandomSource,
  election: ElectionContext,
  districtId: string,
): Record<string, string[]> {
  const style = election.styles.get(election.districts.get(districtId)!.ballotStyleId)!;
  const out: Record<string, string[]> = {};
  for (const contestId of style.contestIds) {
    const contest = election.contests.get(contestId)!;
    const k =
      contest.minSelections + randomInt(rng, contest.maxSelections - contest.minSelections + 1);
    const pool = contest.options.map((o) => o.optionId);
    const chosen: string[] = [];
    for (let i = 0; i < k; i++) chosen.push(pool.splice(randomInt(rng, pool.length), 1)[0]!);
    out[contestId] = chosen;
  }
  return out;
}

/** Generates the whole record. */
export function synthesize(options: SynthOptions): {
  record: ElectionRecord;
  secrets: SynthSecrets;
} {
  const rng = deterministicRandom(options.seed);
  const progress = options.onProgress ?? (() => undefined);
  const keys = {
    registrar: roleKey(rng, 'registrar-1'),
    edge: roleKey(rng, 'edge-1'),
    ledger: roleKey(rng, 'ledger-1'),
    witness: roleKey(rng, 'observer-1'),
  };
  const manifest = synthManifest(options, keys);
  const { record: ceremony, secretShares } = synthCeremony(manifest, rng);
  const election = electionContext(manifest, pointFromText(ceremony.jointPublicKey));
  const layout = partitionLayout(
    manifest,
    options.sizing ?? {
      votersPerPartition: Math.max(1, Math.ceil(options.voters / 4)),
      maxPartitions: 64,
    },
  );

  // Voters cast in a random interleaving; a share of them cast again later (SPEC §6 keeps both).
  const nonces = randomBallotNonces(rng);
  const voters = Array.from({ length: options.voters }, (_, i) => ({
    districtId: manifest.districts[i % manifest.districts.length]!.districtId,
    nullifier: rng.bytes(32),
  }));
  const casts: number[] = voters.map((_, i) => i);
  const revotes = Math.floor(options.voters * (options.revoteRate ?? 0.1));
  for (let i = 0; i < revotes; i++) casts.push(randomInt(rng, options.voters));
  const nextOffset = new Array<number>(layout.partitionCount).fill(0);
  const ballots: BoardEntry[] = [];
  casts.forEach((voterIndex, n) => {
    const voter = voters[voterIndex]!;
    const ballot: EncryptedBallot = encryptBallot(
      election,
      voter,
      randomSelections(rng, election, voter.districtId),
      nonces,
    );
    const partition = partitionFor(layout, voter.districtId, voter.nullifier);
    const receivedAt = new Date(
      START + 60_000 + Math.floor((n * 11 * 3600_000) / casts.length),
    ).toISOString();
    ballots.push({
      partition,
      offset: nextOffset[partition]!++,
      receivedAt,
      trackingCode: trackingCode(ballot),
      ballot,
    });
    if (n % 64 === 0) progress('ballots', n, casts.length);
  });
  progress('ballots', casts.length, casts.length);
  // SPEC §10: ballots.ndjson is in board order, (partition, offset).
  ballots.sort((a, b) => a.partition - b.partition || a.offset - b.offset);

  // B cuts: block h takes each partition up to ⌈h/B⌉ of its length; the last one is final.
  const cutPoints = Array.from({ length: options.blocks }, (_, h) =>
    nextOffset.map((end) => Math.ceil((end * (h + 1)) / options.blocks)),
  );
  const builder = new BlockBuilder({ manifest, genesisHash: toHex(election.Q) });
  const entries = ballots.map(ledgerEntry);
  const blocks: SignedBlock[] = cutPoints.map((endOffsets, h) => {
    const cuts = builder.nextCuts(endOffsets);
    const inside = entries.filter((e) => {
      const cut = cuts[e.partition]!;
      return e.offset >= cut.fromOffset && e.offset < cut.toOffset;
    });
    const closedAt = new Date(
      START + ((h + 1) * 12 * 3600_000) / options.blocks + 1000,
    ).toISOString();
    const { block } = builder.buildBlock(cuts, inside, {
      closedAt,
      final: h === options.blocks - 1,
    });
    // The ledger signs; the observer cosigns after its own replay (here: the same process).
    return { block, signatures: blockSignatures(block, [keys.ledger, keys.witness]) };
  });
  progress('blocks', blocks.length, blocks.length);

  const tally = synthTally(election, ballots, secretShares, ceremony, rng, [1, 3, 5]);
  progress('tally', 1, 1);
  return {
    record: { manifest, ceremony, ballots, blocks, tally },
    secrets: { secretShares, ledgerKey: keys.ledger, witnessKey: keys.witness, edgeKey: keys.edge },
  };
}

/** The tally (SPEC §9): counted set, aggregates, partial decryptions by `trusteesUsed`, counts. */
export function synthTally(
  election: ElectionContext,
  ballots: readonly BoardEntry[],
  secretShares: ReadonlyMap<number, Scalar>,
  _ceremony: CeremonyRecord,
  rng: RandomSource,
  trusteesUsed: number[],
): Tally {
  const g = group();
  const counted = countedSet(
    election.manifest.revotePolicy,
    ballots.map((b) => ({
      nullifier: b.ballot.nullifier,
      partition: b.partition,
      offset: b.offset,
      valid: true,
    })),
  );
  const sums = new Map<string, { A: Point; B: Point }>();
  const countedPerDistrict = new Map<string, number>();
  for (const index of counted) {
    const { ballot } = ballots[index]!;
    countedPerDistrict.set(ballot.districtId, (countedPerDistrict.get(ballot.districtId) ?? 0) + 1);
    for (const contest of ballot.contests) {
      for (const sel of contest.selections) {
        const key = `${ballot.districtId}\u0000${contest.contestId}\u0000${sel.optionId}`;
        const s = sums.get(key) ?? { A: IDENTITY, B: IDENTITY };
        sums.set(key, {
          A: g.add(s.A, fromBase64url(sel.alpha, 32)),
          B: g.add(s.B, fromBase64url(sel.beta, 32)),
        });
      }
    }
  }
  const districts = [...election.manifest.districts]
    .sort((a, b) => compareUtf8(a.districtId, b.districtId))
    .map((d) => {
      const style = election.styles.get(d.ballotStyleId)!;
      return {
        districtId: d.districtId,
        counted: countedPerDistrict.get(d.districtId) ?? 0,
        contests: style.contestIds.map((contestId) => ({
          contestId,
          options: election.contests.get(contestId)!.options.map((o) => {
            const { A, B } = sums.get(`${d.districtId}\u0000${contestId}\u0000${o.optionId}`) ?? {
              A: IDENTITY,
              B: IDENTITY,
            };
            const shares = trusteesUsed.map((i) =>
              partialDecrypt(election.Q, i, secretShares.get(i)!, A, rng.scalar()),
            );
            const M = combinePartialDecryptions(B, shares);
            return {
              optionId: o.optionId,
              A: pointToText(A),
              B: pointToText(B),
              shares: shares.map((s) => ({
                trustee: s.trustee,
                D: pointToText(s.D),
                c: scalarToText(s.c),
                z: scalarToText(s.z),
              })),
              count: discreteLog(M, d.registeredVoters),
            };
          }),
        })),
      };
    });
  return { trusteesUsed, districts };
}
