import { first, ModelWorker, Rendezvous, type Transport } from '@rendezvous-ml/core';
import { KafkaTransport } from '@rendezvous-ml/transport-kafka';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { bareCalls } from '../lib/bare-calls.js';
import { closedLoop, measure } from '../lib/closed-loop.js';
import { toMeasurement } from '../lib/measurement.js';
import { openLoop } from '../lib/open-loop.js';
import type { BenchOptions, Measurement, Scenario } from '../lib/types.js';

const PACED_RPS = 200;
const CONCURRENCY = 64;

/**
 * The floor: bare kafkajs, produce a request → a consumer reads it and produces a reply → a
 * consumer reads the reply. Same broker, same latency settings as the transport.
 */
async function bareLoop(brokers: string[], tag: string) {
  const kafka = new Kafka({ clientId: 'bench-floor', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const [req, rep] = [`bench.floor.req.${tag}`, `bench.floor.rep.${tag}`];
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: req, numPartitions: 8 },
      { topic: rep, numPartitions: 1 },
    ],
  });
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const fast = { heartbeatInterval: 500, maxWaitTimeInMs: 20, sessionTimeout: 10_000 };
  const worker = kafka.consumer({ groupId: `bench.floor.w.${tag}`, ...fast });
  const client = kafka.consumer({ groupId: `bench.floor.c.${tag}`, ...fast });
  const calls = bareCalls((id) =>
    producer.send({ topic: req, acks: -1, messages: [{ key: id, value: '{"x":1}' }] }),
  );
  await worker.connect();
  await client.connect();
  await worker.subscribe({ topic: req, fromBeginning: true });
  await client.subscribe({ topic: rep, fromBeginning: true });
  // autoCommit off: kafkajs's autoCommit sends an OffsetCommit after every batch inside the
  // fetch loop, and Kafka 4's coordinator lingers ≥ 5 ms per commit (see docs/transports/kafka.md).
  await worker.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 8,
    eachBatch: async ({ batch }) => {
      await producer.send({
        topic: rep,
        acks: -1,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value })),
      });
    },
  });
  await client.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) calls.answer(m.key!.toString());
    },
  });
  return {
    call: calls.call,
    close: async () => {
      await Promise.all([worker.disconnect(), client.disconnect()]);
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}

/** The kafkajs transport with the bench's latency settings. */
function kafkajsTransport(brokers: string[]): Transport {
  return new KafkaTransport({
    brokers,
    heartbeatIntervalMs: 500,
    maxWaitTimeInMs: 20,
    logLevel: 'error',
  });
}

/** Rendezvous + two ModelWorkers, on three transports made by `make` (front end, two workers). */
async function fullPath(make: () => Transport, tag: string) {
  const streams = {
    requests: `bench-${tag}-requests`,
    deadLetter: `bench-${tag}-dead`,
    heartbeats: `bench-${tag}-hb`,
  };
  const transports = [0, 1, 2].map(() => make());
  const [fe, w1, w2] = transports as [Transport, Transport, Transport];
  const workers = [w1, w2].map(
    (transport, i) =>
      new ModelWorker({
        transport,
        model: { name: 'echo', version: '1', instance: `w${i}` },
        predict: (x) => x,
        concurrency: 64,
        streams,
      }),
  );
  for (const w of workers) await w.start();
  const rendezvous = new Rendezvous({
    transport: fe,
    policy: first(),
    deadlineMs: 5000,
    maxInFlight: 10_000,
    streams,
  });
  await rendezvous.start();
  const deadline = Date.now() + 30_000;
  while (rendezvous.registry.live().length < 2 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  return {
    call: () => rendezvous.request({ x: 1 }),
    close: async () => {
      await rendezvous.stop();
      for (const w of workers) await w.stop();
      await Promise.all(transports.map((t) => t.close()));
    },
  };
}

/**
 * Kafka: the floor (bare kafkajs produce → consume → produce → consume) and the full path
 * (Rendezvous + two ModelWorkers on KafkaTransport), each at a paced 200 requests/s (open loop)
 * and closed-loop with 64 callers for the sustained throughput; on Node >= 22.22 the same two
 * on `@platformatic/kafka` (kafka-platformatic.ts), side by side.
 *
 * The broker's JVM matters: `scripts/kafka/kafka.sh` defaults to `-XX:TieredStopAtLevel=1` (C1
 * only, fast restarts for tests). Measure with the full JIT, e.g.
 * `KAFKA_JVM_OPTS='-XX:+UseParallelGC' npm run bench -- --only kafka` (the broker starter passes
 * the environment through to the script).
 */
export const kafka: Scenario = async (options: BenchOptions): Promise<Measurement[]> => {
  if (!options.kafkaBrokers) throw new Error('the kafka scenario needs options.kafkaBrokers');
  const brokers = options.kafkaBrokers.split(',');
  const tag = Date.now().toString(36);
  const pacedCount = options.quick ? 600 : 2000;
  const loopCount = options.quick ? 3000 : 10_000;
  const runs = options.quick ? 1 : 3;
  const out: Measurement[] = [];
  const variants: Variant[] = [
    { name: 'floor: bare kafkajs loop', isFloor: true, make: () => bareLoop(brokers, tag) },
    {
      name: 'rendezvous + 2 workers',
      isFloor: false,
      make: () => fullPath(() => kafkajsTransport(brokers), tag),
    },
  ];
  // The second client, side by side: its own bare floor and the full path on it. @platformatic/kafka
  // needs Node >= 22.22; on an older runtime only the kafkajs variants run.
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 22)) {
    const plt = await import('./kafka-platformatic.js');
    variants.push(
      {
        name: 'floor: bare @platformatic/kafka loop',
        isFloor: true,
        client: 'platformatic',
        make: () => plt.barePlatformaticLoop(brokers, tag),
      },
      {
        name: 'rendezvous + 2 workers on @platformatic/kafka',
        isFloor: false,
        client: 'platformatic',
        make: () => fullPath(() => plt.platformaticTransport(brokers), `plt-${tag}`),
      },
    );
  }
  for (const v of variants) {
    const target = await v.make();
    try {
      const warm = () => closedLoop(16, 500, () => target.call());
      const paced = await measure(runs, warm, () =>
        openLoop(PACED_RPS, pacedCount, () => target.call()),
      );
      const paced$ = toMeasurement('kafka', `${v.name} @${PACED_RPS} req/s`, v.isFloor, 0, paced);
      out.push(withClient(paced$, v));
      const loop = await measure(
        runs,
        async () => undefined,
        () => closedLoop(CONCURRENCY, loopCount, () => target.call()),
      );
      const loop$ = toMeasurement(
        'kafka',
        `${v.name} c=${CONCURRENCY}`,
        v.isFloor,
        CONCURRENCY,
        loop,
      );
      out.push(withClient(loop$, v));
    } finally {
      await target.close();
    }
  }
  // Each full path against the floors: its own client's (p50VsFloor, rpsVsFloor) and kafkajs's.
  const floorOf = (client: string, concurrency: number) =>
    out.find(
      (m) =>
        m.isFloor && m.concurrency === concurrency && (m.extra?.client ?? 'kafkajs') === client,
    )!;
  return out.map((m) => {
    if (m.isFloor) return m;
    const own = floorOf(String(m.extra?.client ?? 'kafkajs'), m.concurrency);
    const kafkajs = floorOf('kafkajs', m.concurrency);
    const ratios: Record<string, number> =
      m.concurrency === 0
        ? {
            p50VsFloor: +(m.p50Ms / own.p50Ms).toFixed(2),
            p50VsKafkajsFloor: +(m.p50Ms / kafkajs.p50Ms).toFixed(2),
          }
        : {
            rpsVsFloor: +(m.rps / own.rps).toFixed(2),
            rpsVsKafkajsFloor: +(m.rps / kafkajs.rps).toFixed(2),
          };
    return { ...m, extra: { ...m.extra, ...ratios } };
  });
};

interface Variant {
  readonly name: string;
  readonly isFloor: boolean;
  /** The Kafka client; kafkajs when absent. */
  readonly client?: 'platformatic';
  readonly make: () => Promise<{ call: () => Promise<unknown>; close: () => Promise<void> }>;
}

/** Tags a measurement of the second client with it (`extra.client`). */
function withClient(m: Measurement, v: Variant): Measurement {
  return v.client ? { ...m, extra: { ...m.extra, client: v.client } } : m;
}
