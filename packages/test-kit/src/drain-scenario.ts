import {
  ModelWorker,
  priority,
  Rendezvous,
  type RendezvousResult,
  type Transport,
  type WorkerEvent,
} from '@rendezvous-ml/core';
import { expect } from 'vitest';
import { type BrokerScenarioOptions, scenarioConnections } from './broker-scenario.js';
import { openGate } from './open-gate.js';
import { waitFor } from './wait-for.js';

/** Options of {@link drainScenario}: the common ones and its own. */
export interface DrainScenarioOptions extends BrokerScenarioOptions {
  /**
   * How the preferred version's only worker is told to drain. Default: `worker.stop()`. The
   * promise should resolve when the worker has left.
   */
  readonly drain?: (worker: ModelWorker<number, string>, frontEnd: Transport) => Promise<void>;
}

/**
 * Draining one version's only worker with requests in flight, on a real broker. `dt@1`
 * (preferred, concurrency 5) and `lr@1` serve 20 requests: dt starts 5 and holds them (its
 * predictions wait on a gate), lr answers the other 15 at once, which the front end keeps
 * waiting for dt. Then dt drains. It says `leaving` first: the 15 are decided on lr's scores
 * at once, while dt still holds its 5. Then dt finishes those 5, and its scores are accepted and
 * chosen (lr holds its answers to them back). Zero failed requests, none decided by the deadline.
 *
 * @example
 * ```ts
 * it('drains', () => drainScenario({ create: () => new RedisTransport({ url }), streams }));
 * ```
 */
export async function drainScenario(options: DrainScenarioOptions): Promise<void> {
  const deadlineMs = options.deadlineMs ?? 10_000;
  const settleMs = options.settleMs ?? 10_000;
  const { streams } = options;
  const connections = scenarioConnections(options);
  const open = connections.open;
  const dtHold = openGate();
  const lrHold = openGate();
  const dtStarted = new Set<number>();
  const lrScored = new Set<number>();
  const dt = new ModelWorker<number, string>({
    transport: await open(),
    model: { name: 'dt', version: '1', instance: 'dt-1' },
    predict: async (x) => {
      dtStarted.add(x);
      await dtHold.wait;
      return 'dt';
    },
    concurrency: 5,
    heartbeatIntervalMs: 200,
    streams,
  });
  const lr = new ModelWorker<number, string>({
    transport: await open(),
    model: { name: 'lr', version: '1', instance: 'lr-1' },
    predict: async (x) => {
      // dt starts exactly 5 (its concurrency) and holds them; lr holds its answers to those 5
      // back, so dt's score is the one that decides them.
      await waitFor(() => dtStarted.size === 5, 'dt to start 5 requests', settleMs);
      if (dtStarted.has(x)) await lrHold.wait;
      lrScored.add(x);
      return 'lr';
    },
    concurrency: 50,
    heartbeatIntervalMs: 200,
    streams,
  });
  const events: WorkerEvent['type'][] = [];
  dt.events$.subscribe((e) => events.push(e.type));
  const frontEndTransport = await open();
  const frontEnd = new Rendezvous<number, string>({
    transport: frontEndTransport,
    policy: priority({ order: ['dt', 'lr'] }),
    deadlineMs,
    streams,
  });
  try {
    await Promise.all([dt.start(), lr.start()]);
    await frontEnd.start();
    await waitFor(() => frontEnd.registry.live().length === 2, 'dt and lr to be live', settleMs);
    const settled: (RendezvousResult<number, string> | undefined)[] = Array(20).fill(undefined);
    const all = Array.from({ length: 20 }, (_, i) =>
      frontEnd.request(i).then((r) => {
        settled[i] = r;
        return r;
      }),
    );
    await waitFor(() => dtStarted.size === 5, 'dt to start 5 requests', settleMs);
    await waitFor(() => lrScored.size === 15, 'lr to score the 15 others', settleMs);
    // lr's 15 scores are in, but dt (preferred) is live: the front end waits for it.
    await new Promise((r) => setTimeout(r, 100));
    expect(settled.filter(Boolean)).toEqual([]);

    const draining = (options.drain ?? ((w) => w.stop()))(dt, frontEndTransport);
    const waiting = [...Array(20).keys()].filter((i) => !dtStarted.has(i));
    await waitFor(
      () => waiting.every((i) => settled[i] !== undefined),
      'the 15 requests dt had not started to be decided while dt still drains',
      deadlineMs / 4,
    );
    for (const i of waiting) expect(settled[i]?.chosen?.output).toBe('lr');
    expect([...dtStarted].some((i) => settled[i] !== undefined)).toBe(false);

    dtHold.open(); // dt finishes and replies to the 5 it started
    const results = await Promise.all(all);
    for (const i of dtStarted) expect(results[i]?.chosen?.output).toBe('dt');
    await draining;
    expect(events).toEqual(['draining', 'scored', 'scored', 'scored', 'scored', 'scored']);
    for (const r of results) expect(r.decidedBy.trigger).not.toBe('deadline');
    expect(frontEnd.stats()).toMatchObject({ failed: 0, deadlineExceeded: 0 });
  } finally {
    dtHold.open();
    lrHold.open();
    await frontEnd.close();
    await Promise.all([dt.stop(), lr.stop()]);
    await connections.closeAll();
  }
}
