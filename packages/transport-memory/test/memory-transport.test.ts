import { transportConformance } from '@rendezvous-ml/test-kit';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';

const broker = new MemoryBroker();
transportConformance('memory', {
  create: () => new MemoryTransport({ broker }),
  settleMs: 2000,
  quietMs: 50,
});

describe('MemoryBroker', () => {
  it('trims a group queue beyond maxQueueLength, dropping the oldest', async () => {
    const small = new MemoryBroker({ maxQueueLength: 3 });
    const t = new MemoryTransport({ broker: small });
    await t.ensureGroup('s', 'g');
    for (let i = 0; i < 5; i++) await t.publish('s', { payload: String(i) });
    const got: string[] = [];
    t.consume('s', { group: 'g', consumer: 'c' }).subscribe((d) => got.push(d.payload));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(['2', '3', '4']);
    expect(small.stats().trimmed).toBe(2);
    await t.close();
  });

  it('counts replies sent to an address nobody owns', async () => {
    const t = new MemoryTransport();
    await t.reply('nobody', { payload: 'x' });
    expect(t.broker.stats().droppedReplies).toBe(1);
    await t.close();
  });

  it('respects prefetch: no more unacknowledged deliveries than asked for', async () => {
    const t = new MemoryTransport();
    await t.ensureGroup('s', 'g');
    const got: { ack(): Promise<void> }[] = [];
    t.consume('s', { group: 'g', consumer: 'c', prefetch: 2 }).subscribe((d) => got.push(d));
    for (let i = 0; i < 5; i++) await t.publish('s', { payload: String(i) });
    await new Promise((r) => setImmediate(r));
    expect(got.length).toBe(2);
    await got[0]!.ack();
    await new Promise((r) => setImmediate(r));
    expect(got.length).toBe(3);
    await t.close();
  });
});
