/**
 * The transport conformance suite. Every transport package runs it against its own transport:
 *
 * ```ts
 * transportConformance('redis', { create: () => new RedisTransport({ url }) });
 * ```
 *
 * @packageDocumentation
 */
import {
  type Delivery,
  first,
  type IncomingMessage,
  InvalidEnvelopeError,
  latestVersion,
  ModelWorker,
  REPLY_TAP,
  Rendezvous,
  type Transport,
  TransportClosedError,
} from '@rendezvous-ml/core';
import type { Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { envelopeConformance } from './envelope-conformance.js';
import { waitFor } from './wait-for.js';

export { waitFor } from './wait-for.js';

/** How to reach the transport under test. */
export interface ConformanceTarget {
  /**
   * Returns a new, independent connection to the same backend each time it is called, as if
   * from another process. The suite closes every transport it creates.
   */
  create(): Transport | Promise<Transport>;
  /** Upper bound for things that take real time on this broker (joins, rebalances, claims). Default 10 s. */
  readonly settleMs?: number;
  /** How long to wait for a message that must NOT arrive. Default 300 ms. */
  readonly quietMs?: number;
}

let counter = 0;
function unique(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

function collect<T>(source: { subscribe(next: (v: T) => void): Subscription }): {
  items: T[];
  sub: Subscription;
} {
  const items: T[] = [];
  const sub = source.subscribe((v) => items.push(v));
  return { items, sub };
}

function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/**
 * Registers the conformance tests for one transport. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * transportConformance('memory', { create: () => new MemoryTransport({ broker }) });
 * ```
 */
export function transportConformance(name: string, target: ConformanceTarget): void {
  const settle = target.settleMs ?? 10_000;
  const quiet = target.quietMs ?? 300;
  const timeout = settle * 3 + 10_000;

  describe(`transport conformance: ${name}`, () => {
    const opened: Transport[] = [];
    const subs: Subscription[] = [];
    const connect = async (): Promise<Transport> => {
      const t = await target.create();
      opened.push(t);
      return t;
    };
    const track = <T>(source: { subscribe(next: (v: T) => void): Subscription }): T[] => {
      const { items, sub } = collect(source);
      subs.push(sub);
      return items;
    };

    afterEach(async () => {
      for (const s of subs.splice(0)) s.unsubscribe();
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });

    envelopeConformance({ connect, track, settle, timeout, unique });

    it('publishes and consumes, with payloads and keys intact', { timeout }, async () => {
      const t = await connect();
      const stream = unique('s');
      await t.ensureGroup(stream, 'g');
      const got = track<Delivery>(t.consume(stream, { group: 'g', consumer: 'c1' }));
      const payloads = ['{"a":1}', 'plain text', 'ünïcødé ✓', ''];
      for (const [i, payload] of payloads.entries())
        await t.publish(stream, { key: `k${i}`, payload });
      await waitFor(() => got.length === payloads.length, 'all messages', settle);
      expect(got.map((d) => d.payload)).toEqual(payloads);
      expect(got.map((d) => d.key)).toEqual(['k0', 'k1', 'k2', 'k3']);
      expect(new Set(got.map((d) => d.id)).size).toBe(payloads.length);
      for (const d of got) {
        expect(d.deliveryCount).toBe(1);
        expect(d.source).toBe(stream);
        await d.ack();
      }
    });

    it('gives every group every message (fan-out)', { timeout }, async () => {
      const t = await connect();
      const stream = unique('s');
      await t.ensureGroup(stream, 'g1');
      await t.ensureGroup(stream, 'g2');
      const a = track<Delivery>(t.consume(stream, { group: 'g1', consumer: 'c' }));
      const b = track<Delivery>(t.consume(stream, { group: 'g2', consumer: 'c' }));
      for (let i = 0; i < 20; i++) await t.publish(stream, { key: `k${i}`, payload: String(i) });
      await waitFor(() => a.length === 20 && b.length === 20, 'both groups to get 20', settle);
      expect(a.map((d) => d.payload).sort()).toEqual(b.map((d) => d.payload).sort());
      await Promise.all([...a, ...b].map((d) => d.ack()));
    });

    it('a group sees messages published after ensureGroup, even before a member joins', {
      timeout,
    }, async () => {
      const t = await connect();
      const stream = unique('s');
      await t.ensureGroup(stream, 'late');
      await t.publish(stream, { key: 'x', payload: 'early' });
      const got = track<Delivery>(t.consume(stream, { group: 'late', consumer: 'c' }));
      await waitFor(() => got.length === 1, 'the message published before joining', settle);
      expect(got[0]!.payload).toBe('early');
      await got[0]!.ack();
    });

    it('shares a group between members (load sharing), each message once', {
      timeout,
    }, async () => {
      const [t1, t2] = [await connect(), await connect()];
      const stream = unique('s');
      await t1.ensureGroup(stream, 'g');
      const seen: { member: string; d: Delivery }[] = [];
      for (const [member, t] of [
        ['m1', t1],
        ['m2', t2],
      ] as const) {
        subs.push(
          t.consume(stream, { group: 'g', consumer: member, prefetch: 4 }).subscribe((d) => {
            seen.push({ member, d });
            void d.ack();
          }),
        );
      }
      let sent = 0;
      const start = Date.now();
      // Brokers join members asynchronously: publish in rounds until both members have work.
      while (!(seen.some((s) => s.member === 'm1') && seen.some((s) => s.member === 'm2'))) {
        if (Date.now() - start > settle * 2)
          throw new Error('the second member never received a message');
        for (let i = 0; i < 16; i++)
          await t1.publish(stream, { key: `k${sent}`, payload: String(sent++) });
        await new Promise((r) => setTimeout(r, 50));
      }
      await waitFor(
        () => new Set(seen.map((s) => s.d.payload)).size === sent,
        'every message',
        settle,
      );
      const perMessage = new Map<string, number>();
      for (const s of seen) perMessage.set(s.d.payload, (perMessage.get(s.d.payload) ?? 0) + 1);
      const duplicates = [...perMessage.values()].filter((n) => n > 1).length;
      // Acked messages are not delivered twice, save a handful around a rebalance on partitioned brokers.
      expect(duplicates).toBeLessThanOrEqual(Math.ceil(sent / 10));
    });

    it('redelivers unacknowledged messages when a member leaves, and not the acknowledged ones', {
      timeout,
    }, async () => {
      const [t1, t2] = [await connect(), await connect()];
      const stream = unique('s');
      await t1.ensureGroup(stream, 'g');
      const first = collect<Delivery>(t1.consume(stream, { group: 'g', consumer: 'leaver' }));
      for (let i = 0; i < 10; i++) await t1.publish(stream, { key: 'same', payload: String(i) });
      await waitFor(() => first.items.length === 10, 'first member to receive 10', settle);
      for (const d of first.items.slice(0, 5)) await d.ack();
      first.sub.unsubscribe();
      const second = track<Delivery>(t2.consume(stream, { group: 'g', consumer: 'stayer' }));
      await waitFor(
        () => second.length >= 5,
        'redelivery of the 5 unacknowledged messages',
        settle * 2,
      );
      await new Promise((r) => setTimeout(r, quiet));
      expect(second.map((d) => d.payload).sort()).toEqual(['5', '6', '7', '8', '9']);
      for (const d of second) await d.ack();
    });

    it('hands a released delivery back to a live member, with a higher delivery count', {
      timeout,
    }, async () => {
      const t = await connect();
      const stream = unique('s');
      await t.ensureGroup(stream, 'g');
      // prefetch 1: the second message can only arrive once the first gave its credit back.
      const got = track<Delivery>(t.consume(stream, { group: 'g', consumer: 'c', prefetch: 1 }));
      await t.publish(stream, { key: 'a', payload: 'first' });
      await t.publish(stream, { key: 'b', payload: 'second' });
      await waitFor(() => got.length === 1, 'the first message', settle);
      expect(got[0]!.payload).toBe('first');
      await got[0]!.release();
      await waitFor(
        () => got.filter((d) => d.payload === 'first').length === 2,
        'the released message again',
        settle,
      );
      const again = got.filter((d) => d.payload === 'first')[1]!;
      expect(again.deliveryCount).toBeGreaterThan(1);
      await again.ack();
      await waitFor(() => got.some((d) => d.payload === 'second'), 'the second message', settle);
      for (const d of got.slice(1)) await d.ack();
      await got[0]!.release(); // after an ack elsewhere: harmless
      await new Promise((r) => setTimeout(r, quiet));
      expect(got.filter((d) => d.payload === 'first')).toHaveLength(2);
    });

    it('frees the credit of a released delivery at once and redelivers it after delayMs', {
      timeout,
    }, async () => {
      const t = await connect();
      const stream = unique('s');
      await t.ensureGroup(stream, 'g');
      const got: { d: Delivery; at: number }[] = [];
      subs.push(
        t
          .consume(stream, { group: 'g', consumer: 'c', prefetch: 1 })
          .subscribe((d) => got.push({ d, at: Date.now() })),
      );
      await t.publish(stream, { key: 'a', payload: 'held' });
      await t.publish(stream, { key: 'b', payload: 'next' });
      await waitFor(() => got.length === 1, 'the first message', settle);
      const delayMs = 1500;
      const releasedAt = Date.now();
      await got[0]!.d.release({ delayMs });
      await waitFor(() => got.some((g) => g.d.payload === 'next'), 'the next message', settle);
      const next = got.find((g) => g.d.payload === 'next')!;
      expect(next.at - releasedAt).toBeLessThan(delayMs);
      await next.d.ack();
      await waitFor(
        () => got.filter((g) => g.d.payload === 'held').length === 2,
        'redelivery',
        settle + delayMs,
      );
      const again = got.filter((g) => g.d.payload === 'held')[1]!;
      expect(again.at - releasedAt).toBeGreaterThanOrEqual(delayMs - 50);
      expect(again.d.deliveryCount).toBeGreaterThan(1);
      await again.d.ack();
    });

    // Capabilities belong to a connected instance, so these gates skip at run time, with the
    // reason in the report (never `return`, which would report a test that checked nothing).
    it('keeps per-key order within a group', { timeout }, async (ctx) => {
      const t = await connect();
      ctx.skip(!t.capabilities.orderedByKey, `${name} does not declare orderedByKey`);
      const stream = unique('s');
      await t.ensureGroup(stream, 'g');
      const got = track<Delivery>(t.consume(stream, { group: 'g', consumer: 'c', prefetch: 1000 }));
      for (let i = 0; i < 50; i++)
        await t.publish(stream, { key: i % 2 ? 'odd' : 'even', payload: String(i) });
      await waitFor(() => got.length === 50, '50 messages', settle);
      for (const key of ['odd', 'even']) {
        const seq = got.filter((d) => d.key === key).map((d) => Number(d.payload));
        expect(seq).toEqual([...seq].sort((a, b) => a - b));
      }
      await Promise.all(got.map((d) => d.ack()));
    });

    it('isolates return addresses: an instance sees only its own replies', {
      timeout,
    }, async () => {
      const [t1, t2, sender] = [await connect(), await connect(), await connect()];
      const [c1, c2] = [await t1.openReplyChannel(), await t2.openReplyChannel()];
      expect(c1.address).not.toBe(c2.address);
      const r1 = track<IncomingMessage>(c1.messages);
      const r2 = track<IncomingMessage>(c2.messages);
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 10; i++) {
        await sender.reply(c1.address, { key: `a${i}`, payload: `to-1-${i}` });
        await sender.reply(c2.address, { key: `b${i}`, payload: `to-2-${i}` });
      }
      await waitFor(() => r1.length === 10 && r2.length === 10, 'ten replies each', settle);
      await new Promise((r) => setTimeout(r, quiet));
      expect(r1.every((m) => m.payload.startsWith('to-1-'))).toBe(true);
      expect(r2.every((m) => m.payload.startsWith('to-2-'))).toBe(true);
      expect(r1.length + r2.length).toBe(20);
      await c1.close();
      await c2.close();
    });

    it('lets a group read every reply to every address (reply tap) when declared', {
      timeout,
    }, async (ctx) => {
      const [t1, t2] = [await connect(), await connect()];
      ctx.skip(!t1.capabilities.replyTap, `${name} does not declare replyTap`);
      const group = unique('tap');
      await t1.ensureGroup(REPLY_TAP, group);
      const tapped = track<Delivery>(t1.consume(REPLY_TAP, { group, consumer: 'archiver' }));
      const [c1, c2] = [await t1.openReplyChannel(), await t2.openReplyChannel()];
      const marker = unique('m');
      await t2.reply(c1.address, { key: 'x', payload: `${marker}-1` });
      await t1.reply(c2.address, { key: 'y', payload: `${marker}-2` });
      await waitFor(
        () => tapped.filter((d) => d.payload.startsWith(marker)).length === 2,
        'both replies on the tap',
        settle,
      );
      await Promise.all(tapped.map((d) => d.ack()));
      await c1.close();
      await c2.close();
    });

    it('broadcasts to every listener', { timeout }, async () => {
      const [t1, t2] = [await connect(), await connect()];
      const channel = unique('ch');
      const a = track<IncomingMessage>(t1.listen(channel));
      const b = track<IncomingMessage>(t2.listen(channel));
      await waitFor(
        () => {
          t1.broadcast(channel, 'hello').catch(() => undefined);
          return a.length > 0 && b.length > 0;
        },
        'both listeners to hear a broadcast',
        settle,
        100,
      );
      expect(a[0]!.payload).toBe('hello');
      expect(b[0]!.payload).toBe('hello');
    });

    it('completes its Observables, rejects calls and releases handles after close', {
      timeout,
    }, async () => {
      await new Promise((r) => setTimeout(r, 50));
      const before = activeHandles();
      const t = await target.create();
      const stream = unique('s');
      await t.ensureGroup(stream, 'g');
      let completed = 0;
      t.consume(stream, { group: 'g', consumer: 'c' }).subscribe({ complete: () => completed++ });
      t.listen(unique('ch')).subscribe({ complete: () => completed++ });
      const channel = await t.openReplyChannel();
      channel.messages.subscribe({ complete: () => completed++ });
      await t.close();
      await t.close(); // idempotent
      expect(completed).toBe(3);
      await expect(t.publish(stream, { payload: 'x' })).rejects.toBeInstanceOf(
        TransportClosedError,
      );
      await expect(t.reply(channel.address, { payload: 'x' })).rejects.toBeInstanceOf(
        TransportClosedError,
      );
      await expect(t.broadcast('c', 'x')).rejects.toBeInstanceOf(TransportClosedError);
      let error: unknown;
      t.consume(stream, { group: 'g', consumer: 'c2' }).subscribe({ error: (e) => (error = e) });
      expect(error).toBeInstanceOf(TransportClosedError);
      await waitFor(
        () => {
          const after = activeHandles();
          return Object.entries(after).every(([k, n]) => n <= (before[k] ?? 0));
        },
        `handles to return to ${JSON.stringify(before)} (now ${JSON.stringify(activeHandles())})`,
        settle,
      );
    });

    it('passes malformed payloads through untouched; the core dead-letters them and keeps going', {
      timeout,
    }, async () => {
      const [t, front] = [await connect(), await connect()];
      const requests = unique('requests');
      const deadLetter = unique('dead');
      const heartbeats = unique('hb');
      const streams = { requests, deadLetter, heartbeats };
      await t.ensureGroup(deadLetter, 'inspect');
      const dead = track<Delivery>(t.consume(deadLetter, { group: 'inspect', consumer: 'c' }));
      const worker = new ModelWorker({
        transport: t,
        model: { name: 'echo', version: '1' },
        predict: (x) => x,
        streams,
        heartbeatIntervalMs: 200,
      });
      await worker.start();
      const rendezvous = new Rendezvous({
        transport: front,
        policy: first(),
        deadlineMs: settle,
        streams,
      });
      await rendezvous.start();
      await front.publish(requests, { key: 'bad', payload: '{"v":1,"id":' });
      await front.publish(requests, { key: 'bad2', payload: JSON.stringify({ v: 99, id: 'x' }) });
      const answer = await rendezvous.request({ ok: true });
      expect(answer.chosen?.output).toEqual({ ok: true });
      await waitFor(() => dead.length === 2, 'two dead letters', settle);
      const reasons = dead.map((d) => JSON.parse(d.payload).reason.code);
      expect(reasons).toEqual([new InvalidEnvelopeError('x').code, 'INVALID_ENVELOPE']);
      expect(worker.stats().deadLettered).toBe(2);
      await Promise.all(dead.map((d) => d.ack()));
      await rendezvous.close();
      await worker.stop();
    });

    it('serves a rendezvous round trip with two model versions', { timeout }, async () => {
      const [fe, w] = [await connect(), await connect()];
      const streams = {
        requests: unique('requests'),
        deadLetter: unique('dead'),
        heartbeats: unique('hb'),
      };
      const workers = [
        new ModelWorker({
          transport: w,
          model: { name: 'm', version: '1' },
          predict: (x: number) => x + 1,
          streams,
        }),
        new ModelWorker({
          transport: w,
          model: { name: 'm', version: '2' },
          predict: (x: number) => x + 2,
          streams,
        }),
      ];
      for (const worker of workers) await worker.start();
      const rendezvous = new Rendezvous<number, number>({
        transport: fe,
        policy: latestVersion(),
        deadlineMs: settle,
        streams,
      });
      await rendezvous.start();
      await waitFor(
        () => rendezvous.registry.live().length === 2,
        'both models to be live',
        settle,
      );
      const results = await Promise.all([1, 2, 3, 4, 5].map((x) => rendezvous.request(x)));
      expect(results.map((r) => r.chosen?.output)).toEqual([3, 4, 5, 6, 7]);
      expect(results.every((r) => r.chosen?.model.version === '2')).toBe(true);
      await rendezvous.close();
      for (const worker of workers) await worker.stop();
    });
  });
}

export { AckSpyTransport } from './ack-spy-transport.js';
export { type ConformanceBrokerSpec, openConformanceBroker } from './conformance-broker.js';
export { DelegatingTransport } from './delegating-transport.js';
export { type DrainScenarioOptions, drainScenario } from './drain-scenario.js';
export { type LateJoinScenarioOptions, lateJoinScenario } from './late-join-scenario.js';
export { openGate } from './open-gate.js';
export { type ElasticsearchNode, startElasticsearchNode } from './services/elasticsearch-node.js';
export { freePort } from './services/free-port.js';
export { type KafkaBroker, startKafkaBroker } from './services/kafka-broker.js';
export { type NatsServer, startNatsServer } from './services/nats-server.js';
export { type RedisServer, startRedisServer } from './services/redis-server.js';
export { requireService, type ServiceGate, servicesRequired } from './services/require-service.js';
export { type SinkConformanceTarget, sinkConformance } from './sink-conformance.js';
export { schemaErrors, type WireKind } from './wire-schemas.js';
export {
  type CheckOutcome,
  formatCheck,
  formatConformanceReport,
  runWorkerConformance,
  type WorkerConformanceOptions,
  type WorkerConformanceReport,
} from './worker-conformance.js';
export { startWorkerProcess, type WorkerProcess } from './worker-process.js';
