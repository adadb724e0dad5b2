import { Subject } from 'rxjs';
import { closedLoop, measure } from '../lib/closed-loop.js';
import { toMeasurement } from '../lib/measurement.js';
import { startStack } from '../lib/memory-stack.js';
import type { Measurement, Scenario } from '../lib/types.js';

/**
 * The floor: the least an in-process request/response round trip can cost with RxJS. A
 * request registers its `resolve` in a Map by id; the "reply" is pushed through a Subject on
 * the next microtask (as a transport delivers it) and dispatched by id to that `resolve`.
 */
function bareLoop(): { call: (i: number) => Promise<number>; close: () => void } {
  const replies = new Subject<{ readonly id: number; readonly value: number }>();
  const pending = new Map<number, (value: number) => void>();
  const subscription = replies.subscribe((reply) => {
    const resolve = pending.get(reply.id);
    pending.delete(reply.id);
    resolve?.(reply.value);
  });
  return {
    call: (i) =>
      new Promise<number>((resolve) => {
        pending.set(i, resolve);
        queueMicrotask(() => replies.next({ id: i, value: i }));
      }),
    close: () => subscription.unsubscribe(),
  };
}

/**
 * Scenario 1, core overhead on the memory transport: two trivial model workers and the
 * priority policy (`m0` before `m1`) behind one front end, at concurrency 1 and 64, against a
 * bare Subject → Map → resolve loop.
 */
export const memory: Scenario = async ({ quick }) => {
  const runs = quick ? 3 : 5;
  const out: Measurement[] = [];
  for (const concurrency of [1, 64]) {
    const requests = (quick ? 10_000 : 100_000) * (concurrency === 1 ? 0.25 : 1);
    const floor = bareLoop();
    const f = await measure(
      runs,
      () => closedLoop(concurrency, requests, floor.call),
      () => closedLoop(concurrency, requests, floor.call),
    );
    floor.close();
    out.push(
      toMeasurement('memory', `floor: Subject→Map→resolve c=${concurrency}`, true, concurrency, f),
    );
    const stack = await startStack({ models: 2, maxInFlight: 1_000 });
    const input = { x: 1 };
    const call = () => stack.rendezvous.request(input);
    const r = await measure(
      runs,
      () => closedLoop(concurrency, requests, call),
      () => closedLoop(concurrency, requests, call),
    );
    await stack.close();
    out.push(
      toMeasurement(
        'memory',
        `rendezvous 2 models, priority c=${concurrency}`,
        false,
        concurrency,
        r,
      ),
    );
  }
  return out;
};
