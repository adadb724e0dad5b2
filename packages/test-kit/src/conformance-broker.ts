import type { Transport } from '@rendezvous-ml/core';

/**
 * Where the worker under test runs.
 */
export type ConformanceBrokerSpec =
  | { readonly transport: 'redis'; readonly url: string }
  | { readonly transport: 'kafka'; readonly brokers: string };

/**
 * The broker as the conformance runner sees it: TypeScript transports under one prefix (a
 * front end's side), how many requests a group holds unacknowledged, and the environment that
 * tells the worker under test where to connect.
 *
 * @example
 * ```ts
 * const broker = await openConformanceBroker({ transport: 'redis', url }, 'wc-1:');
 * await broker.unacknowledged('model:echo@1'); // 0 when every request was acknowledged
 * ```
 */
export interface ConformanceBroker {
  readonly prefix: string;
  /** A new TypeScript transport on this broker and prefix (closed by {@link close}). */
  transport(): Transport;
  /** Requests read by `group` and not acknowledged (Redis: pending; Kafka: end − committed). */
  unacknowledged(group: string): Promise<number>;
  /** The environment of the worker process. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * Opens the runner's view of the broker.
 *
 * @example
 * ```ts
 * const broker = await openConformanceBroker({ transport: 'kafka', brokers: '127.0.0.1:9092' }, 'wc.');
 * ```
 */
export async function openConformanceBroker(
  spec: ConformanceBrokerSpec,
  prefix: string,
): Promise<ConformanceBroker> {
  const opened: Transport[] = [];
  // Loaded on use: the test kit's other users need neither broker client.
  if (spec.transport === 'redis') {
    const { RedisTransport } = await import('@rendezvous-ml/transport-redis');
    const { Redis } = await import('ioredis');
    const redis = new Redis(spec.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    return {
      prefix,
      env: { RENDEZVOUS_TRANSPORT: 'redis', RENDEZVOUS_REDIS_URL: spec.url },
      transport: () => {
        const t = new RedisTransport({ url: spec.url, keyPrefix: prefix });
        opened.push(t);
        return t;
      },
      unacknowledged: async (group) => {
        const reply = (await redis
          .call('XPENDING', `${prefix}s:requests`, group)
          .catch(() => [0])) as unknown[];
        return Number(reply[0] ?? 0);
      },
      close: async () => {
        await Promise.all(opened.map((t) => t.close()));
        redis.disconnect();
      },
    };
  }
  const { KafkaTransport } = await import('@rendezvous-ml/transport-kafka');
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ brokers: spec.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `${prefix}requests`;
  return {
    prefix,
    env: { RENDEZVOUS_TRANSPORT: 'kafka', RENDEZVOUS_KAFKA_BROKERS: spec.brokers },
    transport: () => {
      const t = new KafkaTransport({
        brokers: spec.brokers,
        topicPrefix: prefix,
        logLevel: 'nothing',
      });
      opened.push(t);
      return t;
    },
    unacknowledged: async (group) => {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({
        groupId: `${prefix}${group}`,
        topics: [topic],
      });
      let behind = 0;
      for (const end of ends) {
        const c = committed?.partitions.find((p) => p.partition === end.partition);
        const at = Number(c?.offset ?? -1);
        if (at >= 0) behind += Number(end.high) - at;
      }
      return behind;
    },
    close: async () => {
      await Promise.all(opened.map((t) => t.close()));
      await admin.disconnect();
    },
  };
}
