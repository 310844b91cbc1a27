// The observer's verification without its servers (the package's "./verification" export): a board
// message checked (entry-check.ts), the worker pool that checks them (ballot-check-pool.ts), and
// the per-block replay and verdict (election-observer.ts). `hanpyo bench observer` times exactly
// this code.
export { BallotCheckPool } from './ballot-check-pool.js';
export { checkBoardRecord } from './entry-check.js';
export type { BoardRecord, CheckedEntry, EntryRules } from './entry-check.js';
export { ElectionObserver, checkpointSchema } from './election-observer.js';
export type { BlockVerdict, Checkpoint, Divergence, RefusedEntry } from './election-observer.js';
export { checkElectionView, followedPartitions, isProblem } from './election-check.js';
export type { CheckedElection, ElectionProblem } from './election-check.js';
