import {
  first,
  ModelWorker,
  Rendezvous,
  type StreamNames,
  type Transport,
} from '@rendezvous-ml/core';
import { closedLoop, type LoopResult, measure } from './closed-loop.js';
import type { BenchOptions } from './types.js';

/** A system under load: one call per request, and how to take it down. */
export interface LoadTarget {
  call(i: number): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The full path of a broker scenario: a front end (`first()` policy) and two instances of one
 * model on three connections of the transport under test, each its own "process". Resolves
 * once the front end sees both workers live (or after `settleMs`). `cleanup` runs after
 * everything is stopped and before the connections close (e.g. deleting the run's keys).
 *
 * @example
 * ```ts
 * const path = await twoWorkerPath([0, 1, 2].map(() => new RedisTransport({ url })) as never);
 * await path.call(1);
 * await path.stop();
 * ```
 */
export async function twoWorkerPath(
  transports: readonly [Transport, Transport, Transport],
  options: {
    readonly streams?: Partial<StreamNames>;
    readonly settleMs?: number;
    readonly maxInFlight?: number;
    readonly cleanup?: () => Promise<void>;
  } = {},
): Promise<LoadTarget> {
  const [front, w1, w2] = transports;
  const workers = [w1, w2].map(
    (transport, i) =>
      new ModelWorker<number, number>({
        transport,
        model: { name: 'bench', version: '1', instance: `w${i}` },
        predict: (x) => x + 1,
        concurrency: 64,
        ...(options.streams ? { streams: options.streams } : {}),
      }),
  );
  for (const w of workers) await w.start();
  const rendezvous = new Rendezvous<number, number>({
    transport: front,
    policy: first(),
    deadlineMs: 5000,
    ...(options.maxInFlight ? { maxInFlight: options.maxInFlight } : {}),
    ...(options.streams ? { streams: options.streams } : {}),
  });
  await rendezvous.start();
  const until = Date.now() + (options.settleMs ?? 5000);
  while (rendezvous.registry.live().length < 2 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 10));
  return {
    call: (i) => rendezvous.request(i),
    stop: async () => {
      await rendezvous.stop();
      for (const w of workers) await w.stop();
      await options.cleanup?.();
      await Promise.all(transports.map((t) => t.close()));
    },
  };
}

/**
 * How a closed-loop broker scenario measures: `runs` measured runs (1 in a quick run, else 3)
 * after a warm-up of up to 500 requests, and `n(quick, full)` request counts.
 *
 * @example
 * ```ts
 * const { n, run } = closedLoopRunner(options);
 * const floor = await run(bare, 16, n(5000, 40_000));
 * ```
 */
export function closedLoopRunner(options: BenchOptions): {
  readonly runs: number;
  n(quick: number, full: number): number;
  run(system: Pick<LoadTarget, 'call'>, concurrency: number, count: number): Promise<LoopResult>;
} {
  const runs = options.quick ? 1 : 3;
  return {
    runs,
    n: (quick, full) => (options.quick ? quick : full),
    run: (system, c, count) =>
      measure(
        runs,
        () => closedLoop(c, Math.min(count, 500), system.call),
        () => closedLoop(c, count, system.call),
      ),
  };
}
