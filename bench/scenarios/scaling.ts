import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Clock, first, type Json, Rendezvous } from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { closedLoop, measure } from '../lib/closed-loop.js';
import { nextTurn, toMeasurement, until } from '../lib/measurement.js';
import { startStack } from '../lib/memory-stack.js';
import type { Measurement, Scenario } from '../lib/types.js';

/** `global.gc`, exposed at run time when node was not started with `--expose-gc`. */
function gcFunction(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 2; i++) {
    await nextTurn();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/**
 * Real time whose timers fire only when `expireAll` is called, so that the front-end-only
 * mailboxes stay pending however long it takes to create 100,000 of them on a busy machine,
 * and are then all expired at once.
 */
class ManualTimers implements Clock {
  private offset = 0;
  private readonly timers = new Set<() => void>();
  now(): number {
    return Date.now() + this.offset;
  }
  setTimeout(callback: () => void, _delayMs: number) {
    const timers = this.timers;
    timers.add(callback);
    return { cancel: () => void timers.delete(callback) };
  }
  expireAll(): void {
    this.offset += 1e9;
    const due = [...this.timers];
    this.timers.clear();
    for (const callback of due) callback();
  }
}

/**
 * Latency of probe requests while `n` other requests are held open by a slow model, and the
 * heap each held request costs.
 */
async function inFlight(ns: readonly number[], quick: boolean): Promise<Measurement[]> {
  const gc = gcFunction();
  const releases: (() => void)[] = [];
  // One model: instant for probes, holding the request open when asked to (the slow model).
  const stack = await startStack({
    models: 1,
    policy: first(),
    deadlineMs: 600_000,
    maxInFlight: 250_000,
    workerConcurrency: 250_000,
    predict: (input) =>
      (input as { hold?: boolean }).hold
        ? new Promise<Json>((resolve) => releases.push(() => resolve(0)))
        : input,
  });
  // A front end publishing to a stream no model reads: what a pending mailbox costs the front end alone.
  const feTransport = new MemoryTransport({ broker: new MemoryBroker() });
  const feClock = new ManualTimers();
  const frontEndOnly = new Rendezvous<Json, Json>({
    transport: feTransport,
    policy: first(),
    clock: feClock,
    // No model to discover, and its clock's timers fire only on expireAll(): a discovery window
    // would never end (start() would never resolve).
    discoveryMs: 0,
    deadlineMs: 600_000,
    maxInFlight: 250_000,
  });
  await frontEndOnly.start();
  const out: Measurement[] = [];
  const probe = { x: 1 };
  const held = { hold: true };
  const probes = quick ? 500 : 10_000;
  try {
    for (const n of ns) {
      const before = await settledHeap(gc);
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++)
        pending.push(stack.rendezvous.request(held).catch(() => undefined));
      await until(() => releases.length === n, 120_000, `${n} requests held by the slow model`);
      const after = await settledHeap(gc);
      const call = () => stack.rendezvous.request(probe);
      const r = await measure(
        3,
        () => closedLoop(1, probes / 2, call),
        () => closedLoop(1, probes, call),
      );
      const c64 = await closedLoop(64, probes * 2, call);
      // One row per in-flight count: the probe's latency, the heap per request held, and
      // (when measured) the front end's own share of it.
      const probeRow = (frontEnd: { frontEndBytesPerInFlight?: number }) =>
        toMeasurement(
          'scaling',
          `${n === ns[0] ? 'floor: ' : ''}probe with ${n.toLocaleString('en-US')} in flight`,
          n === ns[0],
          1,
          r,
          {
            inFlight: n,
            bytesPerInFlight: Math.round((after - before) / n),
            ...frontEnd,
            rpsAtC64: Math.round(c64.rps),
          },
        );
      // Front end alone (a quick run measures it at the largest count only).
      if (quick && n !== ns[ns.length - 1]) {
        out.push(probeRow({}));
        for (const release of releases.splice(0)) release();
        await Promise.all(pending);
        continue;
      }
      const feBefore = await settledHeap(gc);
      const fePending: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) fePending.push(frontEndOnly.request(held).catch(() => undefined));
      const feAfter = await settledHeap(gc);
      if (frontEndOnly.stats().inFlight !== n)
        throw new Error(
          `front-end-only requests were decided early: ${JSON.stringify(frontEndOnly.stats())} n=${n}`,
        );
      out.push(probeRow({ frontEndBytesPerInFlight: Math.round((feAfter - feBefore) / n) }));
      // Release the held requests; the front-end-only ones expire at their deadline.
      for (const release of releases.splice(0)) release();
      await Promise.all(pending);
      feClock.expireAll();
      await Promise.all(fePending);
    }
    await frontEndOnly.close();
  } finally {
    for (const release of releases.splice(0)) release();
    await stack.close();
    await feTransport.close();
  }
  return out;
}

/** Least-squares slope of `ys` against `xs`. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const mx = xs.reduce((a, x) => a + x, 0) / xs.length;
  const my = ys.reduce((a, y) => a + y, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (const [i, x] of xs.entries()) {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}

/**
 * Adds the per-model cost to each row of {@link models}: CPU µs per request per model
 * (`cpuUsPerRequestPerModel`), the CPU each model beyond the first adds to a request
 * (`cpuUsPerExtraModel`, against the 1-model row), and on the last row the least-squares slope
 * of CPU per request against the number of models (`cpuUsPerExtraModelFit`, the target's
 * figure: a line through every row is steadier than one pair of rows).
 */
export function perModelCost(rows: readonly Measurement[]): Measurement[] {
  const withCpu = rows.filter((m) => typeof m.cpuUsPerRequest === 'number');
  const one = withCpu.find((m) => m.extra?.models === 1);
  const fit = slope(
    withCpu.map((m) => Number(m.extra?.models)),
    withCpu.map((m) => m.cpuUsPerRequest!),
  );
  const round = (n: number) => Number(n.toFixed(2));
  return rows.map((m, i) => {
    const k = Number(m.extra?.models);
    if (m.cpuUsPerRequest === undefined || !(k > 0)) return m;
    return {
      ...m,
      extra: {
        ...m.extra,
        cpuUsPerRequestPerModel: round(m.cpuUsPerRequest / k),
        ...(one && k > 1
          ? { cpuUsPerExtraModel: round((m.cpuUsPerRequest - one.cpuUsPerRequest!) / (k - 1)) }
          : {}),
        ...(i === rows.length - 1 && Number.isFinite(fit)
          ? { cpuUsPerExtraModelFit: round(fit) }
          : {}),
      },
    };
  });
}

/**
 * Throughput and CPU per request at concurrency 64 against the number of models (priority
 * policy, trivial models), with the per-model cost ({@link perModelCost}).
 */
async function models(counts: readonly number[], quick: boolean): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const requests = quick ? 4000 : 50_000;
  for (const k of counts) {
    const stack = await startStack({ models: k, maxInFlight: 1000 });
    const input = { x: 1 };
    const call = () => stack.rendezvous.request(input);
    try {
      const r = await measure(
        3,
        () => closedLoop(64, requests / 2, call),
        () => closedLoop(64, requests, call),
      );
      out.push(
        toMeasurement(
          'scaling',
          `${k === counts[0] ? 'floor: ' : ''}${k} model(s), priority c=64`,
          k === counts[0],
          64,
          r,
          { models: k },
        ),
      );
    } finally {
      await stack.close();
    }
  }
  return perModelCost(out);
}

/**
 * Scenario 6, scaling on the memory transport: probe latency and heap per in-flight request
 * with 100 to 100,000 requests held open by a slow model (dispatch by request id must stay
 * O(1)), and throughput and CPU per request against the number of models (µs per request per
 * model, and per extra model).
 */
export const scaling: Scenario = async ({ quick }) => {
  // Models first: the 100,000-request stage leaves a large heap behind that would slow them.
  const byModels = await models([1, 2, 4, 8], quick);
  return [...(await inFlight([100, 1000, 10_000, 100_000], quick)), ...byModels];
};
