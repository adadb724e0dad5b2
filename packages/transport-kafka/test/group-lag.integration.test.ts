import type { Delivery } from '@rendezvous-ml/core';
import { requireService, startKafkaBroker, waitFor } from '@rendezvous-ml/test-kit';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KafkaTransport } from '../src/index.js';

const gate = await requireService('kafka', () => startKafkaBroker());
const broker = gate.ok ? gate.service : undefined;

const unique = (p: string): string => `${p}-${Math.random().toString(36).slice(2, 10)}`;

afterAll(async () => {
  await broker?.dispose();
});

describe.skipIf(!gate.ok)('kafka groupLag', () => {
  const opened: KafkaTransport[] = [];
  const subs: Subscription[] = [];
  afterEach(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });
  const connect = (): KafkaTransport => {
    const t = new KafkaTransport({
      brokers: broker!.brokers,
      partitions: 1,
      maxWaitTimeInMs: 20,
      logLevel: 'nothing',
    });
    opened.push(t);
    return t;
  };

  it('does not count what was acked after an offset still held (not committable yet)', {
    timeout: 60_000,
  }, async () => {
    const t = connect();
    const stream = unique('s');
    await t.ensureGroup(stream, 'g');
    for (let i = 0; i < 3; i++) await t.publish(stream, { key: 'one', payload: String(i) });
    const got: Delivery[] = [];
    subs.push(t.consume(stream, { group: 'g', consumer: 'c' }).subscribe((d) => got.push(d)));
    await waitFor(() => got.length === 3, 'three deliveries', 30_000);
    // One partition: offsets 0, 1, 2. Acking 1 and 2 commits nothing (0 is still held).
    await got[1]!.ack();
    await got[2]!.ack();
    expect(await t.groupLag(stream, 'g')).toBe(1);
    await got[0]!.ack();
    expect(await t.groupLag(stream, 'g')).toBe(0);
  });

  it('another transport of the same group sees the committed lag', {
    timeout: 60_000,
  }, async () => {
    const [t, observer] = [connect(), connect()];
    const stream = unique('s');
    await t.ensureGroup(stream, 'g');
    for (let i = 0; i < 2; i++) await t.publish(stream, { key: 'one', payload: String(i) });
    expect(await observer.groupLag(stream, 'g')).toBe(2);
    const got: Delivery[] = [];
    subs.push(t.consume(stream, { group: 'g', consumer: 'c' }).subscribe((d) => got.push(d)));
    await waitFor(() => got.length === 2, 'two deliveries', 30_000);
    await Promise.all(got.map((d) => d.ack()));
    expect(await observer.groupLag(stream, 'g')).toBe(0);
  });
});
