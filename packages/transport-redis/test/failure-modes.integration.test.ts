import { type Delivery, ModelWorker, type RendezvousError } from '@rendezvous-ml/core';
import { requireService, startRedisServer, waitFor } from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const PASSWORD = 'correct-horse-battery-staple';
const gate = await requireService('redis-server', () => startRedisServer({ password: PASSWORD }));
const server = gate.ok ? gate.service : undefined;

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterAll(async () => {
  await server?.dispose();
});

describe.skipIf(!gate.ok)('redis-server with requirepass', () => {
  const opened: RedisTransport[] = [];
  const clients: Redis[] = [];
  const connect = (url: string, extra: { replyTtlMs?: number } = {}): RedisTransport => {
    const t = new RedisTransport({ url, claimIntervalMs: 100, blockMs: 200, ...extra });
    opened.push(t);
    return t;
  };
  const wrongUrl = (): string => {
    const u = new URL(server!.url);
    u.password = 'wrong-password';
    return u.toString();
  };
  const admin = (): Redis => {
    const c = new Redis(server!.url, { maxRetriesPerRequest: null });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  const connectionsReceived = async (): Promise<number> => {
    const info = await admin().info('stats');
    return Number(/total_connections_received:(\d+)/.exec(info)?.[1]);
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
    for (const c of clients.splice(0)) c.disconnect();
  });

  it('fails publish fast with AUTHENTICATION_FAILED on a wrong password, and stops reconnecting', async () => {
    const t = connect(wrongUrl());
    const background: RendezvousError[] = [];
    t.errors$.subscribe((e) => background.push(e));
    const before = await connectionsReceived();
    const started = Date.now();
    const error = (await t
      .publish('s', { payload: 'x' })
      .catch((e: unknown) => e)) as RendezvousError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.code).toBe('AUTHENTICATION_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('check the username and password');
    expect(error.message).not.toContain('wrong-password');
    // No retry loop: over 1.5 s (ioredis would reconnect every 50..1000 ms) no new connection.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await connectionsReceived()) - before).toBeLessThanOrEqual(2); // its own + admin's
    expect(background.map((e) => e.code)).toEqual(['AUTHENTICATION_FAILED']);
    const again = (await t
      .publish('s', { payload: 'x' })
      .catch((e: unknown) => e)) as RendezvousError;
    expect(again.code).toBe('AUTHENTICATION_FAILED');
  });

  it('fails a worker start fast with AUTHENTICATION_FAILED and ends its consume subscription', async () => {
    const t = connect(wrongUrl());
    const worker = new ModelWorker<number, number>({
      transport: t,
      model: { name: 'm', version: '1' },
      predict: (x) => x,
    });
    const started = Date.now();
    const error = (await worker.start().catch((e: unknown) => e)) as RendezvousError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.code).toBe('AUTHENTICATION_FAILED');
    const ended: unknown[] = [];
    t.consume('s', { group: 'g', consumer: 'c' }).subscribe({ error: (e) => ended.push(e) });
    await waitFor(() => ended.length === 1, 'the consume subscription to end with the error');
    expect((ended[0] as RendezvousError).code).toBe('AUTHENTICATION_FAILED');
  });

  it('works with the right password', async () => {
    const t = connect(server!.url);
    await t.publish('s', { payload: 'ok' });
    expect(t.stats().published).toBe(1);
  });

  it('does not re-create the reply stream of a closed front end when a late reply arrives', async () => {
    const t = connect(server!.url, { replyTtlMs: 300 });
    const channel = await t.openReplyChannel();
    const key = `rdv:r:${channel.address}`;
    const r = admin();
    await channel.close();
    // Within replyTtlMs of the close the stream still exists (the reply tap reads what is left),
    // and a late reply keeps its expiry.
    await t.reply(channel.address, { key: 'late', payload: '{}' });
    expect(await r.pttl(key)).toBeGreaterThan(0);
    await eventually(async () => (await r.exists(key)) === 0, 'the stream to expire', 3000);
    await t.reply(channel.address, { key: 'later', payload: '{}' });
    expect(await r.exists(key)).toBe(0);
    expect(t.stats().repliesToClosedAddresses).toBe(1);
  });

  it('keeps the reply stream of an open front end alive, re-creating it if Redis lost it', async () => {
    const t = connect(server!.url, { replyTtlMs: 300 });
    const channel = await t.openReplyChannel();
    const got: string[] = [];
    channel.messages.subscribe((m) => got.push(m.payload));
    const key = `rdv:r:${channel.address}`;
    await admin().del(key);
    await eventually(
      async () => (await admin().exists(key)) === 1,
      'the stream to be re-created',
      3000,
    );
    expect(await admin().pttl(key)).toBeGreaterThan(0);
    await t.reply(channel.address, { payload: 'after' });
    await waitFor(() => got.includes('after'), 'the reply after the stream was re-created');
    await channel.close();
  });

  it('ends a consume subscription with a counted UNEXPECTED_REPLY when it cannot read a reply', async () => {
    // A client whose blocking reads answer in a shape the transport does not know (as ioredis 6
    // did before it was supported): the member must fail loudly, not read nothing for ever.
    const client = (options: RedisOptions): Redis => {
      const c = new Redis(options);
      const duplicate = c.duplicate.bind(c);
      c.duplicate = (override?: Partial<RedisOptions>) => {
        const d = duplicate(override);
        const call = d.call.bind(d) as (...args: unknown[]) => Promise<unknown>;
        Object.assign(d, {
          call: async (...args: unknown[]) => {
            const reply = await call(...args);
            return args[0] === 'XREADGROUP' && reply !== null ? { shape: 'unknown' } : reply;
          },
        });
        return d;
      };
      return c;
    };
    const t = new RedisTransport({ url: server!.url, blockMs: 200, client });
    opened.push(t);
    const background: RendezvousError[] = [];
    t.errors$.subscribe((e) => background.push(e));
    await t.ensureGroup('odd', 'g');
    const ended: unknown[] = [];
    const got: Delivery[] = [];
    t.consume('odd', { group: 'g', consumer: 'c' }).subscribe({
      next: (d) => got.push(d),
      error: (e) => ended.push(e),
    });
    await t.publish('odd', { payload: 'x' });
    await waitFor(() => ended.length === 1, 'the subscription to end with the error');
    expect((ended[0] as RendezvousError).code).toBe('UNEXPECTED_REPLY');
    expect(background.map((e) => e.code)).toContain('UNEXPECTED_REPLY');
    expect(t.stats().unexpectedReplies).toBe(1);
    expect(got).toEqual([]);
  });
});
