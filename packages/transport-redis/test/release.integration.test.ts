import type { Delivery, RendezvousError } from '@rendezvous-ml/core';
import { requireService, startRedisServer, waitFor } from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const gate = await requireService('redis-server', () => startRedisServer());
const server = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await server?.dispose();
});

describe.skipIf(!gate.ok)('RedisTransport release', () => {
  const opened: RedisTransport[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });

  // A worker's backoff is jittered (`delayMs` = 72.38... ms): the read loop blocks until the
  // release falls due, and Redis refuses a BLOCK that is not a whole number of milliseconds.
  it('redelivers after a fractional delayMs and keeps the subscription open', async () => {
    const t = new RedisTransport({ url: server!.url, claimIntervalMs: 10_000, blockMs: 5000 });
    opened.push(t);
    const stream = `s-${Date.now().toString(36)}`;
    await t.ensureGroup(stream, 'g');
    const got: Delivery[] = [];
    const failures: unknown[] = [];
    const background: RendezvousError[] = [];
    t.errors$.subscribe((e) => background.push(e));
    const sub = t
      .consume(stream, { group: 'g', consumer: 'c', prefetch: 1 })
      .subscribe({ next: (d) => got.push(d), error: (e: unknown) => failures.push(e) });
    await t.publish(stream, { payload: 'x' });
    await waitFor(() => got.length === 1, 'the first delivery');
    await got[0]!.release({ delayMs: 300.37 });
    await waitFor(() => got.length === 2 || failures.length > 0, 'the redelivery', 5000);
    expect(failures).toEqual([]);
    expect(background.map((e) => e.message)).toEqual([]);
    expect(got[1]!.deliveryCount).toBe(2);
    await got[1]!.ack();
    sub.unsubscribe();
  });
});
