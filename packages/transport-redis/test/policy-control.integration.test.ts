/**
 * Live policy change across processes on a real Redis: two front ends (each its own
 * RedisTransport connection, as two processes would have), two worker versions, steady requests,
 * and a controller that publishes a new spec mid-stream. No request is answered twice or lost,
 * each result names the policy and version that decided it, both front ends report the new
 * version, and a third front end started afterwards adopts it.
 */
import {
  ModelWorker,
  PolicyController,
  type PolicySpec,
  priority,
  Rendezvous,
  type RendezvousResult,
  type StreamNames,
} from '@rendezvous-ml/core';
import { requireService, startRedisServer, waitFor } from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const gate = await requireService('redis-server', () => startRedisServer());
const server = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await server?.dispose();
});

const OLD = priority({ order: ['dt@1', 'dt@2'] });
const NEW: PolicySpec = { policy: 'priority', order: ['dt@2', 'dt@1'] };
const NEW_NAME = 'priority(dt@2 > dt@1)';

describe.skipIf(!gate.ok)('live policy change over the Redis control channel', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  const connect = (): RedisTransport => {
    const t = new RedisTransport({ url: server!.url, claimIntervalMs: 100, blockMs: 200 });
    cleanups.push(() => t.close());
    return t;
  };

  it('switches two front ends mid-stream without losing or repeating a request', async () => {
    const tag = `pc-${Date.now().toString(36)}`;
    const streams: Partial<StreamNames> = {
      requests: `${tag}.requests`,
      deadLetter: `${tag}.dead`,
      heartbeats: `${tag}.hb`,
      results: `${tag}.results`,
      control: `${tag}.control`,
    };
    for (const version of ['1', '2']) {
      const worker = new ModelWorker({
        transport: connect(),
        model: { name: 'dt', version, instance: `dt${version}-a` },
        predict: async () => ({ by: `dt@${version}` }),
        streams,
        heartbeatIntervalMs: 200,
      });
      await worker.start();
      cleanups.push(() => worker.stop());
    }
    const frontEnd = async (instanceId: string): Promise<Rendezvous> => {
      const fe = new Rendezvous({
        transport: connect(),
        policy: OLD,
        instanceId,
        streams,
        deadlineMs: 2000,
        control: { reportIntervalMs: 500 },
      });
      await fe.start();
      cleanups.push(() => fe.close());
      return fe;
    };
    const fronts = [await frontEnd(`${tag}-a`), await frontEnd(`${tag}-b`)];
    const emitted = new Map<string, RendezvousResult[]>();
    for (const fe of fronts)
      fe.results$.subscribe((r) =>
        emitted.set(r.requestId, [...(emitted.get(r.requestId) ?? []), r]),
      );

    const controller = new PolicyController({
      transport: connect(),
      streams,
      queryMs: 300,
    });
    await controller.start();
    cleanups.push(() => controller.stop());
    expect(
      controller
        .frontEnds()
        .map((r) => r.instance)
        .sort(),
    ).toEqual([`${tag}-a`, `${tag}-b`]);

    // Steady load: each front end sends one request every 5 ms, for as long as `sending`.
    type Sent = {
      id: string;
      at: 'before' | 'during' | 'after';
      answer: Promise<RendezvousResult>;
    };
    const sent: Sent[] = [];
    let phase: Sent['at'] = 'before';
    let sending = true;
    const load = fronts.map(async (fe, f) => {
      for (let i = 0; sending; i++) {
        const id = `${tag}-${f}-${i}`;
        sent.push({ id, at: phase, answer: fe.request({ n: i }, { id }) });
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    // Counted, not timed: a loaded machine sends fewer requests in a given time.
    const sentIn = (at: Sent['at']) => sent.filter((s) => s.at === at).length;
    await waitFor(() => sentIn('before') > 30, '30 requests before the change', 15_000);
    phase = 'during';
    const report = await controller.publish(NEW, { expect: 2, waitMs: 5000 });
    phase = 'after';
    await waitFor(() => sentIn('after') > 30, '30 requests after the change', 15_000);
    sending = false;
    await Promise.all(load);

    expect(report.version).toBe(1);
    expect(report.applied.map((r) => r.instance).sort()).toEqual([`${tag}-a`, `${tag}-b`]);
    expect(report.rejected).toEqual([]);
    for (const fe of fronts) expect(fe.policy()).toEqual({ name: NEW_NAME, version: 1 });

    // None lost: every caller got an answer. None twice: one result per request id.
    const answers = await Promise.allSettled(sent.map((s) => s.answer));
    expect(answers.filter((a) => a.status === 'rejected')).toEqual([]);
    await waitFor(() => emitted.size === sent.length, 'a result for every request', 5000);
    for (const s of sent) expect(emitted.get(s.id)).toHaveLength(1);
    const byPhase = { before: 0, during: 0, after: 0 };
    for (const [i, s] of sent.entries()) {
      const result = (answers[i] as PromiseFulfilledResult<RendezvousResult>).value;
      expect(emitted.get(s.id)![0]!.decidedBy).toEqual(result.decidedBy);
      const { policy, policyVersion } = result.decidedBy;
      // Each result names the policy that decided it, and that policy's choice is the answer.
      if (policyVersion === 1) {
        expect(policy).toBe(NEW_NAME);
        expect(result.chosen?.model.version).toBe('2');
      } else {
        expect(policyVersion).toBeUndefined();
        expect(policy).toBe(OLD.name);
        expect(result.chosen?.model.version).toBe('1');
      }
      if (s.at === 'before') expect(policyVersion).toBeUndefined();
      if (s.at === 'after') expect(policyVersion).toBe(1);
      byPhase[s.at]++;
    }
    expect(byPhase.before).toBeGreaterThan(20);
    expect(byPhase.after).toBeGreaterThan(20);

    // Both front ends report the new version; a third one started now adopts it.
    await waitFor(
      () => controller.frontEnds().filter((r) => r.version === 1).length === 2,
      'both front ends to report version 1',
      5000,
    );
    const late = await frontEnd(`${tag}-c`);
    expect(late.policy()).toEqual({ name: NEW_NAME, version: 1 });
    const lateResult = await late.request({ n: -1 });
    expect(lateResult.decidedBy).toMatchObject({ policy: NEW_NAME, policyVersion: 1 });
    expect(lateResult.chosen?.model.version).toBe('2');
    await waitFor(
      () => controller.frontEnds().some((r) => r.instance === `${tag}-c` && r.version === 1),
      'the third front end to report version 1',
      5000,
    );
  }, 30_000);
});
