// I/O of elections: the registry in Cassandra, read through the shared, briefly cached catalog. The
// edge only reads it; the registrar creates the keyspace and moves elections through their states.
import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { connectCassandra, createCassandraClient } from '@hanpyo/cassandra';
import type { CassandraClient } from '@hanpyo/cassandra';
import { ElectionCatalog, Health, connectOnce } from '@hanpyo/service-kit';
import type { Election } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { EdgeConfig } from './config.js';

@Injectable()
export class ElectionsRepository implements OnApplicationShutdown {
  private readonly client: CassandraClient;
  private readonly catalog: ElectionCatalog;

  constructor(@Inject(CONFIG) config: EdgeConfig, @Inject(Health) health: Health) {
    this.client = createCassandraClient(config.cassandra);
    this.catalog = new ElectionCatalog(
      { client: this.client, config: config.cassandra },
      config.HANPYO_EDGE_CATALOG_TTL_MS,
    );
    health.register('cassandra', async () => {
      await this.ready();
      await this.client.execute('SELECT release_version FROM system.local');
    });
  }

  /** Connects the driver, once (again after a failure). */
  readonly ready = connectOnce(() => connectCassandra(this.client));

  /** The election with its manifest, layout and context, or undefined when there is none. */
  async get(electionId: string): Promise<Election | undefined> {
    await this.ready();
    return this.catalog.get(electionId);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.shutdown();
  }
}
