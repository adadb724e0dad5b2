import {
  type Instrumentation,
  type Json,
  ModelWorker,
  type PredictContext,
  priority,
  Rendezvous,
  type RendezvousPolicy,
  type Transport,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { until } from './measurement.js';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Number of model workers (model names `m0`, `m1`...). Default 2. */
  readonly models?: number;
  /** Default: `priority({ order: ['m0', 'm1', ...] })`. */
  readonly policy?: RendezvousPolicy;
  readonly predict?: (input: Json, context: PredictContext) => Json | Promise<Json>;
  readonly workerConcurrency?: number;
  readonly maxInFlight?: number;
  readonly deadlineMs?: number;
  /** A transport per component (front end, each worker); default one in-memory broker. */
  readonly transport?: () => Transport;
  /** Given to every worker (`ModelWorkerOptions.instrumentation`). Default none. */
  readonly workerInstrumentation?: Instrumentation | readonly Instrumentation[];
  /** Given to the front end (`RendezvousOptions.instrumentation`). Default none. */
  readonly frontEndInstrumentation?: Instrumentation | readonly Instrumentation[];
}

/** A running front end with its model workers. */
export interface Stack {
  readonly rendezvous: Rendezvous<Json, Json>;
  readonly workers: readonly ModelWorker<Json, Json>[];
  close(): Promise<void>;
}

/**
 * Starts `models` trivial model workers and one front end on a shared transport, and waits
 * until the front end's registry sees every model alive.
 *
 * @example
 * ```ts
 * const stack = await startStack({ models: 2 });
 * await stack.rendezvous.request(1);
 * await stack.close();
 * ```
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const n = options.models ?? 2;
  const names = Array.from({ length: n }, (_, i) => `m${i}`);
  let makeTransport = options.transport;
  if (!makeTransport) {
    const broker = new MemoryBroker({ maxQueueLength: 1_000_000 });
    makeTransport = () => new MemoryTransport({ broker });
  }
  const transports: Transport[] = [];
  const open = (): Transport => {
    const t = makeTransport!();
    transports.push(t);
    return t;
  };
  const predict = options.predict ?? ((input: Json) => input);
  const workers = names.map(
    (name) =>
      new ModelWorker<Json, Json>({
        transport: open(),
        model: { name, version: '1' },
        predict,
        concurrency: options.workerConcurrency ?? 8,
        ...(options.workerInstrumentation
          ? { instrumentation: options.workerInstrumentation }
          : {}),
      }),
  );
  for (const w of workers) await w.start();
  const rendezvous = new Rendezvous<Json, Json>({
    transport: open(),
    policy: options.policy ?? priority({ order: names }),
    deadlineMs: options.deadlineMs ?? 5_000,
    maxInFlight: options.maxInFlight ?? 10_000,
    ...(options.frontEndInstrumentation
      ? { instrumentation: options.frontEndInstrumentation }
      : {}),
  });
  await rendezvous.start();
  await until(() => rendezvous.registry.live().length === n, 10_000, `${n} live models`);
  return {
    rendezvous,
    workers,
    close: async () => {
      await rendezvous.stop();
      for (const w of workers) await w.stop();
      for (const t of transports) await t.close();
    },
  };
}
