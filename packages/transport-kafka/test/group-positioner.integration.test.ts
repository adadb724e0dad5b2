import type { Delivery } from '@rendezvous-ml/core';
import { requireService, startKafkaBroker, waitFor } from '@rendezvous-ml/test-kit';
import { Kafka, logLevel } from 'kafkajs';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GroupPositioner } from '../src/group-positioner.js';
import { KafkaTransport, type KafkaTransportOptions } from '../src/index.js';

const gate = await requireService('kafka', () => startKafkaBroker());
const broker = gate.ok ? gate.service : undefined;

/** Every stream of these tests has 4 partitions, so ends are positioned per partition. */
const options = (kafka?: Kafka): KafkaTransportOptions => ({
  brokers: broker!.brokers,
  partitions: 4,
  maxWaitTimeInMs: 20,
  logLevel: process.env.DEBUG_KAFKA ? 'warn' : 'nothing',
  ...(kafka ? { kafka } : {}),
});

const unique = (p: string): string => `${p}-${Math.random().toString(36).slice(2, 10)}`;

/**
 * A kafkajs client seen only through its public methods: without kafkajs's private cluster
 * factory, `GroupPositioner` falls back to the public `admin.setOffsets`.
 */
const publicOnly = (): Kafka => {
  const kafka = new Kafka({
    brokers: [broker!.brokers],
    clientId: 'public-only',
    logLevel: logLevel.NOTHING,
  });
  return {
    producer: (config) => kafka.producer(config),
    consumer: (config) => kafka.consumer(config),
    admin: (config) => kafka.admin(config),
    logger: () => kafka.logger(),
  } as Kafka;
};

afterAll(async () => {
  await broker?.dispose();
});

describe.skipIf(!gate.ok)('positioning a new group at the end of its topic', () => {
  const opened: KafkaTransport[] = [];
  const subs: Subscription[] = [];
  afterEach(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });

  for (const [path, kafka] of [
    ['with a direct offset commit (kafkajs internals)', undefined],
    ['with the public admin.setOffsets (no internals)', publicOnly()],
  ] as const) {
    it(`${path}: a group created by ensureGroup sees exactly the messages published after it`, {
      timeout: 60_000,
    }, async () => {
      const t = new KafkaTransport(options(kafka));
      opened.push(t);
      const stream = unique('pos');
      for (let i = 0; i < 8; i++) await t.publish(stream, { key: `k${i}`, payload: `before-${i}` });
      const started = Date.now();
      await t.ensureGroup(stream, 'g');
      if (process.env.DEBUG_KAFKA)
        console.log(`${path}: ensureGroup took ${Date.now() - started} ms`);
      for (let i = 0; i < 8; i++) await t.publish(stream, { key: `k${i}`, payload: `after-${i}` });
      const got: Delivery[] = [];
      subs.push(t.consume(stream, { group: 'g', consumer: 'c' }).subscribe((d) => got.push(d)));
      await waitFor(() => got.length >= 8, 'the 8 messages published after ensureGroup', 30_000);
      await new Promise((r) => setTimeout(r, 1000)); // room for a wrongly delivered 'before'
      expect(got.map((d) => d.payload).sort()).toEqual(
        Array.from({ length: 8 }, (_, i) => `after-${i}`),
      );
      await Promise.all(got.map((d) => d.ack()));
    });
  }

  it('cannot evict a dead member without kafkajs internals: leaveGroup reports false', async () => {
    const kafka = publicOnly();
    const positioner = new GroupPositioner(kafka, kafka.admin());
    await expect(positioner.leaveGroup('g', 'm', Date.now() + 1000, () => false)).resolves.toBe(
      false,
    );
  });
});
