import {
  Admin,
  Consumer,
  MessagesStreamModes,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { PlatformaticKafkaTransport } from '@rendezvous-ml/transport-kafka-platformatic';
import { bareCalls } from '../lib/bare-calls.js';

/** What a Kafka bench variant measures: one request round trip, and how to stop. */
export interface KafkaTarget {
  readonly call: () => Promise<unknown>;
  readonly close: () => Promise<void>;
}

/**
 * The floor of the `@platformatic/kafka` client: produce a request → a consumer reads it and
 * produces a reply → a consumer reads the reply, with no Rendezvous in between. The same shape
 * and latency settings as the bare kafkajs loop in kafka.ts.
 */
export async function barePlatformaticLoop(brokers: string[], tag: string): Promise<KafkaTarget> {
  const base = { clientId: 'bench-floor-plt', bootstrapBrokers: brokers };
  const admin = new Admin(base);
  const [req, rep] = [`bench.floor-plt.req.${tag}`, `bench.floor-plt.rep.${tag}`];
  await admin.createTopics({ topics: [req], partitions: 8, replicas: 1 });
  await admin.createTopics({ topics: [rep], partitions: 1, replicas: 1 });
  const producer = new Producer({ ...base, serializers: stringSerializers });
  const fast = { heartbeatInterval: 500, maxWaitTime: 20, sessionTimeout: 10_000 };
  const consumer = (group: string) =>
    new Consumer({
      ...base,
      groupId: `bench.floor-plt.${group}.${tag}`,
      deserializers: stringDeserializers,
      autocommit: false,
      ...fast,
    });
  const [worker, client] = [consumer('w'), consumer('c')];
  const calls = bareCalls((id) =>
    producer.send({ acks: -1, messages: [{ topic: req, key: id, value: '{"x":1}' }] }),
  );
  const opts = { mode: MessagesStreamModes.EARLIEST, autocommit: false, ...fast };
  const requests = await worker.consume({ topics: [req], ...opts });
  const replies = await client.consume({ topics: [rep], ...opts });
  requests.on('data', (m) => {
    void producer.send({ acks: -1, messages: [{ topic: rep, key: m.key, value: m.value }] });
  });
  replies.on('data', (m) => calls.answer(m.key));
  return {
    call: calls.call,
    close: async () => {
      await Promise.all([worker.close(true), client.close(true)]);
      await Promise.all([producer.close(), admin.close()]);
    },
  };
}

/** `PlatformaticKafkaTransport` with the latency settings of kafka.ts's kafkajs transport. */
export function platformaticTransport(brokers: string[]): PlatformaticKafkaTransport {
  return new PlatformaticKafkaTransport({ brokers, heartbeatIntervalMs: 500, maxWaitTimeMs: 20 });
}
