/** A service a benchmark scenario can need. */
export type BenchService = 'redis' | 'kafka' | 'nats';

const errorText = (e: unknown) =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

/**
 * The services of a benchmark run (a dedicated redis-server without AOF, a Kafka broker, a
 * nats-server with JetStream on file storage), on
 * loopback. A service being started is already owned: {@link BenchServices.dispose} during its
 * start waits for the start to end, then stops it (so a signal during the Kafka broker's start
 * leaves no broker behind).
 *
 * @example
 * ```ts
 * const services = new BenchServices();
 * await services.start(new Set(['redis']), (m) => console.error(m));
 * await services.dispose();
 * ```
 */
export class BenchServices {
  redisUrl?: string;
  kafkaBrokers?: string;
  natsUrl?: string;
  /** Why a service is not there. */
  readonly missing = new Map<BenchService, string>();
  private readonly disposers: (() => Promise<void>)[] = [];
  private disposed = false;

  /** Starts the `needed` services one by one; never throws (see `missing`). */
  async start(needed: ReadonlySet<BenchService>, log: (m: string) => void): Promise<void> {
    if (needed.has('redis')) {
      const t0 = Date.now();
      log('starting redis-server ...');
      const starting = import('../../packages/test-kit/src/services/redis-server.js')
        // No AOF: the benchmark measures the transport, not fsync (the fault tests use AOF).
        .then(({ startRedisServer }) => startRedisServer({ appendonly: false }));
      const server = await this.own(starting);
      if (server) {
        this.redisUrl = server.url;
        log(`redis-server on ${server.url} (started in ${seconds(t0)})`);
      } else this.missing.set('redis', `redis-server could not start: ${this.why(starting)}`);
    }
    if (needed.has('kafka') && !this.disposed) {
      const t0 = Date.now();
      log('starting a Kafka broker (fetches its jars on first use) ...');
      const starting = import('../../packages/test-kit/src/services/kafka-broker.js').then(
        ({ startKafkaBroker }) => startKafkaBroker(),
      );
      const broker = await this.own(starting);
      if (broker) {
        this.kafkaBrokers = broker.brokers;
        log(`kafka broker on ${broker.brokers} (started in ${seconds(t0)})`);
      } else this.missing.set('kafka', `the Kafka broker could not start: ${this.why(starting)}`);
    }
    if (needed.has('nats') && !this.disposed) {
      const t0 = Date.now();
      log('starting nats-server (JetStream, file storage) ...');
      const starting = import('../../packages/test-kit/src/services/nats-server.js').then(
        ({ startNatsServer }) => startNatsServer(),
      );
      const server = await this.own(starting);
      if (server) {
        this.natsUrl = server.url;
        log(`nats-server on ${server.url} (started in ${seconds(t0)})`);
      } else this.missing.set('nats', `nats-server could not start: ${this.why(starting)}`);
    }
  }

  /** Stops every service, those still starting included. Idempotent. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const d of this.disposers.splice(0).reverse()) await d().catch(() => undefined);
  }

  private readonly errors = new WeakMap<Promise<unknown>, string>();

  private why(p: Promise<unknown>): string {
    return this.errors.get(p) ?? (this.disposed ? 'the run was stopped' : 'unknown error');
  }

  /** Registers the service's disposal before it has started; resolves with it, or undefined. */
  private async own<S extends { dispose(): Promise<void> }>(
    starting: Promise<S>,
  ): Promise<S | undefined> {
    const settled = starting.then(
      (s) => s,
      (e: unknown) => {
        this.errors.set(starting, errorText(e));
        return undefined;
      },
    );
    this.disposers.push(async () => {
      await (await settled)?.dispose();
    });
    const service = await settled;
    return this.disposed ? undefined : service;
  }
}

const seconds = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
