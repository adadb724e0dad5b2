import {
  type Delivery,
  first,
  ModelWorker,
  Rendezvous,
  type RendezvousError,
} from '@rendezvous-ml/core';
import {
  inspectDeadLetters,
  requireService,
  startRedisServer,
  transportConformance,
  waitFor,
} from '@rendezvous-ml/test-kit';
import { RedisTransport, type RedisTransportOptions } from '@rendezvous-ml/transport-redis';
import { Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const gate = await requireService('redis-server', () => startRedisServer());
const server = gate.ok ? gate.service : undefined;

const CLAIM_IDLE_MS = 500;
const fast = { claimIdleMs: CLAIM_IDLE_MS, claimIntervalMs: 100, blockMs: 500 } as const;

let seq = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`;

afterAll(async () => {
  await server?.dispose();
});

describe.skipIf(!gate.ok)('redis transport', () => {
  transportConformance('redis', {
    create: () => new RedisTransport({ url: server!.url, ...fast }),
    settleMs: 5000,
    quietMs: 200,
  });

  describe('RedisTransport against redis-server', () => {
    const opened: RedisTransport[] = [];
    const clients: Redis[] = [];
    const subs: Subscription[] = [];
    const connect = (extra: RedisTransportOptions = {}): RedisTransport => {
      const t = new RedisTransport({ url: server!.url, ...fast, ...extra });
      opened.push(t);
      return t;
    };
    const admin = (): Redis => {
      const c = new Redis(server!.url, { maxRetriesPerRequest: null });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    };
    const streamsFor = () => ({
      requests: unique('requests'),
      deadLetter: unique('dead'),
      heartbeats: unique('hb'),
    });

    afterEach(async () => {
      for (const s of subs.splice(0)) s.unsubscribe();
      await Promise.all(opened.splice(0).map((t) => t.close()));
      for (const c of clients.splice(0)) c.disconnect();
    });

    it('claims the entries of a stuck member after claimIdleMs, with the delivery count raised', async () => {
      const [stuck, live] = [connect(), connect()];
      const stream = unique('s');
      await stuck.ensureGroup(stream, 'g');
      const held: Delivery[] = [];
      subs.push(
        stuck.consume(stream, { group: 'g', consumer: 'stuck' }).subscribe((d) => held.push(d)),
      );
      for (let i = 0; i < 3; i++) await stuck.publish(stream, { payload: String(i) });
      await waitFor(() => held.length === 3, 'the stuck member to hold 3');
      const started = Date.now();
      const claimed: Delivery[] = [];
      subs.push(
        live.consume(stream, { group: 'g', consumer: 'live' }).subscribe((d) => claimed.push(d)),
      );
      await waitFor(() => claimed.length === 3, 'the live member to claim 3', CLAIM_IDLE_MS + 3000);
      expect(Date.now() - started).toBeLessThan(CLAIM_IDLE_MS + 3000);
      expect(claimed.map((d) => d.payload).sort()).toEqual(['0', '1', '2']);
      expect(claimed.every((d) => d.deliveryCount === 2)).toBe(true);
      expect(held.length).toBe(3); // the stuck member does not take them back
      await Promise.all(claimed.map((d) => d.ack()));
      expect(live.stats().claimedEntries).toBe(3);
    });

    it('reads its own pending entries first when a member restarts under the same name', async () => {
      const t = connect();
      const stream = unique('s');
      await t.ensureGroup(stream, 'g');
      const firstLife: Delivery[] = [];
      const r = admin();
      const life = t
        .consume(stream, { group: 'g', consumer: 'same' })
        .subscribe((d) => firstLife.push(d));
      for (let i = 0; i < 2; i++) await t.publish(stream, { payload: String(i) });
      await waitFor(() => firstLife.length === 2, 'first life to get 2');
      life.unsubscribe(); // restart: the entries stay pending under the same consumer name
      const t2 = connect({ claimIdleMs: 60_000 });
      const secondLife: Delivery[] = [];
      subs.push(
        t2.consume(stream, { group: 'g', consumer: 'same' }).subscribe((d) => secondLife.push(d)),
      );
      await waitFor(() => secondLife.length === 2, 'its pending entries on restart');
      expect(secondLife.map((d) => d.deliveryCount)).toEqual([2, 2]);
      await Promise.all(secondLife.map((d) => d.ack()));
      expect(await r.xpending(`rdv:s:${stream}`, 'g')).toEqual([0, null, null, null]);
    });

    it('fault (a): requests held by a stuck worker are claimed and scored by another within claimIdle + margin', async () => {
      const streams = streamsFor();
      const [tFront, tStuck, tLive] = [connect(), connect(), connect()];
      let release: () => void = () => undefined;
      const hang = new Promise<number>((resolve) => (release = () => resolve(-1)));
      let stuckCalls = 0;
      const stuck = new ModelWorker<number, number>({
        transport: tStuck,
        model: { name: 'm', version: '1', instance: 'stuck' },
        predict: () => {
          stuckCalls++;
          return hang;
        },
        concurrency: 4,
        streams,
        heartbeatIntervalMs: 200,
      });
      await stuck.start();
      const rendezvous = new Rendezvous<number, number>({
        transport: tFront,
        policy: first(),
        deadlineMs: 10_000,
        streams,
      });
      await rendezvous.start();
      const answers = [1, 2, 3, 4, 5, 6].map((x) => rendezvous.request(x));
      await waitFor(() => stuckCalls === 4, 'the stuck worker to hang on 4 requests');
      const started = Date.now();
      const live = new ModelWorker<number, number>({
        transport: tLive,
        model: { name: 'm', version: '1', instance: 'live' },
        predict: (x) => x * 10,
        streams,
        heartbeatIntervalMs: 200,
      });
      await live.start();
      const results = await Promise.all(answers);
      expect(Date.now() - started).toBeLessThan(CLAIM_IDLE_MS + 3000);
      expect(results.map((r) => r.chosen?.output)).toEqual([10, 20, 30, 40, 50, 60]);
      expect(results.every((r) => r.chosen?.model.instance === 'live')).toBe(true);
      release();
      await live.stop();
      await stuck.stop();
      await rendezvous.stop();
    });

    it('fault (b): reconnects after redis-server restarts during traffic and answers every request sent after recovery', async () => {
      const streams = streamsFor();
      const [tFront, tw1, tw2] = [connect(), connect(), connect()];
      const workers = [tw1, tw2].map(
        (transport, i) =>
          new ModelWorker<number, number>({
            transport,
            model: { name: 'm', version: String(i + 1) },
            predict: (x) => x + 1,
            streams,
            heartbeatIntervalMs: 200,
          }),
      );
      for (const w of workers) await w.start();
      const rendezvous = new Rendezvous<number, number>({
        transport: tFront,
        policy: first(),
        deadlineMs: 5000,
        streams,
      });
      await rendezvous.start();
      await waitFor(() => rendezvous.registry.live().length === 2, 'both workers live');
      expect((await rendezvous.request(1)).chosen?.output).toBe(2);
      let traffic = true;
      let during = 0;
      const background = (async () => {
        while (traffic) {
          await rendezvous.request(during++).catch(() => undefined);
        }
      })();
      await waitFor(() => during > 5, 'traffic before the restart');
      await server!.restart();
      traffic = false;
      await background;
      const after = await Promise.all(
        Array.from({ length: 30 }, (_, i) => rendezvous.request(100 + i)),
      );
      expect(after.map((r) => r.chosen?.output)).toEqual(
        Array.from({ length: 30 }, (_, i) => 101 + i),
      );
      await rendezvous.stop();
      for (const w of workers) await w.stop();
    });

    it('recreates a consumer group the server lost (NOGROUP) and keeps consuming', async () => {
      const t = connect();
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
      await admin().del(`rdv:s:${stream}`);
      await waitFor(
        () => {
          t.publish(stream, { payload: 'after' }).catch(() => undefined);
          return got.some((d) => d.payload === 'after');
        },
        'a message after the group was lost',
        5000,
        100,
      );
    });

    it('fault (c): malformed stream entries are dead-lettered and counted, and the worker keeps going', async () => {
      const streams = streamsFor();
      const [tWorker, tFront] = [connect(), connect()];
      const dead = await inspectDeadLetters(tWorker, streams.deadLetter);
      subs.push(dead.subscription);
      const worker = new ModelWorker<number, number>({
        transport: tWorker,
        model: { name: 'm', version: '1' },
        predict: (x) => x * 2,
        streams,
      });
      await worker.start();
      const rendezvous = new Rendezvous<number, number>({
        transport: tFront,
        policy: first(),
        deadlineMs: 5000,
        streams,
      });
      await rendezvous.start();
      const foreign = admin();
      await foreign.xadd(`rdv:s:${streams.requests}`, '*', 'foo', 'bar');
      await foreign.xadd(`rdv:s:${streams.requests}`, '*', 'payload', '{"v":1}');
      expect((await rendezvous.request(21)).chosen?.output).toBe(42);
      const records = await dead.settle(2, () => worker.stats().deadLettered);
      expect(records.map((r) => r.reason.code)).toEqual(['INVALID_ENVELOPE', 'INVALID_ENVELOPE']);
      expect(JSON.parse(records[0]!.payload)).toEqual({ foo: 'bar' });
      expect(tWorker.stats().malformedEntries).toBe(2);
      expect((await rendezvous.request(5)).chosen?.output).toBe(10);
      await rendezvous.stop();
      await worker.stop();
    });

    it('trims streams (MAXLEN ~) so memory stays bounded', async () => {
      const t = connect({ maxLen: 50 });
      const stream = unique('s');
      await t.ensureGroup(stream, 'g');
      await Promise.all(
        Array.from({ length: 2000 }, (_, i) => t.publish(stream, { payload: String(i) })),
      );
      const len = await admin().xlen(`rdv:s:${stream}`);
      expect(len).toBeLessThan(300);
    });

    it('keeps secrets out of errors and logs when the credentials are wrong', async () => {
      const secret = 'right-horse-battery-staple';
      const wrong = 'wrong-horse-battery-staple';
      const user = unique('user');
      await admin().call('ACL', 'SETUSER', user, 'on', `>${secret}`, '~*', '&*', '+@all');
      const logged: string[] = [];
      const original = { error: console.error, warn: console.warn, log: console.log };
      for (const k of ['error', 'warn', 'log'] as const)
        console[k] = (...args: unknown[]) => logged.push(args.map(String).join(' '));
      try {
        const bad = connect({ username: user, password: wrong });
        const background: RendezvousError[] = [];
        subs.push(bad.errors$.subscribe((e) => background.push(e)));
        const error = await bad.publish('s', { payload: 'x' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Error);
        expect((error as RendezvousError).code).toBe('AUTHENTICATION_FAILED');
        const url = new URL(server!.url);
        url.username = user;
        url.password = wrong;
        const viaUrl = connect({ url: url.toString() });
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
        expect(all).toContain('WRONGPASS');
        expect(all).not.toContain(wrong);
        expect(all).not.toContain(secret);
        const good = connect({ username: user, password: secret });
        await good.publish(unique('s'), { payload: 'ok' });
      } finally {
        Object.assign(console, original);
      }
    });
  });
});
