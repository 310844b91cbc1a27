// @hanpyo/worker-pool: the one worker-thread pool of every service and command (README).
export { ContextCache } from './context-cache.js';
export { cgroupCpuQuota, podCores } from './cores.js';
export { electionOf, electionTask } from './election-task.js';
export type { ElectionTask } from './election-task.js';
export type { ReadFile } from './cores.js';
export { pipeline } from './pipeline.js';
export { PoolOverloadedError, ThreadPool } from './pool.js';
export type { ThreadPoolOptions } from './pool.js';
