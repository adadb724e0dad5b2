import {
  type Json,
  ModelWorker,
  priority,
  Rendezvous,
  type RendezvousResult,
  shadow,
} from '@rendezvous-ml/core';
import { requireService, startRedisServer } from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';

const gate = await requireService('redis-server', () => startRedisServer({ appendonly: false }));
const server = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await server?.dispose();
});

const label = (input: Json) => Math.floor(Number((input as { x: number }).x) % 3);

describe.skipIf(!gate.ok)('rendezvous-rollout on Redis', () => {
  it('rolls dt@2 out over two front ends under load — each stage judged on its own results — with 0 failed requests', {
    timeout: 120_000,
  }, async () => {
    const prefix = `rollout-cli-${Date.now().toString(36)}:`;
    const transports: RedisTransport[] = [];
    const open = () => {
      const t = new RedisTransport({ url: server!.url, keyPrefix: prefix });
      transports.push(t);
      return t;
    };
    const workers = [
      new ModelWorker({ transport: open(), model: { name: 'dt', version: '1' }, predict: label }),
      new ModelWorker({ transport: open(), model: { name: 'dt', version: '2' }, predict: label }),
      new ModelWorker({ transport: open(), model: { name: 'lr', version: '0' }, predict: label }),
    ];
    await Promise.all(workers.map((w) => w.start()));
    const frontEnds = [0, 1].map(
      () =>
        new Rendezvous({
          transport: open(),
          policy: shadow(priority({ order: ['dt@1', 'lr'] }), ['dt@2']),
          deadlineMs: 1000,
          publishResults: true,
          control: true,
        }),
    );
    await Promise.all(frontEnds.map((f) => f.start()));
    const results: RendezvousResult[] = [];
    for (const f of frontEnds) f.results$.subscribe((r) => results.push(r));

    // Steady load on both front ends until the rollout ends: 2 × 100 requests a second.
    let running = true;
    let failed = 0;
    let sent = 0;
    const load = (async () => {
      const pending = new Set<Promise<unknown>>();
      while (running) {
        for (const f of frontEnds) {
          const p = f.request({ x: sent++ }).catch(() => {
            failed++;
          });
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      await Promise.all(pending);
    })();

    let out = '';
    let err = '';
    const code = await runCli(
      [
        '--transport',
        'redis',
        '--redis-url',
        server!.url,
        '--broker-prefix',
        prefix,
        '--candidate',
        'dt@2',
        '--current',
        'dt@1',
        '--keep',
        'lr',
        '--shares',
        '10,50',
        '--min-samples',
        '100',
        '--max-stage-ms',
        '30000',
        '--retire-wait-ms',
        '10000',
        '--expect-front-ends',
        '2',
      ],
      {
        stdout: (s) => {
          out += s;
        },
        stderr: (s) => {
          err += s;
        },
      },
    );
    running = false;
    await load;
    try {
      expect(code, `${out}\n${err}`).toBe(0);
      const decisions = [
        ...out.matchAll(/\] (.+?) {2,}(started|advanced|ROLLED BACK|COMPLETED)\b/g),
      ].map((m) => `${m[2]} ${m[1]}`);
      expect(decisions).toEqual([
        'started shadow',
        'advanced shadow',
        'started canary 10%',
        'advanced canary 10%',
        'started canary 50%',
        'advanced canary 50%',
        'started promoted',
        'advanced promoted',
        'started retired',
        'COMPLETED retired',
      ]);
      // Both front ends applied every stage.
      expect(out.match(/applied by 2 front end\(s\)/g)).toHaveLength(5);
      expect(out).toMatch(/dt@1 retired: gone from the results/);
      expect(failed).toBe(0);
      expect(sent).toBeGreaterThan(500);
      // Results name the policy version that decided them: every stage's is there.
      const versions = new Set(results.map((r) => r.decidedBy.policyVersion));
      for (const v of [1, 2, 3, 4, 5]) expect(versions.has(v), `version ${v}`).toBe(true);
      // After the retirement, dt@2 answers.
      const last = results.slice(-50);
      expect(
        last.every((r) => r.chosen?.model.name === 'dt' && r.chosen.model.version === '2'),
      ).toBe(true);
    } finally {
      await Promise.all(frontEnds.map((f) => f.close()));
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(transports.map((t) => t.close()));
    }
  });
});
