import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Delivery, RendezvousError } from '@rendezvous-ml/core';
import { requireService, startNatsServer, waitFor } from '@rendezvous-ml/test-kit';
import { NatsTransport, type NatsTransportOptions } from '@rendezvous-ml/transport-nats';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const USER = 'rendezvous';
const SECRET = 'right-horse-battery-staple';
const gate = await requireService('nats-server', () =>
  startNatsServer({ user: USER, password: SECRET }),
);
const server = gate.ok ? gate.service : undefined;

let seq = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`;

afterAll(async () => {
  await server?.dispose();
});

describe.skipIf(!gate.ok)('NatsTransport against nats-server', () => {
  const opened: NatsTransport[] = [];
  const clients: NatsConnection[] = [];
  const subs: Subscription[] = [];
  const transport = (extra: NatsTransportOptions = {}): NatsTransport => {
    const t = new NatsTransport({ servers: server!.url, user: USER, pass: SECRET, ...extra });
    opened.push(t);
    return t;
  };
  const admin = async (): Promise<NatsConnection> => {
    const nc = await connect({ servers: server!.url, user: USER, pass: SECRET });
    clients.push(nc);
    return nc;
  };

  afterEach(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    await Promise.all(opened.splice(0).map((t) => t.close()));
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it('a live member keeps what it holds past ack_wait (it tells the server it is working); another member does not get it', {
    timeout: 30_000,
  }, async () => {
    const ackWaitMs = 1000;
    const [slow, other] = [transport({ ackWaitMs }), transport({ ackWaitMs })];
    const stream = unique('s');
    await slow.ensureGroup(stream, 'g');
    const held: Delivery[] = [];
    subs.push(
      slow
        .consume(stream, { group: 'g', consumer: 'slow', prefetch: 1 })
        .subscribe((d) => held.push(d)),
    );
    await slow.publish(stream, { payload: 'long job' });
    await waitFor(() => held.length === 1, 'the slow member to hold the message');
    const stolen: Delivery[] = [];
    subs.push(
      other.consume(stream, { group: 'g', consumer: 'other' }).subscribe((d) => stolen.push(d)),
    );
    await new Promise((r) => setTimeout(r, ackWaitMs * 4));
    expect(stolen).toEqual([]);
    await held[0]!.ack();
    await new Promise((r) => setTimeout(r, ackWaitMs * 2));
    expect(stolen).toEqual([]);
  });

  it('creates again a consumer the server lost, and keeps consuming', async () => {
    const t = transport({ fetchExpiresMs: 1000 });
    const stream = unique('s');
    await t.ensureGroup(stream, 'g');
    const got: Delivery[] = [];
    subs.push(
      t.consume(stream, { group: 'g', consumer: 'c' }).subscribe((d) => {
        got.push(d);
        void d.ack();
      }),
    );
    await t.publish(stream, { payload: 'before' });
    await waitFor(() => got.length === 1, 'the first message');
    const jsm = await jetstreamManager(await admin());
    await jsm.consumers.delete(`rdv-s-${stream}`, 'g');
    await waitFor(
      () => {
        t.publish(stream, { payload: 'after' }).catch(() => undefined);
        return got.some((d) => d.payload === 'after');
      },
      'a message after the consumer was lost',
      15_000,
      250,
    );
  });

  it('trims streams by their limits (max_msgs), so storage stays bounded', async () => {
    const t = transport({ maxMsgs: 50 });
    const stream = unique('s');
    await t.ensureGroup(stream, 'g');
    for (let i = 0; i < 200; i++) await t.publish(stream, { payload: String(i) });
    const jsm = await jetstreamManager(await admin());
    const info = await jsm.streams.info(`rdv-s-${stream}`);
    expect(info.state.messages).toBe(50);
    expect(info.config.max_msgs).toBe(50);
    expect(info.config.max_age).toBe(24 * 3_600_000 * 1_000_000);
  });

  it('refuses a return address that is not one (a wildcard would reach many front ends)', async () => {
    const t = transport();
    const error = await t.reply('rdv.r.>', { payload: 'x' }).catch((e: unknown) => e);
    expect((error as RendezvousError).code).toBe('INVALID_ENVELOPE');
  });

  it('keeps secrets out of errors and logs when the credentials are wrong', async () => {
    const wrong = 'wrong-horse-battery-staple';
    const logged: string[] = [];
    const original = { error: console.error, warn: console.warn, log: console.log };
    for (const k of ['error', 'warn', 'log'] as const)
      console[k] = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    try {
      const bad = transport({ pass: wrong });
      const background: RendezvousError[] = [];
      subs.push(bad.errors$.subscribe((e) => background.push(e)));
      const error = await bad.publish('s', { payload: 'x' }).catch((e: unknown) => e);
      expect((error as RendezvousError).code).toBe('AUTHENTICATION_FAILED');
      expect((error as RendezvousError).retryable).toBe(false);
      const url = new URL(server!.url);
      url.username = USER;
      url.password = wrong;
      const viaUrl = new NatsTransport({ servers: url.toString() });
      opened.push(viaUrl);
      const error2 = await viaUrl.publish('s', { payload: 'x' }).catch((e: unknown) => e);
      expect((error2 as RendezvousError).code).toBe('AUTHENTICATION_FAILED');
      const texts = [error, error2, ...background].flatMap((e) => {
        const err = e as Error;
        const cause = err.cause as Error | undefined;
        return [
          err.message,
          String(err.stack),
          JSON.stringify(err),
          String(cause?.message),
          JSON.stringify(cause ?? {}),
        ];
      });
      const all = [...texts, ...logged].join('\n');
      expect(all.toLowerCase()).toContain('authorization violation');
      expect(all).not.toContain(wrong);
      expect(all).not.toContain(SECRET);
      await transport().publish(unique('s'), { payload: 'ok' });
    } finally {
      Object.assign(console, original);
    }
  });
});
