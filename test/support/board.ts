// A registered, open election of a test's own (own topic prefix and keyspace) whose board the test
// writes itself, the way the edge does: for the tests of the services behind the board (persister,
// ledger), which check shapes and order, not ballot proofs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import {
  createCassandraClient,
  insertElection,
  migrate,
  setCeremony,
  transition,
} from '@hanpyo/cassandra';
import type { CassandraClient, CassandraConfig } from '@hanpyo/cassandra';
import { parseManifest } from '@hanpyo/contracts';
import type { EncryptedBallot, Manifest } from '@hanpyo/contracts';
import {
  base64url,
  electionBaseHash,
  generateSigningKey,
  manifestHash,
  pointToText,
  smallMulBase,
  toHex,
  trackingCode,
} from '@hanpyo/crypto';
import {
  boardPartition,
  createBoardProducer,
  createKafka,
  ensureTopics,
  topicNames,
} from '@hanpyo/kafka';
import type { KafkaConfig, TopicNames } from '@hanpyo/kafka';
import { partitionLayout } from '@hanpyo/ledger';
import type { PartitionLayout } from '@hanpyo/ledger';
import { testCassandraConfig, testKafkaConfig, uniqueName } from './env.js';

/** One voter's ballot as the edge puts it on the board. */
export interface Cast {
  readonly districtId: string;
  readonly nullifier: Buffer;
  readonly partition: number;
  readonly ballot: EncryptedBallot;
  readonly trackingCode: string;
}

const b64 = () => base64url(randomBytes(32));

/** A signer entry of a manifest with a fresh key of nobody's. */
export function randomSigner(keyId: string): { keyId: string; publicKey: string } {
  return { keyId, publicKey: base64url(generateSigningKey(keyId).publicKey) };
}

/**
 * A ballot of the SPEC §5 shape for ballot style 's1' (contest 'mayor' with these options), with
 * random ciphertexts and proofs: nothing that writes the board checks its proofs.
 */
export function fakeBallot(
  electionId: string,
  districtId: string,
  nullifier: Buffer,
  optionIds: readonly string[],
): EncryptedBallot {
  return {
    electionId,
    ballotStyleId: 's1',
    districtId,
    nullifier: base64url(nullifier),
    contests: [
      {
        contestId: 'mayor',
        selections: optionIds.map((optionId) => ({
          optionId,
          alpha: b64(),
          beta: b64(),
          proof: { c: [b64(), b64()], z: [b64(), b64()] },
        })),
        limitProof: { c: [b64()], z: [b64()] },
      },
    ],
  };
}

/**
 * The election: `draft` is its manifest but for the electionId and the token issuer and edge
 * signer (fresh keys); its one ballot style 's1' holds the contest 'mayor'. Its partitions hold
 * 50,000 voters each; its ceremony's joint key is `ceremonyScalar`·G.
 */
export class BoardElection {
  readonly electionId: string;
  readonly kafkaConfig: KafkaConfig;
  readonly cassandraConfig: CassandraConfig;
  readonly topics: TopicNames;
  readonly manifest: Manifest;
  readonly layout: PartitionLayout;
  /** The election base hash (hex), known after setUp(). */
  baseHash = '';
  kafka!: Kafka;
  admin!: Admin;
  producer!: Producer;
  client!: CassandraClient;
  private readonly optionIds: readonly string[];

  constructor(
    idPrefix: string,
    draft: Record<string, unknown>,
    private readonly ceremonyScalar: number,
    /** Another election of the same deployment (its topic prefix and keyspace), to share them. */
    deployment?: BoardElection,
  ) {
    this.kafkaConfig = deployment?.kafkaConfig ?? testKafkaConfig();
    this.cassandraConfig = deployment?.cassandraConfig ?? testCassandraConfig();
    this.electionId = uniqueName(idPrefix);
    this.topics = topicNames(this.kafkaConfig, this.electionId);
    this.manifest = parseManifest({
      ...draft,
      electionId: this.electionId,
      tokenIssuers: [
        {
          kty: 'OKP',
          crv: 'Ed25519',
          kid: 'registrar-1',
          x: base64url(generateSigningKey('r').publicKey),
        },
      ],
      edgeSigners: [randomSigner('edge-1')],
    });
    this.layout = partitionLayout(this.manifest, { votersPerPartition: 50_000, maxPartitions: 16 });
    this.optionIds = this.manifest.contests[0]!.options.map((o) => o.optionId);
  }

  get store() {
    return { client: this.client, config: this.cassandraConfig };
  }

  /** Creates its topics and keyspace, registers it, stores its ceremony and opens it. */
  async setUp(): Promise<void> {
    this.kafka = createKafka(this.kafkaConfig);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await ensureTopics(this.admin, this.kafkaConfig, this.layout, this.electionId);
    this.producer = createBoardProducer(this.kafka);
    await this.producer.connect();
    this.client = createCassandraClient(this.cassandraConfig);
    await this.client.connect();
    await migrate(this.client, this.cassandraConfig);
    const mh = manifestHash(this.manifest);
    const K = smallMulBase(this.ceremonyScalar);
    this.baseHash = toHex(electionBaseHash(mh, K));
    await insertElection(
      this.store,
      {
        electionId: this.electionId,
        manifest: JSON.stringify(this.manifest),
        manifestHash: toHex(mh),
        partitionLayout: JSON.stringify(this.layout),
      },
      new Date(),
    );
    await setCeremony(this.store, this.electionId, '{}', pointToText(K), this.baseHash);
    assert.ok(await transition(this.store, this.electionId, 'ready', 'open', new Date()));
  }

  /** Deletes its topics and keyspace. */
  /** Deletes its topics and keyspace (`keepKeyspace`: another election of the deployment owns it). */
  async tearDown(options: { keepKeyspace?: boolean } = {}): Promise<void> {
    await this.producer?.disconnect();
    await this.admin
      ?.deleteTopics({
        topics: [this.topics.ballots, this.topics.blocks, this.topics.deadLetter],
      })
      .catch(() => undefined);
    await this.admin?.disconnect();
    if (!options.keepKeyspace) {
      await this.client?.execute(`DROP KEYSPACE IF EXISTS ${this.cassandraConfig.keyspace}`);
    }
    await this.client?.shutdown();
  }

  /** Casts for `count` fresh voters (or these voters again), in round-robin districts. */
  casts(count: number, voters?: readonly Cast[]): Cast[] {
    const districts = this.manifest.districts.map((d) => d.districtId);
    return Array.from({ length: count }, (_, i) => {
      const districtId = voters?.[i]?.districtId ?? districts[i % districts.length]!;
      const nullifier = voters?.[i]?.nullifier ?? randomBytes(32);
      const ballot = fakeBallot(this.electionId, districtId, nullifier, this.optionIds);
      return {
        districtId,
        nullifier,
        partition: boardPartition(this.layout, districtId, nullifier),
        ballot,
        trackingCode: trackingCode(ballot),
      };
    });
  }
}
