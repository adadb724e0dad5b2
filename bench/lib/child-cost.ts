import type { ChildProcess } from 'node:child_process';
import type { CostReading } from './process-cost.mjs';

/**
 * Asks a child process for its CPU time and allocations so far, over its IPC channel: a child
 * running `http-server.ts`, or one started with `cost-probe.mjs` preloaded
 * (`NODE_OPTIONS=--import=<cost-probe.mjs>`). Rejects after `timeoutMs` without an answer.
 *
 * @example
 * ```ts
 * const before = await childCost(server);
 * await load();
 * const cpuUs = (await childCost(server)).cpuUs - before.cpuUs;
 * ```
 */
export function childCost(child: ChildProcess, timeoutMs = 10_000): Promise<CostReading> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type?: string } & Partial<CostReading>) => {
      if (m?.type !== 'bench-cost' || m.cpuUs === undefined || m.allocatedBytes === undefined)
        return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve({ cpuUs: m.cpuUs, allocatedBytes: m.allocatedBytes });
    };
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`process ${child.pid} did not report its cost within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.send({ type: 'bench-cost' });
  });
}

/** The sum of several readings (the processes of one system). */
export function sumCost(readings: readonly CostReading[]): CostReading {
  return readings.reduce(
    (a, r) => ({ cpuUs: a.cpuUs + r.cpuUs, allocatedBytes: a.allocatedBytes + r.allocatedBytes }),
    { cpuUs: 0, allocatedBytes: 0 },
  );
}
