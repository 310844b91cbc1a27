// @hanpyo/cassandra: the only package that imports cassandra-driver.
export { CassandraConfigError, cassandraConfigFromEnv } from './config.js';
export type { CassandraAuth, CassandraConfig, CassandraTls } from './config.js';
export { Secret } from '@hanpyo/secrets';
export { CassandraAdapterError, classifyCassandraError } from './errors.js';
export type { CassandraErrorCode } from './errors.js';
export { MIGRATIONS, NODE_CHUNK, OFFSET_BUCKET, migrationChecksum } from './migrations.js';
export type { Migration } from './migrations.js';
export {
  connectCassandra,
  createCassandraClient,
  execute,
  executeBatch,
  migrate,
} from './client.js';
export type { CassandraClient, CqlValue, ExecuteOptions, MigrationReport } from './client.js';
export {
  acquireLease,
  getElection,
  insertElection,
  listElections,
  releaseLease,
  setCeremony,
  transition,
} from './elections.js';
export type { ElectionRow, ElectionState } from './elections.js';
export {
  BOARD_RANGE_MAX,
  addTallyTrustee,
  boardRanges,
  claimCombination,
  getTally,
  getTrusteeShares,
  latestBlock,
  listDistrictTallies,
  markAggregated,
  markComplete,
  putDistrictAggregates,
  putDistrictResult,
  putTrusteeShares,
  readBoardRange,
  startTally,
} from './tally.js';
export type { BoardRow, TallyRow, TallyStatus } from './tally.js';
export {
  ROLL_BUCKETS,
  ROLL_CHUNK,
  advanceRollImport,
  commitRollImport,
  getRollImport,
  getRollVoters,
  listRollPositions,
  putRollVoters,
  rollBucket,
  startRollImport,
} from './roll.js';
export type { RollImportRow, RollVoter } from './roll.js';
export {
  getVerdictProgress,
  putVerdicts,
  readVerdictRange,
  setVerdictProgress,
} from './verdicts.js';
export type { StoredVerdict } from './verdicts.js';
export { AUDIT_PAGE_MAX, appendAudit, auditDay, isAuditId, listAudit } from './audit.js';
export type { AuditEntry, StoredAuditEntry } from './audit.js';
export {
  getTallyRetryState,
  markTallyFailed,
  markTallyStarted,
  resetTally,
} from './tally-reset.js';
export type { TallyRetryState } from './tally-reset.js';
