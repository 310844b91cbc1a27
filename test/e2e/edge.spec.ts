// The edge through HTTP against the real Kafka and Cassandra: the registrar and the edge run in this
// process (their Nest modules on free ports, with a topic prefix and keyspace of this file's own);
// elections are registered, given a ceremony, a roll and opened through the registrar's API, tokens
// minted there for voters of the roll, bound to device keys (SPEC §4). Then: signed casts of ballots
// encrypted on the device or by the edge (two steps) are receipted, and each receipt verifies and
// points at exactly its record on the board (ballot, token, cast signature); every class of bad
// input — a missing, malformed or wrong-key cast signature, a token without cnf among them — is
// refused with its code and leaves the board untouched; a ballot the board receives after `closes`
// gets no receipt; the registrar mints no token off the roll or in another district; overload is
// shed with 503 + Retry-After; shutdown finishes the ballots in flight.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCassandraClient } from '@hanpyo/cassandra';
import type { CassandraConfig } from '@hanpyo/cassandra';
import { parseReceipt } from '@hanpyo/contracts';
import type { EncryptedBallot, Manifest, Receipt } from '@hanpyo/contracts';
import {
  base64url,
  checkBallot,
  commitPolynomial,
  electionContext,
  encryptBallot,
  fromBase64url,
  fromHex,
  generateSigningKey,
  jointPublicKey,
  manifestHash,
  mod,
  pointFromText,
  pointToText,
  randomBallotNonces,
  randomPolynomial,
  scalarFromText,
  scalarToText,
  castDigest,
  confirmationClaim,
  rollChainNext,
  rollChainStart,
  signCast,
  signToken,
  signingKeyFromSeed,
  systemRandom,
  trackingCode,
  verifyReceipt,
  verifySignature,
} from '@hanpyo/crypto';
import type { ElectionContext, SigningKey } from '@hanpyo/crypto';
import { initFastestBackend } from '@hanpyo/crypto-native';
import { edgeConfig } from '@hanpyo/edge/config';
import { EdgeModule } from '@hanpyo/edge/module';
import { DISTRICT_HEADER, boardPartition, createKafka, topicNames } from '@hanpyo/kafka';
import type { KafkaConfig } from '@hanpyo/kafka';
import { partitionLayout } from '@hanpyo/ledger';
import type { PartitionLayout } from '@hanpyo/ledger';
import { registrarConfig } from '@hanpyo/registrar/dist/config.js';
import { RegistrarModule } from '@hanpyo/registrar/dist/registrar.module.js';
import { Health, JsonLogger, Metrics, startService } from '@hanpyo/service-kit';
import type { Admin } from 'kafkajs';
import { uniqueName } from '../support/env.js';
import { freePort } from '../support/net.js';
import { readTopic } from '../support/read-topic.js';
import { until } from '../support/wait.js';
import { contest } from '../support/manifest.js';

type App = Awaited<ReturnType<typeof startService>>;

const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
const registrarSeed = randomBytes(32).toString('hex');
const edgeSeed = randomBytes(32).toString('hex');
const registrarKey = signingKeyFromSeed('registrar-1', fromHex(registrarSeed));
const edgeKey = signingKeyFromSeed('edge-1', fromHex(edgeSeed));
const ledgerKey = generateSigningKey('ledger-1');
const signer = (k: SigningKey) => ({ keyId: k.keyId, publicKey: base64url(k.publicKey) });

const env: Record<string, string | undefined> = {
  ...process.env,
  HANPYO_KAFKA_TOPIC_PREFIX: `${uniqueName('e2e-edge')}.`,
  HANPYO_CASSANDRA_KEYSPACE: uniqueName('e2e_edge_'),
  HANPYO_REGISTRAR_ADMIN_TOKEN: ADMIN_TOKEN,
  HANPYO_REGISTRAR_KEY_SEED: registrarSeed,
  HANPYO_REGISTRAR_NULLIFIER_SECRET: randomBytes(32).toString('hex'),
  HANPYO_EDGE_SIGNERS: JSON.stringify([signer(edgeKey)]),
  HANPYO_LEDGER_SIGNERS: JSON.stringify([signer(ledgerKey)]),
  HANPYO_VOTERS_PER_PARTITION: '50',
  HANPYO_EDGE_KEY_SEED: edgeSeed,
  HANPYO_EDGE_PORT: '0',
  // State changes (open, close) reach the edge within this.
  HANPYO_EDGE_CATALOG_TTL_MS: '200',
  HANPYO_LOG_LEVEL: 'debug',
};

/** Every log line of the services started here, to check that no secret ever reaches one. */
const logLines: string[] = [];

function urlOf(app: App): string {
  const { port } = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

/** The edge's clock runs `skewMs` ahead of the machine's. */
let skewMs = 0;

async function startEdge(overrides: Record<string, string> = {}): Promise<App> {
  const config = edgeConfig({ ...env, ...overrides });
  const logger = new JsonLogger('edge', 'debug', (line) => logLines.push(line));
  const health = new Health();
  const clock = { now: () => new Date(Date.now() + skewMs) };
  return startService(
    EdgeModule.forRoot(config, { logger, metrics: new Metrics('edge'), health, clock }),
    {
      name: 'edge',
      version: '1',
      description: 'edge under test',
      host: '127.0.0.1',
      port: config.HANPYO_EDGE_PORT,
      bodyLimit: config.HANPYO_EDGE_BODY_LIMIT,
      logger,
      health,
      // As services/edge/src/main.ts: the ballot routes bound themselves.
      maxInFlight: false,
    },
  );
}

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function request(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const r = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await r.text();
  return {
    status: r.status,
    headers: r.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const errorCode = (r: Reply) => (r.body.error as { code?: string } | undefined)?.code;

/** One synthetic voter: the token, its nullifier and district, and the device key it is bound to. */
interface Voter {
  token: string;
  nullifier: Uint8Array;
  districtId: string;
  device: SigningKey;
}

function voterOf(token: string, device: SigningKey): Voter {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
    sub: string;
    dst: string;
  };
  return { token, nullifier: fromBase64url(claims.sub, 32), districtId: claims.dst, device };
}

/** The roll of these tests: voter-i in d2 when i % 3 = 2, else in d1. */
const rollOf = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    voterId: `voter-${i}`,
    districtId: i % 3 === 2 ? 'd2' : 'd1',
  }));

function draftManifest(
  electionId: string,
  modes: ('client' | 'edge')[],
  opens: number,
  closes: number,
) {
  return {
    spec: 'hanpyo/1',
    electionId,
    title: 'edge e2e',
    opens: new Date(opens).toISOString(),
    closes: new Date(closes).toISOString(),
    revotePolicy: 'last',
    encryptionModes: modes,
    commitmentIntervalSeconds: 1,
    contests: [
      contest('mayor', 'Mayor', ['a', 'b', 'c'], 1, 1),
      contest('council', 'Council', ['w', 'x', 'y', 'z'], 0, 2),
    ],
    ballotStyles: [
      { ballotStyleId: 'full', contestIds: ['mayor', 'council'] },
      { ballotStyleId: 'mayor-only', contestIds: ['mayor'] },
    ],
    // 50 voters per partition: d1 spans partitions 0–1, d2 has partition 2.
    districts: [
      { districtId: 'd1', name: 'One', ballotStyleId: 'full', registeredVoters: 120 },
      { districtId: 'd2', name: 'Two', ballotStyleId: 'mayor-only', registeredVoters: 60 },
    ],
    trustees: { count: 3, threshold: 2 },
  };
}

const selectionsFor = (districtId: string): Record<string, string[]> =>
  districtId === 'd1' ? { mayor: ['b'], council: ['w', 'z'] } : { mayor: ['c'] };

describe('edge: ballot intake over HTTP (real Kafka and Cassandra)', () => {
  let registrar: App;
  let edge: App;
  let edgeUrl: string;
  let registrarUrl: string;
  let admin: Admin;
  let kafka: KafkaConfig;
  let cassandra: CassandraConfig;

  /** Election A: both modes, open now. */
  const A = uniqueName('ea-');
  /** Election B: client mode only, open now. */
  const B = uniqueName('eb-');
  /** Election C: its window starts in an hour. */
  const C = uniqueName('ec-');
  let manifestA: Manifest;
  let contextA: ElectionContext;
  let layoutA: PartitionLayout;
  let boardA: string;
  let votersA: Voter[];
  let votersB: Voter[];
  let votersC: Voter[];
  const receipts: { receipt: Receipt; ballot?: EncryptedBallot; voter: Voter }[] = [];

  const admin$ = (path: string, body: unknown) =>
    request(`${registrarUrl}${path}`, {
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });

  /** Registers, runs a local 2-of-3 ceremony for, and optionally opens an election; mints tokens. */
  async function election(
    id: string,
    modes: ('client' | 'edge')[],
    opens: number,
    closes: number,
    open: boolean,
    voters: number,
    withRoll = true,
  ) {
    const created = await admin$('/v1/elections', {
      manifest: draftManifest(id, modes, opens, closes),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const manifest = created.body.manifest as Manifest;
    const mh = manifestHash(manifest);
    const trustees = [1, 2, 3].map((i) => {
      const f = randomPolynomial(systemRandom, 2);
      return commitPolynomial(
        mh,
        i,
        f,
        f.map(() => systemRandom.scalar()),
      );
    });
    const record = { trustees, jointPublicKey: pointToText(jointPublicKey({ trustees })) };
    const ceremony = await admin$(`/v1/elections/${id}/ceremony`, record);
    assert.equal(ceremony.status, 200, JSON.stringify(ceremony.body));
    if (withRoll) await importRoll(id, rollOf(voters));
    if (open) assert.equal((await admin$(`/v1/elections/${id}/open`, {})).status, 200);
    if (!withRoll)
      return {
        manifest,
        context: electionContext(manifest, pointFromText(record.jointPublicKey)),
        voters: [],
      };
    const devices = Array.from({ length: voters }, () => generateSigningKey('device'));
    const minted = await admin$(`/v1/elections/${id}/tokens/bulk`, {
      voters: rollOf(voters).map((v, i) => ({ ...v, voterKey: base64url(devices[i]!.publicKey) })),
    });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    return {
      manifest,
      context: electionContext(manifest, pointFromText(record.jointPublicKey)),
      voters: (minted.body.tokens as string[]).map((t, i) => voterOf(t, devices[i]!)),
    };
  }

  /** The roll through the registrar's import API, in one batch (what `hanpyo roll import` does). */
  async function importRoll(id: string, voters: { voterId: string; districtId: string }[]) {
    const digest = rollChainNext(rollChainStart(id), 0, voters);
    assert.equal((await admin$(`/v1/elections/${id}/roll/imports`, { digest })).status, 200);
    const batch = await admin$(`/v1/elections/${id}/roll/batches`, { from: 0, voters });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    const committed = await admin$(`/v1/elections/${id}/roll/commit`, {
      digest,
      count: voters.length,
    });
    assert.equal(committed.status, 200, JSON.stringify(committed.body));
  }

  /** A cast as a device makes it: the ballot and its signature by the device key (SPEC §5). */
  const signed = (electionId: string, voter: Voter, ballot: EncryptedBallot) => ({
    ballot,
    castSignature: signCast(voter.device, electionId, trackingCode(ballot)),
  });

  /** Edge mode, step 1: the edge encrypts selections for the token's voter. */
  const encryptAtEdge = (
    base: string,
    electionId: string,
    token: string | undefined,
    body: unknown,
  ) =>
    request(`${base}/v1/elections/${electionId}/ballots/encrypt`, {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  const encryptFor = (context: ElectionContext, voter: Voter, districtId = voter.districtId) =>
    encryptBallot(
      context,
      { districtId, nullifier: voter.nullifier },
      selectionsFor(districtId),
      randomBallotNonces(systemRandom),
    );

  const cast = (base: string, electionId: string, token: string | undefined, body: unknown) =>
    request(`${base}/v1/elections/${electionId}/ballots`, {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  /** The board's end offsets, partition by partition. */
  const ends = async (topic = boardA) =>
    (await admin.fetchTopicOffsets(topic))
      .sort((a, b) => a.partition - b.partition)
      .map((o) => Number(o.high));
  const total = (offsets: number[]) => offsets.reduce((a, b) => a + b, 0);

  /** Refused with `status` and `code`, and nothing new on A's board. */
  async function refused(send: () => Promise<Reply>, status: number, code: string) {
    const before = await ends();
    const r = await send();
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(errorCode(r), code, JSON.stringify(r.body));
    assert.equal(typeof (r.body.error as { message?: unknown }).message, 'string');
    assert.deepEqual(await ends(), before, 'a refused request reached the board');
    return r;
  }

  before(async () => {
    await initFastestBackend();
    kafka = registrarConfig(env).kafka;
    cassandra = registrarConfig(env).cassandra;
    const rconfig = registrarConfig({ ...env, HANPYO_REGISTRAR_PORT: String(await freePort()) });
    const rlogger = new JsonLogger('registrar', 'debug', (line) => logLines.push(line));
    const rhealth = new Health();
    registrar = await startService(
      RegistrarModule.forRoot(rconfig, {
        logger: rlogger,
        metrics: new Metrics('registrar'),
        health: rhealth,
      }),
      {
        name: 'registrar',
        version: '1',
        description: 'registrar under test',
        host: '127.0.0.1',
        port: rconfig.HANPYO_REGISTRAR_PORT,
        bodyLimit: 1024 * 1024,
        logger: rlogger,
        health: rhealth,
      },
    );
    registrarUrl = urlOf(registrar);
    edge = await startEdge();
    edgeUrl = urlOf(edge);
    admin = createKafka(kafka).admin();
    await admin.connect();

    const now = Date.now();
    const a = await election(A, ['client', 'edge'], now - 60_000, now + 3_600_000, true, 60);
    manifestA = a.manifest;
    contextA = a.context;
    votersA = a.voters;
    layoutA = partitionLayout(manifestA, { votersPerPartition: 50, maxPartitions: 512 });
    boardA = topicNames(kafka, A).ballots;
    votersB = (await election(B, ['client'], now - 60_000, now + 3_600_000, true, 3)).voters;
    votersC = (await election(C, ['client', 'edge'], now + 3_600_000, now + 7_200_000, false, 3))
      .voters;
  });

  after(async () => {
    await edge?.close();
    await registrar?.close();
    if (admin) {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(kafka.topicPrefix));
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    }
    const client = createCassandraClient(cassandra);
    await client.execute(`DROP KEYSPACE IF EXISTS ${cassandra.keyspace}`).catch(() => undefined);
    await client.shutdown();
  });

  it('serves the manifest and joint key, and 404 for an unknown election', async () => {
    const r = await request(`${edgeUrl}/v1/elections/${A}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.manifest, manifestA);
    assert.equal(r.body.jointPublicKey, pointToText(contextA.K.point));
    await refused(() => request(`${edgeUrl}/v1/elections/nope`), 404, 'ELECTION_NOT_FOUND');
  });

  it('receipts a client-encrypted ballot only once it is on the board, exactly as sent', async () => {
    const voter = votersA[0]!;
    const ballot = encryptFor(contextA, voter);
    const before = await ends();
    const r = await cast(edgeUrl, A, voter.token, signed(A, voter, ballot));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const receipt = parseReceipt(r.body.receipt);
    assert.ok(verifyReceipt(receipt, manifestA.edgeSigners), 'the receipt signature verifies');
    assert.equal(receipt.keyId, 'edge-1');
    assert.equal(receipt.electionId, A);
    assert.equal(receipt.districtId, voter.districtId);
    assert.equal(receipt.trackingCode, trackingCode(ballot));
    assert.equal(receipt.partition, boardPartition(layoutA, voter.districtId, voter.nullifier));
    assert.equal(total(await ends()), total(before) + 1);
    receipts.push({ receipt, ballot, voter });
  });

  it('edge mode in two steps: encrypts selections into the voter’s ballot, writes nothing, then receipts its signed cast', async () => {
    for (const voter of [votersA[1]!, votersA[2]!]) {
      const before = await ends();
      const e = await encryptAtEdge(edgeUrl, A, voter.token, {
        selections: selectionsFor(voter.districtId),
      });
      assert.equal(e.status, 200, JSON.stringify(e.body));
      const ballot = e.body.ballot as EncryptedBallot;
      assert.deepEqual(checkBallot(contextA, ballot, voter), [], 'a valid ballot of this voter');
      assert.deepEqual(await ends(), before, 'encrypting writes nothing');
      const r = await cast(edgeUrl, A, voter.token, signed(A, voter, ballot));
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const receipt = parseReceipt(r.body.receipt);
      assert.ok(verifyReceipt(receipt, manifestA.edgeSigners));
      assert.equal(receipt.districtId, voter.districtId);
      assert.equal(receipt.trackingCode, trackingCode(ballot));
      receipts.push({ receipt, ballot, voter });
    }
  });

  it('refuses a cast whose signature is missing, malformed or by another key, before any proof', async () => {
    const voter = votersA[8]!;
    const ballot = encryptFor(contextA, voter);
    const good = signed(A, voter, ballot);
    await refused(() => cast(edgeUrl, A, voter.token, { ballot }), 400, 'CAST_SIGNATURE_MISSING');
    await refused(
      () => cast(edgeUrl, A, voter.token, { ballot, castSignature: 42 }),
      400,
      'CAST_SIGNATURE_MALFORMED',
    );
    await refused(
      () =>
        cast(edgeUrl, A, voter.token, { ballot, castSignature: good.castSignature.slice(0, 80) }),
      400,
      'CAST_SIGNATURE_MALFORMED',
    );
    // The voter's own token beside a signature by a key that is not its cnf: a copied token.
    const thief = generateSigningKey('device');
    await refused(
      () =>
        cast(edgeUrl, A, voter.token, {
          ballot,
          castSignature: signCast(thief, A, trackingCode(ballot)),
        }),
      401,
      'CAST_SIGNATURE_INVALID',
    );
    // A signature of another ballot (another tracking code), and one for another election.
    const otherBallot = encryptFor(contextA, voter);
    await refused(
      () =>
        cast(edgeUrl, A, voter.token, {
          ballot,
          castSignature: signed(A, voter, otherBallot).castSignature,
        }),
      401,
      'CAST_SIGNATURE_INVALID',
    );
    await refused(
      () =>
        cast(edgeUrl, A, voter.token, {
          ballot,
          castSignature: signCast(voter.device, B, trackingCode(ballot)),
        }),
      401,
      'CAST_SIGNATURE_INVALID',
    );
    // A wrong-key signature of a ballot with a broken proof: refused for the signature, which is
    // checked first (cheap), not for the proof.
    const broken = structuredClone(ballot);
    const p = broken.contests[0]!.selections[0]!.proof;
    p.c[0] = scalarToText(mod(scalarFromText(p.c[0]!) + 1n));
    await refused(
      () =>
        cast(edgeUrl, A, voter.token, {
          ballot: broken,
          castSignature: signCast(thief, A, trackingCode(broken)),
        }),
      401,
      'CAST_SIGNATURE_INVALID',
    );
    const r = await cast(edgeUrl, A, voter.token, good);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    receipts.push({ receipt: parseReceipt(r.body.receipt), ballot, voter });
  });

  it('refuses malformed requests with their codes, and nothing reaches the board', async () => {
    const voter = votersA[3]!;
    const ballot = encryptFor(contextA, voter);
    await refused(() => cast(edgeUrl, A, voter.token, '{"ballot": {'), 400, 'MALFORMED_JSON');
    await refused(
      () =>
        request(`${edgeUrl}/v1/elections/${A}/ballots`, {
          body: 'ballot=1',
          headers: { 'content-type': 'text/plain', authorization: `Bearer ${voter.token}` },
        }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await refused(
      () =>
        request(`${edgeUrl}/v1/elections/${A}/ballots`, {
          body: 'ballot=1',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Bearer ${voter.token}`,
          },
        }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const body = signed(A, voter, ballot);
    await refused(
      () => cast(edgeUrl, A, voter.token, { ...body, selections: { mayor: ['a'] } }),
      400,
      'REQUEST_INVALID',
    );
    // Plaintext selections are never cast: they go to …/encrypt first.
    const plain = await refused(
      () => cast(edgeUrl, A, voter.token, { selections: selectionsFor(voter.districtId) }),
      400,
      'REQUEST_INVALID',
    );
    assert.match((plain.body.error as { message: string }).message, /ballots\/encrypt/);
    await refused(() => cast(edgeUrl, A, voter.token, {}), 400, 'REQUEST_INVALID');
    await refused(() => cast(edgeUrl, A, voter.token, [body]), 400, 'REQUEST_INVALID');
    await refused(
      () => cast(edgeUrl, A, voter.token, { ...body, ballot: { ...ballot, contests: 'x' } }),
      400,
      'BALLOT_INVALID',
    );
    await refused(
      () => encryptAtEdge(edgeUrl, A, voter.token, { selections: { mayor: 'a' } }),
      400,
      'SELECTION_INVALID',
    );
    await refused(
      () => encryptAtEdge(edgeUrl, A, voter.token, { selections: { mayor: ['nobody'] } }),
      400,
      'SELECTION_INVALID',
    );
    await refused(
      () => encryptAtEdge(edgeUrl, A, voter.token, { selections: { mayor: ['a', 'b'] } }),
      400,
      'SELECTION_INVALID',
    );
    await refused(
      () => encryptAtEdge(edgeUrl, A, voter.token, { ...body }),
      400,
      'REQUEST_INVALID',
    );
    await refused(
      () => cast(edgeUrl, A, voter.token, signed(A, voter, { ...ballot, electionId: B })),
      400,
      'BALLOT_INVALID',
    );
    await refused(
      () => cast(edgeUrl, 'no-such-election', voter.token, body),
      404,
      'ELECTION_NOT_FOUND',
    );
    const oversized = JSON.stringify({ ...body, padding: 'x'.repeat(300 * 1024) });
    await refused(() => cast(edgeUrl, A, voter.token, oversized), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses ballots whose proofs or encodings are bad, or that belong to someone else', async () => {
    const voter = votersA[4]!;
    assert.equal(voter.districtId, 'd1', 'a voter with two contests');
    const ballot = encryptFor(contextA, voter);
    // One proof scalar changed (still canonical): the proof no longer verifies.
    const tampered = structuredClone(ballot);
    const proof = tampered.contests[0]!.selections[1]!.proof;
    proof.c[0] = scalarToText(mod(scalarFromText(proof.c[0]!) + 1n));
    await refused(
      () => cast(edgeUrl, A, voter.token, signed(A, voter, tampered)),
      400,
      'PROOF_INVALID',
    );
    // A point encoding with its sign bit set is not canonical ristretto255 (RFC 9496 §4.3.1).
    const nonCanonical = structuredClone(ballot);
    const alpha = fromBase64url(nonCanonical.contests[0]!.selections[0]!.alpha, 32);
    alpha[0]! |= 1;
    nonCanonical.contests[0]!.selections[0]!.alpha = base64url(alpha);
    await refused(
      () => cast(edgeUrl, A, voter.token, signed(A, voter, nonCanonical)),
      400,
      'ENCODING_INVALID',
    );
    // The selections of the wrong contest order: structure.
    const reordered = structuredClone(ballot);
    reordered.contests.reverse();
    await refused(
      () => cast(edgeUrl, A, voter.token, signed(A, voter, reordered)),
      400,
      'BALLOT_INVALID',
    );
    // A valid ballot of another voter, cast with this voter's token (and vice versa: a copy).
    const other = votersA.find((v) => v.districtId === voter.districtId && v !== voter)!;
    await refused(
      () => cast(edgeUrl, A, voter.token, signed(A, voter, encryptFor(contextA, other))),
      403,
      'VOTER_MISMATCH',
    );
    // This voter's nullifier, but another district's ballot.
    const elsewhere = encryptFor(contextA, voter, voter.districtId === 'd1' ? 'd2' : 'd1');
    await refused(
      () => cast(edgeUrl, A, voter.token, signed(A, voter, elsewhere)),
      403,
      'DISTRICT_MISMATCH',
    );
    // And the untouched ballot is still accepted.
    const r = await cast(edgeUrl, A, voter.token, signed(A, voter, ballot));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    receipts.push({ receipt: parseReceipt(r.body.receipt), ballot, voter });
  });

  it('refuses missing, expired, early, forged and foreign tokens, and tokens without a usable cnf', async () => {
    const voter = votersA[5]!;
    const ballot = signed(A, voter, encryptFor(contextA, voter));
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: 'hanpyo-registrar',
      aud: A,
      sub: base64url(voter.nullifier),
      dst: voter.districtId,
      nbf: now - 60,
      exp: now + 600,
      jti: 'j-e2e',
      cnf: confirmationClaim(voter.device.publicKey) as unknown,
    };
    // Signed by the registrar's own key, so only the named defect is wrong.
    const token = (c: Partial<typeof claims>, key = registrarKey) =>
      signToken({ ...claims, ...c } as Parameters<typeof signToken>[0], key);
    assert.equal(
      (await cast(edgeUrl, A, token({}), signed(A, voter, encryptFor(contextA, voter)))).status,
      201,
    );
    await refused(() => cast(edgeUrl, A, token({ cnf: undefined }), ballot), 401, 'TOKEN_CNF');
    await refused(
      () =>
        cast(
          edgeUrl,
          A,
          token({ cnf: { jwk: { kty: 'OKP', crv: 'Ed25519', x: base64url(new Uint8Array(32)) } } }),
          ballot,
        ),
      401,
      'TOKEN_CNF',
    );
    await refused(
      () =>
        cast(
          edgeUrl,
          A,
          token({
            cnf: { jwk: { kty: 'EC', crv: 'P-256', x: base64url(voter.device.publicKey) } },
          }),
          ballot,
        ),
      401,
      'TOKEN_CNF',
    );
    await refused(() => cast(edgeUrl, A, undefined, ballot), 401, 'TOKEN_MISSING');
    await refused(
      () =>
        request(`${edgeUrl}/v1/elections/${A}/ballots`, {
          body: JSON.stringify(ballot),
          headers: { authorization: `Basic ${voter.token}` },
        }),
      401,
      'TOKEN_MISSING',
    );
    await refused(() => cast(edgeUrl, A, 'not-a-token', ballot), 401, 'TOKEN_INVALID');
    await refused(
      () => cast(edgeUrl, A, token({ nbf: now - 7200, exp: now - 3600 }), ballot),
      401,
      'TOKEN_EXPIRED',
    );
    await refused(
      () => cast(edgeUrl, A, token({ nbf: now + 3600, exp: now + 7200 }), ballot),
      401,
      'TOKEN_NOT_YET_VALID',
    );
    await refused(
      () => cast(edgeUrl, A, token({}, generateSigningKey('registrar-1')), ballot),
      401,
      'TOKEN_INVALID',
    );
    await refused(
      () => cast(edgeUrl, A, token({}, generateSigningKey('someone-else')), ballot),
      401,
      'TOKEN_INVALID',
    );
    await refused(() => cast(edgeUrl, A, votersB[0]!.token, ballot), 401, 'TOKEN_AUDIENCE');
    await refused(() => cast(edgeUrl, A, token({ dst: 'atlantis' }), ballot), 401, 'TOKEN_INVALID');
    // A token with a flipped signature bit.
    const t = voter.token;
    const flipped = t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.slice(-1);
    await refused(() => cast(edgeUrl, A, flipped, ballot), 401, 'TOKEN_INVALID');
  });

  it('refuses edge mode where the manifest allows only client encryption', async () => {
    const before = await ends(topicNames(kafka, B).ballots);
    const r = await encryptAtEdge(edgeUrl, B, votersB[0]!.token, {
      selections: { mayor: ['a'], council: [] },
    });
    assert.equal(r.status, 403);
    assert.equal(errorCode(r), 'ENCRYPTION_MODE_NOT_ALLOWED');
    assert.deepEqual(await ends(topicNames(kafka, B).ballots), before);
  });

  it('refuses ballots while the election is not open: before opening, before its window, after it', async () => {
    const voter = votersC[0]!;
    const selections = { selections: selectionsFor(voter.districtId) };
    const boardC = topicNames(kafka, C).ballots;
    const before = await ends(boardC);
    // Ready (ceremony accepted) but not opened: neither step is served.
    let r = await encryptAtEdge(edgeUrl, C, voter.token, selections);
    assert.equal(errorCode(r), 'ELECTION_NOT_OPEN');
    assert.equal(r.status, 403);
    assert.match((r.body.error as { message: string }).message, /is ready/);
    // Opened, but its window starts in an hour: once the edge sees the state (its cache TTL),
    // it refuses for the window.
    assert.equal((await admin$(`/v1/elections/${C}/open`, {})).status, 200);
    r = await until('the edge to see C opened', async () => {
      const x = await encryptAtEdge(edgeUrl, C, voter.token, selections);
      return /not opened/.test((x.body.error as { message?: string } | undefined)?.message ?? '')
        ? x
        : undefined;
    });
    assert.equal(errorCode(r), 'ELECTION_NOT_OPEN');
    assert.deepEqual(await ends(boardC), before);
    // A's window has passed by the edge's clock.
    skewMs = 2 * 3_600_000;
    try {
      await refused(
        () =>
          cast(
            edgeUrl,
            A,
            votersA[6]!.token,
            signed(A, votersA[6]!, encryptFor(contextA, votersA[6]!)),
          ),
        403,
        'ELECTION_NOT_OPEN',
      );
    } finally {
      skewMs = 0;
    }
  });

  it('imports a roll only whole and checked, and mints tokens only for its voters, in their districts', async () => {
    const E = uniqueName('ee-');
    const now = Date.now();
    await election(E, ['client'], now - 60_000, now + 3_600_000, false, 0, false);
    const key = base64url(generateSigningKey('device').publicKey);
    const tokens = (body: unknown) => admin$(`/v1/elections/${E}/tokens`, body);
    // No roll yet: no token for anyone.
    let r = await tokens({ voterId: 'voter-0', districtId: 'd1', voterKey: key });
    assert.equal(r.status, 409);
    assert.equal(errorCode(r), 'ROLL_MISSING');
    // The roll's import refuses a district past its registeredVoters (d2 has 60), an unknown
    // district, a batch out of place, and a commit whose digest is not what was taken.
    const tooMany = Array.from({ length: 61 }, (_, i) => ({ voterId: `x-${i}`, districtId: 'd2' }));
    const digest = rollChainNext(rollChainStart(E), 0, tooMany);
    assert.equal((await admin$(`/v1/elections/${E}/roll/imports`, { digest })).status, 200);
    r = await admin$(`/v1/elections/${E}/roll/batches`, { from: 0, voters: tooMany });
    assert.equal(errorCode(r), 'ROLL_DISTRICT_FULL', JSON.stringify(r.body));
    r = await admin$(`/v1/elections/${E}/roll/batches`, {
      from: 0,
      voters: [{ voterId: 'x', districtId: 'atlantis' }],
    });
    assert.equal(errorCode(r), 'ROLL_INVALID');
    r = await admin$(`/v1/elections/${E}/roll/batches`, {
      from: 7,
      voters: [{ voterId: 'x', districtId: 'd1' }],
    });
    assert.equal(errorCode(r), 'ROLL_INVALID');
    r = await admin$(`/v1/elections/${E}/roll/commit`, { digest, count: 61 });
    assert.equal(errorCode(r), 'ROLL_INVALID', 'nothing was taken, nothing commits');
    // Another file while this import is in progress is a conflict.
    r = await admin$(`/v1/elections/${E}/roll/imports`, { digest: 'ab'.repeat(32) });
    assert.equal(errorCode(r), 'ROLL_CONFLICT');
    assert.equal(
      (
        (
          await request(`${registrarUrl}/v1/elections/${E}/roll`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          })
        ).body as { voters: number }
      ).voters,
      0,
    );
  });

  it('mints no token for a voter off the roll, in another district, or for a key that is not a device key', async () => {
    const tokens = (body: unknown) => admin$(`/v1/elections/${A}/tokens`, body);
    const device = generateSigningKey('device');
    const key = base64url(device.publicKey);
    let r = await tokens({ voterId: 'nobody', districtId: 'd1', voterKey: key });
    assert.equal(r.status, 403);
    assert.equal(errorCode(r), 'VOTER_NOT_ON_ROLL');
    // voter-0 is in d1 on the roll.
    r = await tokens({ voterId: 'voter-0', districtId: 'd2', voterKey: key });
    assert.equal(r.status, 403);
    assert.equal(errorCode(r), 'VOTER_WRONG_DISTRICT');
    for (const voterKey of [
      undefined,
      'short',
      base64url(new Uint8Array(32)),
      base64url(new Uint8Array(32).fill(0xff)),
    ]) {
      r = await tokens({ voterId: 'voter-0', districtId: 'd1', voterKey });
      assert.equal(r.status, 400, String(voterKey));
      assert.equal(errorCode(r), 'VOTER_KEY_INVALID');
    }
    // All or none: one voter off the roll in a bulk request, and no token at all.
    r = await admin$(`/v1/elections/${A}/tokens/bulk`, {
      voters: [
        { voterId: 'voter-0', districtId: 'd1', voterKey: key },
        { voterId: 'nobody', districtId: 'd1', voterKey: key },
      ],
    });
    assert.equal(errorCode(r), 'VOTER_NOT_ON_ROLL');
    assert.match((r.body.error as { message: string }).message, /voters\[1\]/);
    assert.equal(r.body.tokens, undefined);
    // A voter of the roll may get another token for a new device: bound to that device's key, and
    // the same voter (nullifier) and district as before.
    r = await tokens({ voterId: 'voter-0', districtId: 'd1', voterKey: key });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const again = voterOf(r.body.token as string, device);
    assert.deepEqual(again.nullifier, votersA[0]!.nullifier);
    assert.equal(again.districtId, votersA[0]!.districtId);
    const claims = JSON.parse(
      Buffer.from((r.body.token as string).split('.')[1]!, 'base64url').toString('utf8'),
    ) as { cnf: unknown };
    assert.deepEqual(claims.cnf, confirmationClaim(device.publicKey));
    // Once open, the roll cannot change.
    r = await admin$(`/v1/elections/${A}/roll/imports`, { digest: 'cd'.repeat(32) });
    assert.equal(errorCode(r), 'ROLL_CONFLICT');
  });

  it('gives no receipt for a ballot the board receives after closes: it stays on the board, refused', async () => {
    const D = uniqueName('ed-');
    const closes = Date.now() + 5000;
    const d = await election(D, ['client'], closes - 3_600_000, closes, true, 3);
    const boardD = topicNames(kafka, D).ballots;
    const voter = d.voters[0]!;
    const body = signed(D, voter, encryptFor(d.context, voter));
    await sleep(Math.max(0, closes - Date.now() + 500));
    const before = await ends(boardD);
    // The edge's clock lags the broker's by 8 s: it still sees the election open and writes the
    // ballot, which the broker stamps after `closes` (SPEC §6 rule 4): no receipt.
    skewMs = -8000;
    try {
      const r = await cast(edgeUrl, D, voter.token, body);
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(errorCode(r), 'RECEIVED_OUTSIDE_WINDOW');
      assert.match((r.body.error as { message: string }).message, /not be counted/);
      assert.equal(r.body.receipt, undefined);
    } finally {
      skewMs = 0;
    }
    assert.equal(total(await ends(boardD)), total(before) + 1, 'the late entry is on the board');
  });

  it('sheds load beyond its in-flight bound with 503 and Retry-After, receipting the rest', async () => {
    const small = await startEdge({ HANPYO_EDGE_MAX_IN_FLIGHT: '1' });
    try {
      const voters = votersA.slice(10, 40);
      const ballots = voters.map((v) => encryptFor(contextA, v));
      const before = await ends();
      const replies = await Promise.all(
        voters.map((v, i) => cast(urlOf(small), A, v.token, signed(A, v, ballots[i]!))),
      );
      const ok = replies.filter((r) => r.status === 201);
      const shed = replies.filter((r) => r.status === 503);
      assert.equal(ok.length + shed.length, replies.length, replies.map((r) => r.status).join(','));
      assert.ok(shed.length >= 1, 'at least one request was shed');
      assert.ok(ok.length >= 1, 'at least one request was receipted');
      for (const r of shed) {
        assert.equal(errorCode(r), 'OVERLOADED');
        // Jittered (service-kit retry-after.ts): whole seconds from 1 to 3.
        assert.match(r.headers.get('retry-after') ?? '', /^[123]$/);
      }
      for (const r of ok) {
        const receipt = parseReceipt(r.body.receipt);
        assert.ok(verifyReceipt(receipt, manifestA.edgeSigners));
        const i = replies.indexOf(r);
        receipts.push({ receipt, ballot: ballots[i], voter: voters[i]! });
      }
      assert.equal(
        total(await ends()),
        total(before) + ok.length,
        'only receipted ballots are on the board',
      );
      const metrics = await (await fetch(`${urlOf(small)}/metrics`)).text();
      assert.match(metrics, /hanpyo_edge_ballots_shed_total\{[^}]*reason="in_flight"[^}]*\} [1-9]/);
    } finally {
      await small.close();
    }
  });

  it('does its elliptic-curve work on worker threads: /metrics answers while 40 encryptions wait for its one thread', async () => {
    const busy = await startEdge({ HANPYO_EDGE_CRYPTO_THREADS: '1' });
    try {
      const url = urlOf(busy);
      const voters = votersA.slice(0, 40);
      // Edge mode writes nothing, so these voters' later casts are not affected.
      const pending = voters.map((v) =>
        encryptAtEdge(url, A, v.token, { selections: selectionsFor(v.districtId) }),
      );
      // Were the work on the event loop, each request would run to its end before the loop took
      // the next one, and /metrics would never see more than a few of them in flight at once.
      // The 40 take a few hundred milliseconds on one thread, less than `until`'s 200 ms between
      // probes can be relied on to land in: ask /metrics back to back until they have all ended.
      let settled = false;
      const all = Promise.all(pending).finally(() => (settled = true));
      let seen: string | undefined;
      let most = 0;
      const deadline = Date.now() + 60_000;
      while (!settled && seen === undefined && Date.now() < deadline) {
        const m = await (await fetch(`${url}/metrics`)).text();
        const n = Number(/^hanpyo_edge_in_flight(?:\{[^}]*\})? (\d+)/m.exec(m)?.[1] ?? 0);
        most = Math.max(most, n);
        if (n >= 20) seen = m;
      }
      assert.ok(seen !== undefined, `/metrics saw at most ${most} encryptions in flight, not ≥ 20`);
      assert.match(seen, /^hanpyo_edge_crypto_threads(\{[^}]*\})? 1$/m);
      const replies = await all;
      assert.deepEqual(
        replies.map((r) => r.status),
        voters.map(() => 200),
      );
      for (const [i, r] of replies.entries()) {
        const v = voters[i]!;
        assert.deepEqual(checkBallot(contextA, r.body.ballot as EncryptedBallot, v), []);
      }
      const after = await (await fetch(`${url}/metrics`)).text();
      assert.match(after, /^hanpyo_edge_crypto_seconds_count\{[^}]*task="encrypt"[^}]*\} 40$/m);
    } finally {
      await busy.close();
    }
  });

  it('finishes the ballots in flight when shut down, and writes none it does not receipt', async () => {
    // Ballots linger longer than they may wait: only flushing at shutdown can receipt them.
    const draining = await startEdge({
      HANPYO_EDGE_BOARD_LINGER_MS: '1000',
      HANPYO_EDGE_WRITE_TIMEOUT_MS: '500',
    });
    const url = urlOf(draining);
    const voters = votersA.slice(40, 52);
    const ballots = voters.map((v) => encryptFor(contextA, v));
    const before = await ends();
    const pending = voters.map((v, i) =>
      cast(url, A, v.token, signed(A, v, ballots[i]!)).then(
        (r) => r,
        () => undefined, // a request that arrives after the listener closed
      ),
    );
    // Some are being worked on (they linger 1 s before their write): then the shutdown begins.
    await until('ballots in flight', async () => {
      const m = await (await fetch(`${url}/metrics`)).text();
      return /^hanpyo_edge_in_flight(\{[^}]*\})? [1-9]/m.test(m) ? true : undefined;
    });
    await draining.close();
    const replies = await Promise.all(pending);
    const ok = replies.filter((r) => r?.status === 201);
    for (const r of replies)
      if (r) assert.ok(r.status === 201 || r.status === 503, JSON.stringify(r.body));
    assert.ok(ok.length >= 1, 'the ballots in flight were finished');
    for (const r of ok)
      assert.ok(verifyReceipt(parseReceipt(r!.body.receipt), manifestA.edgeSigners));
    assert.equal(total(await ends()), total(before) + ok.length);
  });

  it('puts on the board exactly what each receipt names: key, district header, value with token and signature, append time', async () => {
    const wanted = new Map(receipts.map((x) => [`${x.receipt.partition}/${x.receipt.offset}`, x]));
    const found = new Map(
      (await readTopic(createKafka(kafka), boardA, 60_000)).map((m) => [
        `${m.partition}/${m.offset}`,
        { key: m.key, value: m.value, headers: m.headers ?? {}, timestamp: m.timestamp },
      ]),
    );
    assert.ok(wanted.size >= 5);
    for (const [place, { receipt, ballot, voter }] of wanted) {
      const record = found.get(place);
      assert.ok(record, `no record at ${place}`);
      assert.deepEqual(new Uint8Array(record.key!), voter.nullifier);
      assert.equal(String(record.headers[DISTRICT_HEADER]), voter.districtId);
      // receivedAt is the broker's append time, which the record carries (LogAppendTime).
      assert.equal(new Date(Number(record.timestamp)).toISOString(), receipt.receivedAt);
      const value = JSON.parse(record.value!.toString('utf8')) as {
        trackingCode: string;
        ballot: EncryptedBallot;
        token: string;
        castSignature: string;
      };
      assert.deepEqual(Object.keys(value).sort(), [
        'ballot',
        'castSignature',
        'token',
        'trackingCode',
      ]);
      assert.equal(value.trackingCode, receipt.trackingCode);
      // SPEC §6 revision 2: the token and the device's cast signature travel with the ballot.
      assert.equal(value.token, voter.token);
      assert.ok(
        verifySignature(
          voter.device.publicKey,
          castDigest(A, value.trackingCode),
          fromBase64url(value.castSignature, 64),
        ),
        'the cast signature on the board verifies under the device key',
      );
      assert.equal(trackingCode(value.ballot), receipt.trackingCode);
      if (ballot) assert.deepEqual(value.ballot, ballot);
      // Edge-mode ballots too are valid for exactly this voter.
      assert.deepEqual(checkBallot(contextA, value.ballot, voter), []);
    }
  });

  it('reports metrics, readiness and its OpenAPI document, and logs no token', async () => {
    const metrics = await (await fetch(`${edgeUrl}/metrics`)).text();
    assert.match(metrics, /hanpyo_edge_ballots_accepted_total\{[^}]*operation="cast"[^}]*\} [1-9]/);
    assert.match(
      metrics,
      /hanpyo_edge_ballots_accepted_total\{[^}]*operation="encrypt"[^}]*\} [1-9]/,
    );
    assert.match(
      metrics,
      /hanpyo_edge_ballots_rejected_total\{[^}]*code="CAST_SIGNATURE_INVALID"[^}]*\} [1-9]/,
    );
    // The edge-mode casts were of ballots this edge had just encrypted: not checked twice.
    assert.match(metrics, /hanpyo_edge_own_ballots_total(\{[^}]*\})? [2-9]/);
    assert.match(
      metrics,
      /hanpyo_edge_ballots_rejected_total\{[^}]*code="PROOF_INVALID"[^}]*\} [1-9]/,
    );
    assert.match(metrics, /hanpyo_edge_board_write_seconds_count\{[^}]*outcome="ok"[^}]*\} [1-9]/);
    const ready = await request(`${edgeUrl}/health/ready`);
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.deepEqual(ready.body.checks, { cassandra: 'ok', kafka: 'ok' });
    assert.equal((await request(`${edgeUrl}/health/live`)).status, 200);
    const openapi = await request(`${edgeUrl}/openapi.json`);
    assert.ok((openapi.body.paths as Record<string, unknown>)['/v1/elections/{id}/ballots']);
    assert.ok(
      (openapi.body.paths as Record<string, unknown>)['/v1/elections/{id}/ballots/encrypt'],
    );
    const tokens = [...votersA, ...votersB, ...votersC].map((v) => v.token);
    for (const line of logLines) {
      for (const t of tokens)
        assert.ok(!line.includes(t.split('.')[2]!), 'a token reached the logs');
      assert.ok(
        !line.includes(edgeSeed) && !line.includes(registrarSeed),
        'a seed reached the logs',
      );
    }
  });

  it('refuses ballots once the election is closed', async () => {
    assert.equal((await admin$(`/v1/elections/${A}/close`, {})).status, 200);
    // The edge sees the close within its cache TTL (the encrypt step writes nothing to probe it).
    await until('the edge to see A closed', async () =>
      errorCode(
        await encryptAtEdge(edgeUrl, A, votersA[7]!.token, {
          selections: selectionsFor(votersA[7]!.districtId),
        }),
      ) === 'ELECTION_NOT_OPEN'
        ? true
        : undefined,
    );
    await refused(
      () =>
        cast(
          edgeUrl,
          A,
          votersA[7]!.token,
          signed(A, votersA[7]!, encryptFor(contextA, votersA[7]!)),
        ),
      403,
      'ELECTION_NOT_OPEN',
    );
  });
});
