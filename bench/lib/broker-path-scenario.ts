import { toMeasurement } from './measurement.js';
import { closedLoopRunner, type LoadTarget } from './two-worker-path.js';
import type { BenchOptions, Measurement, Scenario } from './types.js';

/**
 * What a broker scenario compares: the bare client loop (the floor) and the full rendezvous
 * path (a front end and two workers, `twoWorkerPath`) on the same broker.
 */
export interface BrokerPathPlan {
  /** The scenario's name in the measurements (`redis`, `nats`). */
  readonly scenario: string;
  /** The bench option that says where the broker is: `redisUrl`, `natsUrl`. */
  readonly urlOption: 'redisUrl' | 'natsUrl';
  /** The floor's name: `bare ioredis loop` reads `floor: bare ioredis loop c=16`. */
  readonly floor: string;
  /** Whether the floor is also measured at c=64 (then the c=64 row says `rpsVsBareC64`). */
  readonly floorAtC64: boolean;
  /** The bare client loop on the broker at `url`. */
  readonly bare: (url: string) => Promise<LoadTarget>;
  /** The front end and two workers on the transport under test, on the broker at `url`. */
  readonly rendezvous: (url: string) => Promise<LoadTarget>;
  /** The targets, recorded with the rows (`targetP50Ms` at c=1, `targetRps` at c=64). */
  readonly targets?: { readonly p50Ms?: number; readonly rps?: number };
}

/**
 * A broker scenario: the bare loop at c=1 and 16 (and 64), then the rendezvous path at c=1 and
 * 64, each row of the path with its ratio to the floor. It needs the broker's URL in its option.
 *
 * @example
 * ```ts
 * export const redis = brokerPathScenario({ scenario: 'redis', urlOption: 'redisUrl', floor: 'bare ioredis loop', floorAtC64: true, bare, rendezvous });
 * ```
 */
export function brokerPathScenario(plan: BrokerPathPlan): Scenario {
  return async (options) => {
    const url = options[plan.urlOption];
    if (!url) throw new Error(`the ${plan.scenario} scenario needs options.${plan.urlOption}`);
    return measureBrokerPath(options, plan, url);
  };
}

async function measureBrokerPath(
  options: BenchOptions,
  plan: BrokerPathPlan,
  url: string,
): Promise<Measurement[]> {
  const { n, run } = closedLoopRunner(options);
  const floor = (c: number) => `floor: ${plan.floor} c=${c}`;
  const out: Measurement[] = [];

  const bare = await plan.bare(url);
  const bare1 = await run(bare, 1, n(1000, 5000));
  const bare16 = await run(bare, 16, n(5000, 40_000));
  const bare64 = plan.floorAtC64 ? await run(bare, 64, n(10_000, 60_000)) : undefined;
  await bare.stop();
  out.push(toMeasurement(plan.scenario, floor(1), true, 1, bare1));
  out.push(toMeasurement(plan.scenario, floor(16), true, 16, bare16));
  if (bare64) out.push(toMeasurement(plan.scenario, floor(64), true, 64, bare64));

  const full = await plan.rendezvous(url);
  const rv1 = await run(full, 1, n(1000, 5000));
  const rv64 = await run(full, 64, n(10_000, 60_000));
  await full.stop();
  const { p50Ms, rps } = plan.targets ?? {};
  out.push(
    toMeasurement(plan.scenario, 'rendezvous c=1 (front end + 2 workers)', false, 1, rv1, {
      p50VsBare: Number((rv1.p50Ms / bare1.p50Ms).toFixed(2)),
      ...(p50Ms === undefined ? {} : { targetP50Ms: p50Ms }),
    }),
  );
  out.push(
    toMeasurement(plan.scenario, 'rendezvous c=64 (front end + 2 workers)', false, 64, rv64, {
      rpsVsBareC16: Number((rv64.rps / bare16.rps).toFixed(2)),
      ...(bare64 ? { rpsVsBareC64: Number((rv64.rps / bare64.rps).toFixed(2)) } : {}),
      ...(rps === undefined ? {} : { targetRps: rps }),
    }),
  );
  return out;
}
