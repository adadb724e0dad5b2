/**
 * The front end's invariants under open-ended timing, on virtual time and the memory transport.
 * Scores are sent straight to the return address on a schedule, so they can come never, twice,
 * after the decision or after the deadline; models can announce themselves or not, and leave.
 */
import {
  first,
  latestVersion,
  priority,
  Rendezvous,
  type RendezvousPolicy,
  type RendezvousResult,
  type ScoreEnvelope,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tapStream } from './harness.js';

const MODELS = [
  { name: 'a', version: '1' },
  { name: 'a', version: '2' },
  { name: 'b', version: '1' },
] as const;

const POLICIES: Record<string, () => RendezvousPolicy> = {
  first: () => first(),
  latestVersion: () => latestVersion(),
  priority: () => priority({ order: ['b', 'a'] }),
};

const scoreArb = fc.record({
  model: fc.integer({ min: 0, max: MODELS.length - 1 }),
  /** Virtual ms after the request was sent; `null`: never. */
  at: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
  ok: fc.boolean(),
  /** Sent twice (a redelivered score). */
  twice: fc.boolean(),
});

const requestArb = fc.record({
  at: fc.integer({ min: 0, max: 100 }),
  deadlineMs: fc.integer({ min: 1, max: 300 }),
  scores: fc.array(scoreArb, { maxLength: 5 }),
});

const scenarioArb = fc.record({
  policy: fc.constantFrom(...Object.keys(POLICIES)),
  /** Per model: announced with a heartbeat or not, and when it leaves (null: stays). */
  models: fc.tuple(
    ...MODELS.map(() =>
      fc.record({
        announced: fc.boolean(),
        leavesAt: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
      }),
    ),
  ),
  requests: fc.array(requestArb, { minLength: 1, maxLength: 8 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function heartbeat(kind: 'alive' | 'leaving', i: number, ts: number): string {
  const model = { ...MODELS[i]!, instance: `${MODELS[i]!.name}${MODELS[i]!.version}-x` };
  return JSON.stringify({ v: 1, kind, model, intervalMs: 60_000, ts });
}

async function run(scenario: Scenario): Promise<void> {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker({ clock });
  const transport = new MemoryTransport({ broker });
  const models = new MemoryTransport({ broker });
  const rv = new Rendezvous({
    transport,
    policy: POLICIES[scenario.policy]!(),
    clock,
    discoveryMs: 0,
    instanceId: 'fe',
  });
  const emitted: RendezvousResult[] = [];
  rv.results$.subscribe((r) => emitted.push(r));
  await rv.start();
  const published = await tapStream(models, 'requests');
  for (const [i, m] of scenario.models.entries()) {
    if (m.announced) await models.broadcast('heartbeats', heartbeat('alive', i, 0));
    if (m.leavesAt !== null) {
      const at = m.leavesAt;
      clock.setTimeout(() => void models.broadcast('heartbeats', heartbeat('leaving', i, at)), at);
    }
  }
  await clock.tick();

  const settled = new Map<string, { times: number; at: number; deadline: number }>();
  scenario.requests.forEach((req, n) => {
    const id = `r${n}`;
    clock.setTimeout(() => {
      const sentAt = clock.now();
      const deadline = sentAt + req.deadlineMs;
      const record = (): void => {
        const s = settled.get(id) ?? { times: 0, at: -1, deadline };
        settled.set(id, { times: s.times + 1, at: clock.now(), deadline });
      };
      rv.request({ n }, { id, deadlineMs: req.deadlineMs }).then(record, record);
      for (const score of req.scores) {
        if (score.at === null) continue;
        const model = MODELS[score.model]!;
        const identity = { ...model, instance: `${model.name}${model.version}-x` };
        const send = (): void => {
          const replyTo = published.map((d) => JSON.parse(d.payload)).find((r) => r.id === id);
          if (!replyTo) return;
          const t = clock.now();
          const base = { v: 1 as const, requestId: id, model: identity };
          const envelope: ScoreEnvelope = score.ok
            ? { ...base, receivedAt: t, startedAt: t, finishedAt: t, ok: true, output: score.model }
            : {
                ...base,
                receivedAt: t,
                startedAt: t,
                finishedAt: t,
                ok: false,
                error: { code: 'PREDICT_FAILED', message: 'x' },
              };
          const payload = JSON.stringify(envelope);
          void models.reply(replyTo.replyTo, { key: id, payload });
          if (score.twice) void models.reply(replyTo.replyTo, { key: id, payload });
        };
        clock.setTimeout(send, score.at);
      }
    }, req.at);
  });

  await clock.advance(1000);
  expect(settled.size).toBe(scenario.requests.length);
  for (const [id, s] of settled) {
    expect(s.times, `${id} settled once`).toBe(1);
    expect(s.at, `${id} settled by its deadline`).toBeLessThanOrEqual(s.deadline);
  }
  const ids = emitted.map((r) => r.requestId).sort();
  expect(ids).toEqual([...settled.keys()].sort());
  expect(rv.stats()).toMatchObject({ inFlight: 0, openMailboxes: 0 });
  await rv.stop();
  await models.close();
  await transport.close();
  expect(clock.pendingTimers).toBe(0);
}

describe('Rendezvous invariants (property)', () => {
  it('every request settles exactly once, by its deadline; results$ emits once per request; no mailbox is left', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, run), { numRuns: 150 });
  });
});
