import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type Delivery, first, ModelWorker, Rendezvous } from '@rendezvous-ml/core';
import {
  inspectDeadLetters,
  requireService,
  startNatsServer,
  waitFor,
} from '@rendezvous-ml/test-kit';
import { NatsTransport, type NatsTransportOptions } from '@rendezvous-ml/transport-nats';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startNatsWorkerProcess } from './support/nats-worker-process.js';

const gate = await requireService('nats-server', () => startNatsServer());
const server = gate.ok ? gate.service : undefined;

/** Short enough for a crash test, long enough that a loaded machine never trips it. */
const ACK_WAIT_MS = 2000;

let seq = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`;

afterAll(async () => {
  await server?.dispose();
});

describe.skipIf(!gate.ok)('NatsTransport faults against nats-server', () => {
  const opened: NatsTransport[] = [];
  const clients: NatsConnection[] = [];
  const subs: Subscription[] = [];
  const kills: (() => Promise<void>)[] = [];
  const transport = (extra: NatsTransportOptions = {}): NatsTransport => {
    const t = new NatsTransport({ servers: server!.url, ackWaitMs: ACK_WAIT_MS, ...extra });
    opened.push(t);
    return t;
  };
  const raw = async (): Promise<NatsConnection> => {
    const nc = await connect({ servers: server!.url });
    clients.push(nc);
    return nc;
  };
  const streamsFor = () => ({
    requests: unique('requests'),
    deadLetter: unique('dead'),
    heartbeats: unique('hb'),
  });

  afterEach(async () => {
    for (const k of kills.splice(0)) await k();
    for (const s of subs.splice(0)) s.unsubscribe();
    await Promise.all(opened.splice(0).map((t) => t.close()));
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  it('fault (a): requests held by a crashed member (SIGKILL) are delivered to another after ack_wait, and every one is answered', {
    timeout: 90_000,
  }, async () => {
    const prefix = unique('crash');
    const streams = streamsFor();
    const model = { name: 'm', version: '1' };
    const doomed = startNatsWorkerProcess({
      servers: server!.url,
      prefix,
      ackWaitMs: ACK_WAIT_MS,
      model: { ...model, instance: 'doomed' },
      streams,
      predictMs: 600_000,
      concurrency: 4,
    });
    kills.push(doomed.kill);
    await doomed.ready;
    const front = transport({ prefix });
    const rendezvous = new Rendezvous<number, number>({
      transport: front,
      policy: first(),
      deadlineMs: 60_000,
      streams,
    });
    await rendezvous.start();
    const answers = [1, 2, 3, 4].map((x) => rendezvous.request(x));
    await waitFor(() => doomed.holding() === 4, 'the doomed worker to hold 4 requests', 30_000);
    await doomed.kill();
    const killedAt = Date.now();
    const live = new ModelWorker<number, number>({
      transport: transport({ prefix }),
      model: { ...model, instance: 'live' },
      predict: (x) => x * 10,
      streams,
      heartbeatIntervalMs: 200,
    });
    await live.start();
    const results = await Promise.all(answers);
    expect(results.map((r) => r.chosen?.output)).toEqual([10, 20, 30, 40]);
    expect(results.every((r) => r.chosen?.model.instance === 'live')).toBe(true);
    // Not before ack_wait (the server cannot know the member died sooner), nor long after.
    expect(Date.now() - killedAt).toBeLessThan(ACK_WAIT_MS + 20_000);
    await rendezvous.stop();
    await live.stop();
  });

  it('fault (b): survives a server restart (file storage): stored messages and groups are kept, and every request after recovery is answered', {
    timeout: 120_000,
  }, async () => {
    const prefix = unique('restart');
    const streams = streamsFor();
    const [tFront, tWorker, tSide] = [
      transport({ prefix }),
      transport({ prefix }),
      transport({ prefix }),
    ];
    const kept = unique('kept');
    await tSide.ensureGroup(kept, 'g');
    await tSide.publish(kept, { key: 'k', payload: 'stored before the restart' });
    const worker = new ModelWorker<number, number>({
      transport: tWorker,
      model: { name: 'm', version: '1' },
      predict: (x) => x + 1,
      streams,
      heartbeatIntervalMs: 200,
    });
    await worker.start();
    const rendezvous = new Rendezvous<number, number>({
      transport: tFront,
      policy: first(),
      deadlineMs: 10_000,
      streams,
    });
    await rendezvous.start();
    expect((await rendezvous.request(1)).chosen?.output).toBe(2);
    let traffic = true;
    let during = 0;
    const background = (async () => {
      while (traffic) await rendezvous.request(during++).catch(() => undefined);
    })();
    await waitFor(() => during > 5, 'traffic before the restart', 20_000);
    await server!.restart();
    traffic = false;
    await background;
    // The client reconnects on its own; give it a bounded time to be back.
    let recovered = false;
    await waitFor(
      () => {
        void rendezvous.request(0).then(
          () => (recovered = true),
          () => undefined,
        );
        return recovered;
      },
      'a first answer after the restart',
      30_000,
      500,
    );
    const after = await Promise.all(
      Array.from({ length: 30 }, (_, i) => rendezvous.request(100 + i)),
    );
    expect(after.map((r) => r.chosen?.output)).toEqual(
      Array.from({ length: 30 }, (_, i) => 101 + i),
    );
    const got: Delivery[] = [];
    subs.push(tSide.consume(kept, { group: 'g', consumer: 'c' }).subscribe((d) => got.push(d)));
    await waitFor(() => got.length === 1, 'the message stored before the restart', 20_000);
    expect(got[0]!.payload).toBe('stored before the restart');
    await got[0]!.ack();
    await rendezvous.stop();
    await worker.stop();
  });

  it('fault (c): malformed messages (not UTF-8, not an envelope) are dead-lettered and counted, and the worker keeps going', {
    timeout: 60_000,
  }, async () => {
    const prefix = unique('bad');
    const streams = streamsFor();
    const [tWorker, tFront] = [transport({ prefix }), transport({ prefix })];
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
      deadlineMs: 10_000,
      streams,
    });
    await rendezvous.start();
    // A foreign writer on the stream's subject: raw bytes, no key header.
    const foreign = await raw();
    const subject = `${prefix}.s.${streams.requests}`;
    await foreign.request(subject, new Uint8Array([0xff, 0xfe, 0x00, 0x80]), { timeout: 5000 });
    await foreign.request(subject, 'not json at all', { timeout: 5000 });
    expect((await rendezvous.request(21)).chosen?.output).toBe(42);
    const records = await dead.settle(2, () => worker.stats().deadLettered, 20_000);
    expect(records.map((r) => r.reason.code)).toEqual(['INVALID_ENVELOPE', 'INVALID_ENVELOPE']);
    expect(JSON.parse(records[0]!.payload)).toEqual({
      notUtf8Base64: Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString('base64'),
    });
    expect(records[1]!.payload).toBe('not json at all');
    expect(tWorker.stats().malformedMessages).toBe(1);
    expect((await rendezvous.request(5)).chosen?.output).toBe(10);
    await dead.ackAll();
    await rendezvous.stop();
    await worker.stop();
  });
});
