// In-flight limits (DESIGN.md failure model): a service bounds the requests it works on at once and
// refuses the rest immediately with 503 OVERLOADED and a jittered Retry-After, so overload turns
// into fast refusals instead of a queue that grows until every client times out. One limiter class:
// the edge's ballot routes use it directly (with draining for shutdown), and every other service
// gets it as a Fastify onRequest hook from startService.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { ApiError, HTTP_STATUS } from './errors.js';
import type { Metrics } from './metrics.js';

/** Why a request was refused a slot. */
export type ShedReason = 'in_flight' | 'draining';

/** Counts the work in flight against a bound; refuses beyond it, and drains for shutdown. */
export class InFlightLimiter {
  private active = 0;
  private draining = false;
  private idle: (() => void)[] = [];

  constructor(
    readonly max: number,
    private readonly onChange: (inFlight: number) => void = () => undefined,
  ) {
    if (!(max >= 1)) throw new RangeError('max must be at least 1');
  }

  get inFlight(): number {
    return this.active;
  }

  /** Takes a slot, or says why not; every taken slot is given back with `release`. */
  tryAcquire(): ShedReason | undefined {
    if (this.draining) return 'draining';
    if (this.active >= this.max) return 'in_flight';
    this.active++;
    this.onChange(this.active);
    return undefined;
  }

  release(): void {
    if (this.active === 0) throw new Error('release without acquire');
    this.active--;
    this.onChange(this.active);
    if (this.active === 0 && this.idle.length > 0) {
      const idle = this.idle;
      this.idle = [];
      for (const resolve of idle) resolve();
    }
  }

  /** Refuses new work from now on; resolves once the work in flight has finished. */
  drain(): Promise<void> {
    this.draining = true;
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

/** Requests each service works on at once by default; a service not listed has no generic limit. */
export const DEFAULT_MAX_IN_FLIGHT: Readonly<Record<string, number>> = {
  registrar: 64,
  ledger: 256,
};

/** Paths never shed: probes and scrapes must answer while the service is saturated. */
export function exemptFromInFlightLimit(url: string): boolean {
  const path = url.split('?', 1)[0] ?? url;
  return path === '/metrics' || path.startsWith('/health/') || path === '/openapi.json';
}

/**
 * The in-flight bound of service `name`: `HANPYO_<NAME>_MAX_IN_FLIGHT` (1–100000; 0 turns the
 * generic limit off), else DEFAULT_MAX_IN_FLIGHT. Undefined: no generic limit.
 */
export function maxInFlightFromEnv(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): number | undefined {
  const variable = `HANPYO_${name.toUpperCase()}_MAX_IN_FLIGHT`;
  const raw = env[variable];
  if (raw === undefined || raw === '') return DEFAULT_MAX_IN_FLIGHT[name];
  const parsed = z.coerce.number().int().min(0).max(100_000).safeParse(raw);
  if (!parsed.success) throw new RangeError(`${variable} must be a whole number from 0 to 100000`);
  return parsed.data === 0 ? undefined : parsed.data;
}

/**
 * Bounds the requests `app` works on at once to `max`: beyond it an onRequest hook answers
 * 503 OVERLOADED with a jittered Retry-After before the body is read. /health, /metrics and
 * /openapi.json are never shed. A slot is given back when the response is sent or the client goes
 * away. Metrics: hanpyo_requests_in_flight and hanpyo_requests_shed_total{reason}.
 */
export function limitInFlight(
  app: FastifyInstance,
  max: number,
  metrics?: Metrics,
): InFlightLimiter {
  const inFlight = metrics?.gauge('hanpyo_requests_in_flight', 'HTTP requests being handled');
  const shed = metrics?.counter(
    'hanpyo_requests_shed_total',
    'HTTP requests refused at once with 503 for the in-flight limit',
    ['reason'],
  );
  inFlight?.set(0);
  const limiter = new InFlightLimiter(max, (n) => inFlight?.set(n));
  app.addHook('onRequest', (request, reply, done) => {
    if (exemptFromInFlightLimit(request.url)) {
      done();
      return;
    }
    const refused = limiter.tryAcquire();
    if (refused !== undefined) {
      shed?.inc({ reason: refused });
      const error = new ApiError('OVERLOADED', 'the service is at capacity; retry shortly');
      void reply
        .status(HTTP_STATUS.OVERLOADED)
        .header('Retry-After', String(error.retryAfterSeconds))
        .send({ error: { code: error.code, message: error.message } });
      return;
    }
    let released = false;
    // 'close' fires once the response was sent or the connection dropped, whichever comes first.
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      limiter.release();
    });
    done();
  });
  return limiter;
}
