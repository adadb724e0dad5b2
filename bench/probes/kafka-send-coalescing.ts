/**
 * One-off probe: 50 concurrent senders for 4 s each, one kafkajs `send` per message against
 * the transport's ProduceBatcher (coalesced), on a broker started for the probe. Prints
 * messages/s and p50/p99 per mode. Run: `node --import tsx bench/probes/kafka-send-coalescing.ts`.
 */

import kafkajs from 'kafkajs';
import { startKafkaBroker } from '../../packages/test-kit/src/services/kafka-broker.js';
import { ProduceBatcher } from '../../packages/transport-kafka/src/produce-batcher.js';

const SENDERS = 50;
const SECONDS = 4;
const broker = await startKafkaBroker();
try {
  const kafka = new kafkajs.Kafka({ brokers: broker.brokers.split(','), logLevel: 0 });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: 'probe', numPartitions: 4 }],
    waitForLeaders: true,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const batcher = new ProduceBatcher(producer);
  const value = JSON.stringify({ x: 'a'.repeat(300) });
  const modes: [string, () => Promise<unknown>][] = [
    [
      'one send per message',
      () => producer.send({ topic: 'probe', acks: -1, messages: [{ value }] }),
    ],
    ['coalesced (ProduceBatcher)', () => batcher.send('probe', null, value)],
  ];
  for (const [label, send] of [...modes, ...modes]) {
    const latencies: number[] = [];
    const end = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await send();
          latencies.push(performance.now() - t);
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.floor(p * (latencies.length - 1))]!.toFixed(1);
    console.log(
      `${label}: ${Math.round(latencies.length / SECONDS)} messages/s, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`,
    );
  }
  await producer.disconnect();
  await admin.disconnect();
} finally {
  await broker.dispose();
}
