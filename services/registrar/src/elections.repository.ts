// I/O of the registrar: the election registry in Cassandra and the election's topics in Kafka.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import {
  connectCassandra,
  createCassandraClient,
  getElection,
  insertElection,
  migrate,
  setCeremony,
  transition,
} from '@hanpyo/cassandra';
import type { CassandraClient, ElectionRow, ElectionState } from '@hanpyo/cassandra';
import { createKafka, ensureTopics } from '@hanpyo/kafka';
import type { PartitionLayout } from '@hanpyo/ledger';
import { Health, connectOnce } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';

@Injectable()
export class ElectionsRepository implements OnApplicationShutdown {
  private readonly client: CassandraClient;
  private readonly admin;

  constructor(
    @Inject(CONFIG) private readonly config: RegistrarConfig,
    @Inject(Health) health: Health,
  ) {
    this.client = createCassandraClient(config.cassandra);
    this.admin = createKafka(config.kafka).admin();
    health.register('cassandra', async () => {
      await this.ready();
      await this.client.execute('SELECT release_version FROM system.local');
    });
    health.register('kafka', async () => {
      await this.ready();
      await this.admin.listTopics();
    });
  }

  /** Connects both drivers and applies the schema migrations (idempotent), once. */
  readonly ready = connectOnce(async () => {
    await connectCassandra(this.client);
    await migrate(this.client, this.config.cassandra);
    await this.admin.connect();
  });

  private get store() {
    return { client: this.client, config: this.config.cassandra };
  }

  /** The connected Cassandra client and keyspace, for the registrar's other repositories. */
  async cassandra(): Promise<{ client: CassandraClient; config: RegistrarConfig['cassandra'] }> {
    await this.ready();
    return this.store;
  }

  async insert(
    election: {
      electionId: string;
      manifest: string;
      manifestHash: string;
      partitionLayout: string;
    },
    now: Date,
  ): Promise<boolean> {
    await this.ready();
    return insertElection(this.store, election, now);
  }

  async get(electionId: string): Promise<ElectionRow | undefined> {
    await this.ready();
    return getElection(this.store, electionId);
  }

  async setCeremony(
    electionId: string,
    ceremony: string,
    jointPublicKey: string,
    baseHash: string,
  ): Promise<boolean> {
    await this.ready();
    return setCeremony(this.store, electionId, ceremony, jointPublicKey, baseHash);
  }

  async transition(
    electionId: string,
    from: ElectionState,
    to: 'open' | 'closed',
    now: Date,
  ): Promise<boolean> {
    await this.ready();
    return transition(this.store, electionId, from, to, now);
  }

  /** The election's board, blocks and dead-letter topics (idempotent). */
  async ensureTopics(electionId: string, layout: PartitionLayout): Promise<void> {
    await this.ready();
    await ensureTopics(this.admin, this.config.kafka, layout, electionId);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
    await this.client.shutdown();
  }
}
