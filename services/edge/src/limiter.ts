// Load shedding (DESIGN.md failure model): the edge bounds the ballot requests it works on at once
// and refuses the rest immediately, so overload turns into fast 503s with Retry-After instead of a
// queue that grows until every voter times out. The limiter is service-kit's (in-flight.ts), the
// one every service's generic in-flight limit uses.
export { InFlightLimiter } from '@hanpyo/service-kit';
export type { ShedReason } from '@hanpyo/service-kit';
