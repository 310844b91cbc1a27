// @hanpyo/service-kit: what every service shares.
export { ConfigError, configOrExit, parseConfig } from './config.js';
export { JsonLogger, redact } from './logger.js';
export type { Level } from './logger.js';
export { Metrics } from './metrics.js';
export { Health, connectOnce } from './health.js';
export type { HealthCheck } from './health.js';
export { ApiError, HTTP_STATUS, toApiError } from './errors.js';
export type { ApiErrorCode } from './errors.js';
export {
  DEFAULT_MAX_IN_FLIGHT,
  InFlightLimiter,
  exemptFromInFlightLimit,
  limitInFlight,
  maxInFlightFromEnv,
} from './in-flight.js';
export type { ShedReason } from './in-flight.js';
export {
  RETRY_AFTER_MAX_SECONDS,
  RETRY_AFTER_MIN_SECONDS,
  retryAfterSeconds,
} from './retry-after.js';
export { ApiExceptionFilter } from './filter.js';
export { ServiceKitModule } from './kit.module.js';
export { startService } from './bootstrap.js';
export type { ServiceOptions } from './bootstrap.js';
export { ElectionCatalog } from './elections.js';
export type { CatalogLimits, Election } from './elections.js';
export { CLOCK, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { finalCutAt, finalGraceMs, minimumFinalGraceMs, pipelineTimingSchema } from './timing.js';
export type { PipelineTiming } from './timing.js';
