import {
  latestVersion,
  ModelWorker,
  modelKey,
  Rendezvous,
  type RendezvousResult,
} from '@rendezvous-ml/core';
import { expect } from 'vitest';
import { type BrokerScenarioOptions, scenarioConnections } from './broker-scenario.js';
import { openGate } from './open-gate.js';
import { waitFor } from './wait-for.js';

/** Options of {@link lateJoinScenario}: the common ones and its own. */
export interface LateJoinScenarioOptions extends BrokerScenarioOptions {
  /** Requests in flight when the new version starts. Default 100. */
  readonly inFlight?: number;
}

/**
 * A new model version starts while requests are in flight, on a real broker. `dt@1` holds
 * `inFlight` requests (its predictions wait on a gate) while `dt@2` starts and the front end
 * sees it live; then `dt@1` answers. Under `latestVersion`, which prefers `dt@2`, none of those
 * requests waits for it (its group began after them): each is decided on `dt@1`'s score, long
 * before the deadline. Requests started after `dt@2` joined do wait for it and get its answer.
 * Zero failed requests.
 *
 * @example
 * ```ts
 * it('a version that joins mid-request is not waited for', () =>
 *   lateJoinScenario({ create: () => new RedisTransport({ url }), streams: { requests: 'rq-1', heartbeats: 'hb-1' } }));
 * ```
 */
export async function lateJoinScenario(options: LateJoinScenarioOptions): Promise<void> {
  const inFlight = options.inFlight ?? 100;
  const deadlineMs = options.deadlineMs ?? 10_000;
  const settleMs = options.settleMs ?? 10_000;
  const { streams } = options;
  const connections = scenarioConnections(options);
  const open = connections.open;
  const hold = openGate();
  const received = new Set<number>();
  const old = new ModelWorker<number, string>({
    transport: await open(),
    model: { name: 'dt', version: '1', instance: 'dt-1' },
    predict: async (x) => {
      received.add(x);
      await hold.wait;
      return 'dt@1';
    },
    concurrency: inFlight,
    heartbeatIntervalMs: 200,
    streams,
  });
  const newer = new ModelWorker<number, string>({
    transport: await open(),
    model: { name: 'dt', version: '2', instance: 'dt-2' },
    predict: async () => {
      await new Promise((r) => setTimeout(r, 100)); // slower than dt@1 once dt@1 is free
      return 'dt@2';
    },
    concurrency: inFlight,
    heartbeatIntervalMs: 200,
    streams,
  });
  const frontEnd = new Rendezvous<number, string>({
    transport: await open(),
    policy: latestVersion(),
    deadlineMs,
    streams,
  });
  try {
    await old.start();
    await frontEnd.start();
    await waitFor(() => frontEnd.registry.live().length === 1, 'dt@1 to be live', settleMs);
    const first = Array.from({ length: inFlight }, (_, i) => frontEnd.request(i));
    await waitFor(() => received.size === inFlight, `dt@1 to start all ${inFlight}`, settleMs);

    await newer.start();
    const live = () => frontEnd.registry.live().map(modelKey).sort().join(',');
    await waitFor(() => live() === 'dt@1,dt@2', 'dt@2 to be live at the front end', settleMs);
    const released = Date.now();
    hold.open();
    const results: RendezvousResult<number, string>[] = await Promise.all(first);
    const waitedMs = Date.now() - released;
    for (const r of results) {
      expect(r.chosen?.output).toBe('dt@1');
      expect(r.decidedBy.trigger).toBe('score'); // not 'deadline': nobody waited for dt@2
    }
    expect(waitedMs).toBeLessThan(deadlineMs / 4);

    // Started after dt@2 was seen: they wait for it (it is newer) although dt@1 answers first.
    const later = await Promise.all(
      Array.from({ length: 10 }, (_, i) => frontEnd.request(inFlight + i)),
    );
    for (const r of later) expect(r.chosen?.output).toBe('dt@2');
    expect(frontEnd.stats()).toMatchObject({ failed: 0, deadlineExceeded: 0 });
  } finally {
    hold.open();
    await frontEnd.close();
    await Promise.all([old.stop(), newer.stop()]);
    await connections.closeAll();
  }
}
