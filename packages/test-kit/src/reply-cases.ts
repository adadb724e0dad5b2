import {
  type Delivery,
  first,
  type IncomingMessage,
  InvalidEnvelopeError,
  latestVersion,
  ModelWorker,
  REPLY_TAP,
  Rendezvous,
  TransportClosedError,
} from '@rendezvous-ml/core';
import { expect, it } from 'vitest';
import type { ConformanceContext } from './conformance-context.js';
import { inspectDeadLetters } from './dead-letter-inspector.js';
import { waitFor } from './wait-for.js';

function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/**
 * The reply and lifecycle cases of the conformance suite: return addresses, the reply tap,
 * broadcasts, close, malformed payloads and a rendezvous round trip.
 *
 * @example
 * ```ts
 * describe('replies', () => replyCases(conformanceContext(target)));
 * ```
 */
export function replyCases(ctx: ConformanceContext): void {
  const { name, settle, quiet, timeout, connect, create, track, keep, unique } = ctx;
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
    const t = await create();
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
    await expect(t.publish(stream, { payload: 'x' })).rejects.toBeInstanceOf(TransportClosedError);
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
    const dead = await inspectDeadLetters(t, deadLetter);
    keep(dead.subscription);
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
    const records = await dead.settle(2, () => worker.stats().deadLettered, settle);
    const reasons = records.map((r) => r.reason.code);
    expect(reasons).toEqual([new InvalidEnvelopeError('x').code, 'INVALID_ENVELOPE']);
    await dead.ackAll();
    await rendezvous.stop();
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
    await waitFor(() => rendezvous.registry.live().length === 2, 'both models to be live', settle);
    const results = await Promise.all([1, 2, 3, 4, 5].map((x) => rendezvous.request(x)));
    expect(results.map((r) => r.chosen?.output)).toEqual([3, 4, 5, 6, 7]);
    expect(results.every((r) => r.chosen?.model.version === '2')).toBe(true);
    await rendezvous.stop();
    for (const worker of workers) await worker.stop();
  });
}
