/**
 * Live policy replacement across two front-end processes on Redis, under steady load: a
 * controller in this process publishes a new spec while both iris front ends serve. No request
 * fails, none is lost or decided twice, every result names the policy (and version) that decided
 * it, and the requests decided under the new version are answered by the model it prefers.
 */

import { PolicyController, type RendezvousResult } from '@rendezvous-ml/core';
import { decodeResult } from '@rendezvous-ml/core/wire';
import { type RedisServer, requireService, startRedisServer } from '@rendezvous-ml/test-kit';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Subscription } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../examples/iris/src/config.js';
import { transportFactory } from '../../examples/iris/src/transports.js';
import { startIrisDeployment } from '../lib/iris-deployment.js';
import { SettlementTracker } from '../lib/settlement-tracker.js';
import { sleep, startLoad } from '../lib/steady-load.js';
import { untilAnswering } from '../lib/until-answering.js';

const redis = await requireService('redis-server', () => startRedisServer({ appendonly: false }));

afterAll(async () => {
  if (redis.ok) await redis.service.dispose();
});

const LR_FIRST = { policy: 'priority', order: ['lr', 'dt'], only: true } as const;

describe.skipIf(!redis.ok)('live policy replacement across two front-end processes', () => {
  const server = redis.ok ? redis.service : (undefined as unknown as RedisServer);

  it('under load: none failed, lost or decided twice; each result names its policy', {
    timeout: 240_000,
  }, async () => {
    const admin = new Redis(server.url);
    await admin.flushall(); // the iris streams have a fixed prefix
    admin.disconnect();
    const env = { RENDEZVOUS_TRANSPORT: 'redis', REDIS_URL: server.url };
    const deployment = await startIrisDeployment(env, { deadlineMs: 2000, frontEnds: 2 });
    const transport = await transportFactory(readConfig(env), pino({ level: 'silent' }))();
    const controller = new PolicyController({ transport });
    const results: RendezvousResult[] = [];
    let invalid = 0;
    let subscription: Subscription | undefined;
    try {
      await untilAnswering(deployment, 2000);
      // Every result the front ends publish from now on, raw (no de-duplication).
      await transport.ensureGroup('results', 'live-policy-test');
      subscription = transport
        .consume('results', { group: 'live-policy-test', consumer: 'test' })
        .subscribe((d) => {
          const decoded = decodeResult(d.payload);
          if (decoded.ok) results.push(decoded.value);
          else invalid++;
          void d.ack();
        });
      await controller.start();
      for (const until = Date.now() + 20_000; controller.frontEnds().length < 2; ) {
        if (Date.now() > until) throw new Error('the controller never heard both front ends');
        await sleep(100);
      }
      await sleep(500);
      const tracker = new SettlementTracker();
      const loadStart = Date.now();
      const load = startLoad({
        rate: 40,
        deadlineMs: 2000,
        tracker,
        call: (i) => deployment.call(i),
      });
      await sleep(3000);
      const report = await controller.publish(LR_FIRST, { expect: 2, waitMs: 10_000 });
      const appliedAt = Date.now();
      await sleep(3000);
      await load.stop();
      await tracker.drain();
      await sleep(1500); // the last results on their way through the results stream

      expect(report.rejected).toEqual([]);
      expect(report.applied.map((r) => r.instance).sort()).toHaveLength(2);
      const summary = tracker.summary();
      expect(summary.failed, deployment.logs()).toEqual({});
      expect(summary.hung).toBe(0);
      expect(invalid).toBe(0);

      // Each answered request has exactly one result, and no result is for an unknown request.
      const answered = tracker.answeredIds(loadStart);
      const counts = new Map<string, number>();
      for (const r of results) counts.set(r.requestId, (counts.get(r.requestId) ?? 0) + 1);
      const twice = [...counts].filter(([, n]) => n > 1);
      expect(twice, 'results published twice').toEqual([]);
      const missing = [...answered].filter((id) => !counts.has(id));
      expect(missing, 'answered requests without a result').toEqual([]);
      expect(answered.size).toBeGreaterThan(150);

      // Each result names the policy that decided it; the new version answers with lr.
      const byVersion = new Map<number | undefined, RendezvousResult[]>();
      for (const r of results.filter((x) => answered.has(x.requestId))) {
        expect(r.decidedBy.policy.length).toBeGreaterThan(0);
        const v = r.decidedBy.policyVersion;
        byVersion.set(v, [...(byVersion.get(v) ?? []), r]);
      }
      const before = byVersion.get(undefined) ?? [];
      const after = byVersion.get(report.version) ?? [];
      expect(before.length).toBeGreaterThan(50);
      expect(after.length).toBeGreaterThan(50);
      expect([...byVersion.keys()].sort()).toEqual([report.version, undefined].sort());
      expect(new Set(before.map((r) => r.decidedBy.policy))).toEqual(new Set(['latestVersion']));
      expect(new Set(after.map((r) => r.decidedBy.policy))).toEqual(new Set(['priority(lr > dt)']));
      expect(new Set(after.map((r) => r.chosen?.model.name))).toEqual(new Set(['lr']));
      expect(new Set(before.map((r) => r.chosen?.model.name))).toEqual(new Set(['dt']));
      // Both front ends decided under the new version, and it took effect at once.
      const instances = new Set(after.map((r) => r.requestId.split('-').slice(0, 2).join('-')));
      expect(instances.size).toBe(2);
      expect(after.every((r) => r.startedAt >= loadStart)).toBe(true);
      expect(before.filter((r) => r.startedAt > appliedAt)).toEqual([]);
    } finally {
      subscription?.unsubscribe();
      await controller.stop();
      await transport.close();
      await deployment.stop();
    }
  });
});
