import type { Delivery, IncomingMessage, RendezvousError } from '@rendezvous-ml/core';
import { requireService, startRedisServer, waitFor } from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const gate = await requireService('redis-server', () => startRedisServer());
const server = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await server?.dispose();
});

// Redis refuses a BLOCK, COUNT, IDLE, MAXLEN or PEXPIRE that is not a whole number
// (`ERR value is not an integer or out of range`). Durations and sizes computed by the caller
// (a TTL of 0.9 × a deadline, a prefetch of 1.5 × concurrency) are often fractional.
describe.skipIf(!gate.ok)('RedisTransport numeric arguments', () => {
  const opened: RedisTransport[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
    for (const c of clients.splice(0)) c.disconnect();
  });
  const fractional = (): RedisTransport => {
    const t = new RedisTransport({
      url: server!.url,
      keyPrefix: `num-${Date.now().toString(36)}:`,
      maxLen: 1000.5,
      replyMaxLen: 100.5,
      claimIdleMs: 200.5,
      claimIntervalMs: 50.5,
      blockMs: 100.5,
      tapRefreshMs: 50.5,
      replyTtlMs: 3000.5,
      defaultPrefetch: 1.5,
    });
    opened.push(t);
    return t;
  };

  it('publishes, consumes and claims with fractional sizes and durations, without errors', async () => {
    const t = fractional();
    const background: RendezvousError[] = [];
    t.errors$.subscribe((e) => background.push(e));
    await t.ensureGroup('s', 'g');
    const a: Delivery[] = [];
    const b: Delivery[] = [];
    const failures: unknown[] = [];
    const onError = (e: unknown): number => failures.push(e);
    const subA = t
      .consume('s', { group: 'g', consumer: 'a' })
      .subscribe({ next: (d) => a.push(d), error: onError });
    await t.publish('s', { payload: 'x' });
    await waitFor(() => a.length === 1 || failures.length > 0, 'the first delivery', 5000);
    // `a` holds it unacknowledged; `b` claims it once it has been idle for claimIdleMs.
    const subB = t
      .consume('s', { group: 'g', consumer: 'b', prefetch: 1.5 })
      .subscribe({ next: (d) => b.push(d), error: onError });
    await waitFor(() => b.length === 1 || failures.length > 0, 'the claimed delivery', 5000);
    expect(failures).toEqual([]);
    expect(b[0]!.deliveryCount).toBe(2);
    await b[0]!.ack();
    subA.unsubscribe();
    subB.unsubscribe();
    expect(background.map((e) => e.message)).toEqual([]);
  });

  it('reads replies and expires the reply stream with fractional durations, without errors', async () => {
    const t = fractional();
    const background: RendezvousError[] = [];
    t.errors$.subscribe((e) => background.push(e));
    const channel = await t.openReplyChannel();
    const got: IncomingMessage[] = [];
    const failures: unknown[] = [];
    channel.messages.subscribe({ next: (m) => got.push(m), error: (e) => failures.push(e) });
    await t.reply(channel.address, { payload: 'r' });
    await waitFor(() => got.length === 1 || failures.length > 0, 'the reply', 5000);
    expect(failures).toEqual([]);
    expect(got.map((m) => m.payload)).toEqual(['r']);
    const admin = new Redis(server!.url);
    clients.push(admin);
    const keys = await admin.keys('num-*:r:*');
    const ttls = await Promise.all(keys.map((k) => admin.pttl(k)));
    expect(ttls.length).toBeGreaterThan(0);
    for (const ttl of ttls) expect(ttl).toBeGreaterThan(0);
    await channel.close();
    expect(background.map((e) => e.message)).toEqual([]);
  });
});
