import { type Delivery, REPLY_TAP } from '@rendezvous-ml/core';
import { requireService, startRedisServer, waitFor } from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const gate = await requireService('redis-server', () => startRedisServer());
const server = gate.ok ? gate.service : undefined;

let seq = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`;

afterAll(async () => {
  await server?.dispose();
});

/** The `lag` field XINFO GROUPS reports for `group` (null when Redis cannot tell). */
async function reportedLag(admin: Redis, key: string, group: string): Promise<unknown> {
  const groups = (await admin.call('XINFO', 'GROUPS', key)) as unknown[][];
  const entry = groups.find((g) => g[g.indexOf('name') + 1] === group)!;
  return entry[entry.indexOf('lag') + 1];
}

describe.skipIf(!gate.ok)('redis groupLag', () => {
  const opened: (RedisTransport | Redis)[] = [];
  afterEach(async () => {
    for (const c of opened.splice(0)) {
      if (c instanceof RedisTransport) await c.close();
      else c.disconnect();
    }
  });
  const connect = (): { t: RedisTransport; admin: Redis } => {
    const t = new RedisTransport({ url: server!.url, keyPrefix: `${unique('lag')}:` });
    const admin = new Redis(server!.url);
    opened.push(t, admin);
    return { t, admin };
  };

  it('counts the undelivered entries itself when XDEL leaves Redis without a lag (null)', async () => {
    const { t, admin } = connect();
    const stream = unique('s');
    await t.ensureGroup(stream, 'g');
    for (let i = 0; i < 5; i++) await t.publish(stream, { payload: String(i) });
    const key = (await admin.keys(`*${stream}`))[0]!;
    const got: Delivery[] = [];
    const sub = t
      .consume(stream, { group: 'g', consumer: 'c', prefetch: 1 })
      .subscribe((d) => got.push(d));
    await waitFor(() => got.length === 1, 'one delivery');
    sub.unsubscribe(); // one entry pending, four undelivered
    const [, second] = (await admin.call('XRANGE', key, '-', '+')) as [string, unknown][];
    await admin.call('XDEL', key, second![0]);
    // Redis 7 reports null here; older versions have no lag field at all.
    expect(await reportedLag(admin, key, 'g')).toBeNull();
    expect(await t.groupLag(stream, 'g')).toBe(1 + 3);
  });

  it('counts every live reply stream of the reply tap, and only the tap group', async () => {
    const { t } = connect();
    const group = unique('tap');
    await t.ensureGroup(REPLY_TAP, group);
    const [a, b] = [await t.openReplyChannel(), await t.openReplyChannel()];
    await t.reply(a.address, { payload: 'a1' });
    await t.reply(b.address, { payload: 'b1' });
    await t.reply(b.address, { payload: 'b2' });
    expect(await t.groupLag(REPLY_TAP, group)).toBe(3);
    expect(await t.groupLag(REPLY_TAP, unique('never-declared'))).toBe(0);
    await a.close();
    await b.close();
  });
});
