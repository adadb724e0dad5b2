/** Options every scenario receives from `bench/run.ts`. */
export interface BenchOptions {
  /** `--quick`: fewer and shorter runs (the whole set under 2 minutes). */
  readonly quick: boolean;
  /** Redis to use (started by the harness). */
  readonly redisUrl?: string;
  /** Kafka bootstrap servers, comma-separated (started by the harness). */
  readonly kafkaBrokers?: string;
  /** URL of the nats-server (JetStream) the run started, for the nats scenario. */
  readonly natsUrl?: string;
}

/** One measured variant of a scenario: median of several runs. */
export interface Measurement {
  readonly scenario: string;
  /** What was measured, e.g. `rendezvous c=64` or `floor: bare ioredis loop c=64`. */
  readonly variant: string;
  /** The physical floor this scenario is compared with. */
  readonly isFloor: boolean;
  readonly concurrency: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly peakRssMb: number;
  /**
   * CPU time (user + system) per request, µs, median of the runs: the steadier figure on a
   * shared machine. Which processes it counts is in {@link Measurement.costOf}.
   */
  readonly cpuUsPerRequest?: number;
  /** JS heap bytes allocated per request (V8's GCProfiler, `bench/lib/process-cost.mjs`), median. */
  readonly allocBytesPerRequest?: number;
  /**
   * The processes the CPU and allocation figures count. Default (absent): the bench process
   * alone, the load generator and the in-process system together.
   */
  readonly costOf?: string;
  /** How many measured runs the medians come from. */
  readonly runs?: number;
  /** Spread of those runs, (max − min) ÷ median, %. */
  readonly spreadPct?: {
    readonly rps?: number;
    readonly p99?: number;
    readonly cpu?: number;
    readonly alloc?: number;
  };
  /** The floor (its `variant`) the ratios are taken to; default the floor of nearest concurrency. */
  readonly comparedWith?: string;
  /** Scenario-specific figures (lost answers, bytes per mailbox...). */
  readonly extra?: Readonly<Record<string, number | string>>;
  /** Counts per second of the run (answers by model version, failures), when it has phases. */
  readonly timeline?: readonly TimelineSecond[];
  /** What happened during the run, in order (a rollout's transitions), one line each. */
  readonly notes?: readonly string[];
}

/** One second of a run: answers by model version (`dt@1`) and failed requests. */
export interface TimelineSecond {
  /** Seconds since the load started. */
  readonly s: number;
  readonly answers: Readonly<Record<string, number>>;
  readonly failed: number;
  /** Latency quantiles of the second's answers, ms. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

/** A scenario: runs its variants (floor included) and returns one measurement per variant. */
export type Scenario = (options: BenchOptions) => Promise<Measurement[]>;
