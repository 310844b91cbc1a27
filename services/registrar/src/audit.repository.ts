// I/O of the audit log (migration 6) through the registrar's Cassandra client.
import { Inject, Injectable } from '@nestjs/common';
import { appendAudit, listAudit } from '@hanpyo/cassandra';
import type { AuditEntry, StoredAuditEntry } from '@hanpyo/cassandra';
import { ElectionsRepository } from './elections.repository.js';

@Injectable()
export class AuditRepository {
  constructor(@Inject(ElectionsRepository) private readonly elections: ElectionsRepository) {}

  async append(entry: AuditEntry): Promise<string> {
    return appendAudit(await this.elections.cassandra(), entry);
  }

  async list(
    where: { electionId: string } | { day: string },
    after: string | undefined,
    limit: number,
  ): Promise<StoredAuditEntry[]> {
    return listAudit(await this.elections.cassandra(), where, after, limit);
  }
}
