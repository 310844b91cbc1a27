// Liveness and readiness: a service is ready only when every registered dependency check passes
// (its Kafka and Cassandra connections).
export type HealthCheck = () => Promise<void>;

export class Health {
  private readonly checks = new Map<string, HealthCheck>();
  private shuttingDown = false;

  /** Registers a readiness check; it resolves when the dependency is usable, or throws why not. */
  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  /** Marks the service as draining: not ready, so load balancers stop sending it work. */
  drain(): void {
    this.shuttingDown = true;
  }

  async ready(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    if (this.shuttingDown) checks.shutdown = 'draining';
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000);
          checks[name] = 'ok';
        } catch (e) {
          checks[name] = (e as Error).message || 'failed';
        }
      }),
    );
    return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * Memoizes a connection step: the first call runs `connect`, later calls share its outcome; a
 * failed attempt is forgotten (and its error passed through `mapError`), so the next call retries.
 * A service starts before its servers answer and becomes ready when they do.
 */
export function connectOnce(
  connect: () => Promise<void>,
  mapError: (error: unknown) => unknown = (error) => error,
): () => Promise<void> {
  let connected: Promise<void> | undefined;
  return () => {
    connected ??= connect().catch((error: unknown) => {
      connected = undefined;
      throw mapError(error);
    });
    return connected;
  };
}
