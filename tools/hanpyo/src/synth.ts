// `hanpyo synth`: a complete revision-2 election record (SPEC §10) made through the real library
// code, with no server: manifest, 3-of-5 ceremony, cnf-bound tokens and signed casts (some voters
// vote twice), refused entries of every kind someone able to write to Kafka could add (no token, a
// copied token signed by another key, a forged token, a token for another voter, a re-signed ballot
// with a broken proof, a late cast), blocks, and the tally decrypted by 3 trustees — counted by
// @hanpyo/counting. Deterministic for a given seed. Our test-data generator and offline demo.
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
  base64url,
  combinePartialDecryptions,
  combinePrivateShares,
  commitPolynomial,
  confirmationClaim,
  deterministicRandom,
  discreteLog,
  electionContext,
  encryptBallot,
  evaluatePolynomial,
  jointPublicKey,
  manifestHash,
  partialDecrypt,
  pointFromText,
  pointToText,
  randomBallotNonces,
  randomInt,
  randomPolynomial,
  scalarFromText,
  scalarToText,
  signCast,
  signToken,
  signingKeyFromSeed,
  toHex,
  trackingCode,
  verifyPrivateShare,
} from '@hanpyo/crypto';
import type { ElectionContext, RandomSource, Scalar, SigningKey } from '@hanpyo/crypto';
import { CountingPass } from '@hanpyo/counting';
import {
  BlockBuilder,
  blockSignatures,
  ledgerEntry,
  partitionFor,
  partitionLayout,
} from '@hanpyo/ledger';
import type { PartitionSizing } from '@hanpyo/ledger';

export interface SynthOptions {
  readonly voters: number;
  readonly districts: number;
  readonly policy: 'first' | 'last';
  readonly blocks: number;
  readonly seed: string;
  /** Fraction of voters who cast a second ballot. */
  readonly revoteRate?: number;
  /** Refused entries of each kind to add (default 1; 0 for a board of authorized casts only). */
  readonly refusedPerKind?: number;
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
  readonly registrarKey: SigningKey;
}

/** The kinds of refused entry synth adds, each with the SPEC §6 / §9 rule it fails. */
export const REFUSED_KINDS = [
  'no-token',
  'copied-token',
  'forged-token',
  'other-voter',
  'invalid-ballot',
  'late',
] as const;
export type RefusedKind = (typeof REFUSED_KINDS)[number];

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

  // Voters hold a device key and a token bound to it (SPEC §4); they cast in a random
  // interleaving, and a share of them cast again later (SPEC §6 keeps both).
  const nonces = randomBallotNonces(rng);
  const opens = Date.parse(manifest.opens);
  const closes = Date.parse(manifest.closes);
  const voters = Array.from({ length: options.voters }, (_, i) => {
    const nullifier = rng.bytes(32);
    const device = roleKey(rng, 'device');
    const districtId = manifest.districts[i % manifest.districts.length]!.districtId;
    return {
      districtId,
      nullifier,
      device,
      token: synthToken(manifest, keys.registrar, nullifier, districtId, device, `voter-${i + 1}`),
    };
  });
  type Cast = {
    voter: number;
    kind?: RefusedKind;
  };
  const casts: Cast[] = voters.map((_, i) => ({ voter: i }));
  const revotes = Math.floor(options.voters * (options.revoteRate ?? 0.1));
  for (let i = 0; i < revotes; i++) casts.push({ voter: randomInt(rng, options.voters) });
  // Refused entries land among the casts; late ones after everything else, past `closes`.
  const perKind = options.refusedPerKind ?? 1;
  for (const kind of REFUSED_KINDS) {
    for (let k = 0; k < perKind; k++) {
      const c = { voter: randomInt(rng, options.voters), kind };
      if (kind === 'late') casts.push(c);
      else casts.splice(randomInt(rng, casts.length + 1), 0, c);
    }
  }
  const lateCount = perKind;
  const stranger = roleKey(rng, 'device');
  const forger = roleKey(rng, keys.registrar.keyId);
  const nextOffset = new Array<number>(layout.partitionCount).fill(0);
  const ballots: BoardEntry[] = [];
  const madeInvalid = new Set<string>();
  casts.forEach((c, n) => {
    const voter = voters[c.voter]!;
    const ballot: EncryptedBallot = encryptBallot(
      election,
      voter,
      randomSelections(rng, election, voter.districtId),
      nonces,
    );
    if (c.kind === 'invalid-ballot') breakProof(ballot);
    const code = trackingCode(ballot);
    if (c.kind === 'invalid-ballot') madeInvalid.add(code);
    const partition = partitionFor(layout, voter.districtId, voter.nullifier);
    const inWindow = casts.length - lateCount;
    const receivedAt = new Date(
      n < inWindow
        ? opens + 60_000 + Math.floor((n * 11 * 3600_000) / inWindow)
        : closes + 60_000 * (n - inWindow + 1),
    ).toISOString();
    const entry: BoardEntry = {
      partition,
      offset: nextOffset[partition]!++,
      receivedAt,
      trackingCode: code,
      ballot,
      ...castBy(c.kind, voter, code),
    };
    ballots.push(entry);
    if (n % 64 === 0) progress('ballots', n, casts.length);
  });
  /** The token and signature a cast of `kind` carries (SPEC §5, §6). */
  function castBy(
    kind: RefusedKind | undefined,
    voter: (typeof voters)[number],
    code: string,
  ): Pick<BoardEntry, 'token' | 'castSignature'> {
    const signed = signCast(voter.device, manifest.electionId, code);
    switch (kind) {
      case 'no-token':
        // A well-formed ballot with valid proofs, written straight to the board.
        return {};
      case 'copied-token':
        // A real voter's token copied off the board, the cast signed by someone else's key.
        return {
          token: voter.token,
          castSignature: signCast(stranger, manifest.electionId, code),
        };
      case 'forged-token':
        // A token in the registrar's name (its kid), signed by another key, bound to the forger.
        return {
          token: synthToken(
            manifest,
            forger,
            voter.nullifier,
            voter.districtId,
            stranger,
            'forged',
          ),
          castSignature: signCast(stranger, manifest.electionId, code),
        };
      case 'other-voter': {
        // A real token and signature of another voter, on this voter's ballot.
        const at = voters.indexOf(voter);
        const other =
          voters.find((v, k) => k !== at && v.districtId === voter.districtId) ??
          voters[(at + 1) % voters.length]!;
        return {
          token: other.token,
          castSignature: signCast(other.device, manifest.electionId, code),
        };
      }
      case 'invalid-ballot':
      case 'late':
      case undefined:
        return { token: voter.token, castSignature: signed };
    }
  }
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

  const tally = synthTally(election, ballots, secretShares, madeInvalid, rng, [1, 3, 5]);
  progress('tally', 1, 1);
  return {
    record: { manifest, ceremony, ballots, blocks, tally },
    secrets: {
      secretShares,
      ledgerKey: keys.ledger,
      witnessKey: keys.witness,
      edgeKey: keys.edge,
      registrarKey: keys.registrar,
    },
  };
}

/** A cnf-bound token (SPEC §4) valid from an hour before `opens` to an hour after `closes`. */
export function synthToken(
  manifest: Manifest,
  issuer: SigningKey,
  nullifier: Uint8Array,
  districtId: string,
  device: SigningKey,
  jti: string,
): string {
  return signToken(
    {
      iss: 'registrar',
      aud: manifest.electionId,
      sub: base64url(nullifier),
      dst: districtId,
      nbf: Math.floor(Date.parse(manifest.opens) / 1000) - 3600,
      exp: Math.floor(Date.parse(manifest.closes) / 1000) + 3600,
      jti,
      cnf: confirmationClaim(device.publicKey),
    },
    issuer,
  );
}

/** Breaks the ballot's first selection proof (one response moved by 1), keeping its encoding. */
function breakProof(ballot: EncryptedBallot): void {
  const z = ballot.contests[0]!.selections[0]!.proof.z;
  z[0] = scalarToText((scalarFromText(z[0]!) + 1n) % 2n ** 252n);
}

/**
 * The tally (SPEC §9) by the counting core, as the registrar runs it (CountingPass: every entry
 * authorized or refused by SPEC §6, the counted set in the policy's counting order), then partial
 * decryptions by `trusteesUsed`, combination and counts. `madeInvalid` are the tracking codes of
 * the ballots synth broke on purpose: every other ballot synth made with the real encryption code
 * is valid by construction, so its proofs are not checked again here (`hanpyo verify` checks all).
 */
export function synthTally(
  election: ElectionContext,
  ballots: readonly BoardEntry[],
  secretShares: ReadonlyMap<number, Scalar>,
  madeInvalid: ReadonlySet<string>,
  rng: RandomSource,
  trusteesUsed: number[],
): Tally {
  const { manifest } = election;
  const pass = new CountingPass(election, {
    expectedVoters: ballots.length,
    validBallot: (entry) => !madeInvalid.has(entry.trackingCode),
  });
  const inBoardOrder = [...ballots].sort(
    (a, b) => a.partition - b.partition || a.offset - b.offset,
  );
  if (pass.order === 'reverse') inBoardOrder.reverse();
  for (const entry of inBoardOrder) pass.add(entry);
  const aggregates = pass.aggregates;
  const registered = new Map(manifest.districts.map((d) => [d.districtId, d.registeredVoters]));
  const districts = aggregates.districts(manifest).map((d) => ({
    districtId: d.districtId,
    counted: d.counted,
    contests: d.contests.map((c) => ({
      contestId: c.contestId,
      options: c.options.map((o) => {
        const A = pointFromText(o.A, { allowIdentity: true });
        const B = pointFromText(o.B, { allowIdentity: true });
        const shares = trusteesUsed.map((i) =>
          partialDecrypt(election.Q, i, secretShares.get(i)!, A, rng.scalar()),
        );
        const M = combinePartialDecryptions(B, shares);
        return {
          optionId: o.optionId,
          A: o.A,
          B: o.B,
          shares: shares.map((s) => ({
            trustee: s.trustee,
            D: pointToText(s.D),
            c: scalarToText(s.c),
            z: scalarToText(s.z),
          })),
          count: discreteLog(M, registered.get(d.districtId)!),
        };
      }),
    })),
  }));
  return { trusteesUsed, districts };
}
