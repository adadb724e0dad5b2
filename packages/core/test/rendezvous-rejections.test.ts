// A foreign worker's mistakes are visible on the front end: every score or heartbeat it
// rejects is counted and emitted on rejections$ with the field and the reason.
import { first, type Rejection } from '@rendezvous-ml/core';
import { decodeRequest } from '@rendezvous-ml/core/wire';
import { describe, expect, it } from 'vitest';
import { frontEndRig, tapStream } from './harness.js';

describe('Rendezvous: rejections$ (foreign mistakes)', () => {
  it('reports a score with a wrong field (named, with its sender) and counts it', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    const seen: Rejection[] = [];
    b.rendezvous.rejections$.subscribe((r) => seen.push(r));
    const requests = await tapStream(b.transport, 'requests');
    void b.rendezvous.request({}, { id: 'probe', deadlineMs: 10 }).catch(() => undefined);
    await b.clock.tick();
    const decoded = decodeRequest(requests[0]!.payload);
    if (!decoded.ok) throw decoded.error;
    const score = {
      v: 1,
      requestId: 'probe',
      model: { name: 'py', version: 1, instance: 'py-1' },
      ok: true,
      output: 1,
      receivedAt: 0,
      startedAt: 0,
      finishedAt: 0,
    };
    await b.transport.reply(decoded.value.replyTo, { payload: JSON.stringify(score) });
    await b.clock.advance(10);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ kind: 'score', path: '/model/version', sender: 'py@?/py-1' });
    expect(seen[0]!.reason).toContain('/model/version');
    expect(seen[0]!.excerpt).toContain('"requestId":"probe"');
    expect(b.rendezvous.stats().invalidScores).toBe(1);
    await b.close();
  });

  it('reports a heartbeat that breaks the protocol instead of dropping it silently', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    const seen: Rejection[] = [];
    b.rendezvous.rejections$.subscribe((r) => seen.push(r));
    const hb = {
      v: '1',
      kind: 'alive',
      model: { name: 'py', version: '1', instance: 'py-1' },
      intervalMs: 1000,
      ts: 0,
    };
    await b.transport.broadcast('heartbeats', JSON.stringify(hb));
    await b.transport.broadcast('heartbeats', JSON.stringify({ ...hb, v: 1, intervalMs: 0 }));
    await b.transport.broadcast('heartbeats', 'x'.repeat(1000));
    await b.clock.tick();
    expect(seen.map((r) => [r.kind, r.path])).toEqual([
      ['heartbeat', '/v'],
      ['heartbeat', '/intervalMs'],
      ['heartbeat', ''],
    ]);
    expect(seen[0]!.sender).toBe('py@1/py-1');
    expect(seen[2]!.excerpt.length).toBeLessThanOrEqual(257);
    expect(b.rendezvous.stats().invalidHeartbeats).toBe(3);
    // The broken worker never became live.
    expect(b.rendezvous.registry.live().map((m) => m.name)).not.toContain('py');
    await b.close();
  });

  it('completes rejections$ on close()', async () => {
    const b = await frontEndRig(first(), ['a@1']);
    let completed = false;
    b.rendezvous.rejections$.subscribe({ complete: () => (completed = true) });
    await b.close();
    expect(completed).toBe(true);
  });
});
