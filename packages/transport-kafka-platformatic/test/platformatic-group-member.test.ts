import { EventEmitter } from 'node:events';
import type { Delivery } from '@rendezvous-ml/core';
import { RedeliveryCounter } from '@rendezvous-ml/transport-kafka/kit';
import { Subscriber } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlatformaticKafkaModule } from '../src/load-platformatic-kafka.js';
import { PlatformaticGroupMember } from '../src/platformatic-group-member.js';

/** The parts of a `MessagesStream` the member uses, driven by the test. */
class FakeStream extends EventEmitter {
  readableLength = 0;
  offsetsToFetch = new Map<string, bigint>();
  pause(): void {}
  resume(): void {}
  async close(): Promise<void> {}
}

/** The parts of a `Consumer` the member uses; the test plays the group coordinator. */
class FakeConsumer extends EventEmitter {
  static last: FakeConsumer | undefined;
  readonly stream = new FakeStream();
  readonly commits: { topic: string; partition: number; offset: bigint }[] = [];
  constructor() {
    super();
    FakeConsumer.last = this;
  }
  async consume(): Promise<FakeStream> {
    return this.stream;
  }
  async commit(request: {
    offsets: { topic: string; partition: number; offset: bigint }[];
  }): Promise<void> {
    this.commits.push(...request.offsets);
  }
  async close(): Promise<void> {}
  join(partitions: number[]): void {
    this.emit('consumer:group:join', {
      memberId: 'm1',
      assignments: [{ topic: 't', partitions }],
    });
  }
  offsets(positions: Record<number, number>): void {
    this.stream.offsetsToFetch = new Map(
      Object.entries(positions).map(([p, o]) => [`t:${p}`, BigInt(o)]),
    );
    this.stream.emit('offsets');
  }
  record(partition: number, offset: number): void {
    this.stream.emit('data', {
      topic: 't',
      partition,
      offset: BigInt(offset),
      timestamp: BigInt(Date.now()),
      key: 'k',
      value: `${partition}-${offset}`,
    });
  }
}

const kafka = {
  Consumer: FakeConsumer,
  stringDeserializers: {},
  MessagesStreamModes: { COMMITTED: 'committed' },
  MessagesStreamFallbackModes: { EARLIEST: 'earliest' },
} as unknown as PlatformaticKafkaModule;

const members: PlatformaticGroupMember[] = [];
afterEach(async () => {
  await Promise.all(members.splice(0).map((m) => m.stop()));
});

async function started(): Promise<{ consumer: FakeConsumer; delivered: Delivery[] }> {
  const delivered: Delivery[] = [];
  const member = new PlatformaticGroupMember({
    kafka: () => kafka,
    client: { clientId: 'test', bootstrapBrokers: ['127.0.0.1:1'] },
    group: {
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      rebalanceTimeout: 10_000,
      maxWaitTime: 250,
    },
    groupId: 'g',
    topics: async () => ['t'],
    sourceOf: () => 'requests',
    prefetch: 16,
    subscriber: new Subscriber<Delivery>({
      next: (d) => {
        delivered.push(d);
      },
      error: () => undefined,
      complete: () => undefined,
    }),
    redeliveries: new RedeliveryCounter(),
    log: () => undefined,
    isClosed: () => false,
  });
  members.push(member);
  FakeConsumer.last = undefined;
  member.start();
  await until(() => FakeConsumer.last?.listenerCount('consumer:group:join') === 1);
  const consumer = FakeConsumer.last!;
  await until(() => consumer.stream.listenerCount('data') === 1);
  return { consumer, delivered };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

/** Deliveries are emitted a couple of turns later (one fetch's records together). */
async function flushed(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

describe('PlatformaticGroupMember', () => {
  it('delivers the records of its assigned partitions', async () => {
    const { consumer, delivered } = await started();
    consumer.join([0, 1]);
    consumer.offsets({ 0: 0, 1: 0 });
    consumer.record(0, 0);
    consumer.record(1, 0);
    await flushed();
    expect(delivered.map((d) => d.payload).sort()).toEqual(['0-0', '1-0']);
  });

  it('drops a record of a partition the last rebalance gave to another member (a fetch in flight during it)', async () => {
    const { consumer, delivered } = await started();
    consumer.join([0, 1]);
    consumer.offsets({ 0: 0, 1: 0 });
    consumer.record(1, 0);
    await flushed();
    expect(delivered.map((d) => d.payload)).toEqual(['1-0']);
    await delivered[0]!.ack();
    // A second member joins: partition 1 moves to it. A fetch sent before the rebalance
    // answers after the member has its new assignment and positions.
    consumer.join([0]);
    consumer.offsets({ 0: 0 });
    consumer.record(1, 1);
    consumer.record(0, 0);
    await flushed();
    expect(delivered.map((d) => d.payload)).toEqual(['1-0', '0-0']);
    // And nothing of partition 1 is committed by this member after the rebalance.
    const before = consumer.commits.length;
    await delivered[1]!.ack();
    expect(consumer.commits.slice(before).every((c) => c.partition === 0)).toBe(true);
  });
});
