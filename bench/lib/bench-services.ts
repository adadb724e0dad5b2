/** A service a benchmark scenario can need. */
export type BenchService = 'redis' | 'kafka' | 'nats';

const errorText = (e: unknown) =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

/** A started service: where it listens, and how to stop it for good. */
interface StartedService {
  readonly address: string;
  dispose(): Promise<void>;
}

/** How each service starts, and what the log lines call it. */
const SERVICES: Readonly<
  Record<
    BenchService,
    {
      readonly starting: string;
      readonly running: string;
      readonly failed: string;
      readonly start: () => Promise<StartedService>;
    }
  >
> = {
  redis: {
    starting: 'redis-server',
    running: 'redis-server',
    failed: 'redis-server',
    // No AOF: the benchmark measures the transport, not fsync (the fault tests use AOF).
    start: async () => {
      const services = await import('../../packages/test-kit/src/services/redis-server.js');
      return listening(await services.startRedisServer({ appendonly: false }));
    },
  },
  kafka: {
    starting: 'a Kafka broker (fetches its jars on first use)',
    running: 'kafka broker',
    failed: 'the Kafka broker',
    start: async () => {
      const services = await import('../../packages/test-kit/src/services/kafka-broker.js');
      const broker = await services.startKafkaBroker();
      return { address: broker.brokers, dispose: () => broker.dispose() };
    },
  },
  nats: {
    starting: 'nats-server (JetStream, file storage)',
    running: 'nats-server',
    failed: 'nats-server',
    start: async () => {
      const services = await import('../../packages/test-kit/src/services/nats-server.js');
      return listening(await services.startNatsServer());
    },
  },
};

/** A started server that listens on `url`. */
const listening = (server: { readonly url: string; dispose(): Promise<void> }): StartedService => ({
  address: server.url,
  dispose: () => server.dispose(),
});

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
    for (const service of ['redis', 'kafka', 'nats'] as const) {
      if (!needed.has(service) || this.disposed) continue;
      const address = await this.startService(service, log);
      if (service === 'redis') this.redisUrl = address;
      else if (service === 'kafka') this.kafkaBrokers = address;
      else this.natsUrl = address;
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

  /**
   * Starts one service, logging its start and how long it took; resolves with its address, or
   * with undefined after saying in `missing` why it is not there.
   */
  private async startService(
    service: BenchService,
    log: (m: string) => void,
  ): Promise<string | undefined> {
    const spec = SERVICES[service];
    const t0 = Date.now();
    log(`starting ${spec.starting} ...`);
    const starting = spec.start();
    const started = await this.own(starting);
    if (started) {
      log(`${spec.running} on ${started.address} (started in ${seconds(t0)})`);
      return started.address;
    }
    this.missing.set(service, `${spec.failed} could not start: ${this.why(starting)}`);
    return undefined;
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
