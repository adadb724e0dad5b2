import {
  compareVersions,
  type IncomingMessage,
  type Json,
  latestVersion,
  ModelWorker,
  Rendezvous,
  type ScoreEnvelope,
  type Transport,
} from '@rendezvous-ml/core';
import { decodeScore, encodeEnvelope, WIRE_VERSION } from '@rendezvous-ml/core/wire';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { closedLoop, measure } from '../lib/closed-loop.js';
import { toMeasurement, until } from '../lib/measurement.js';
import type { Measurement, Scenario } from '../lib/types.js';

const TIMEOUT_MS = 1000;
const CONCURRENCY = 50;
const BEST_VERSION = '2';

/**
 * The reference's single consumer of the shared score stream: whoever asks first gets the
 * next message, whichever request it belongs to (a pull consumer's `receive(timeout)`).
 */
class SharedConsumer {
  private readonly queue: IncomingMessage[] = [];
  private readonly waiters: ((m: IncomingMessage | undefined) => void)[] = [];

  push(message: IncomingMessage): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(message);
    else this.queue.push(message);
  }

  receive(timeoutMs: number): Promise<IncomingMessage | undefined> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const waiter = (m: IncomingMessage | undefined) => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

interface Counts {
  lost: number;
  wrong: number;
}

/**
 * The reference front end's algorithm, ported faithfully: publish the request, then read the
 * shared score stream with the ONE consumer all in-flight requests share, drop scores that
 * belong to other requests, keep the highest modelVersion, and return only once the whole
 * timeout has passed.
 */
async function referenceFrontEnd(transport: Transport, counts: Counts) {
  const channel = await transport.openReplyChannel(); // the shared score stream
  const consumer = new SharedConsumer();
  const subscription = channel.messages.subscribe((m) => consumer.push(m));
  let seq = 0;
  const request = async (input: Json): Promise<ScoreEnvelope | undefined> => {
    const id = `ref-${++seq}`;
    const start = Date.now();
    await transport.publish('requests', {
      key: id,
      payload: encodeEnvelope({
        v: WIRE_VERSION,
        id,
        ts: start,
        deadline: start + TIMEOUT_MS,
        replyTo: channel.address,
        input,
        meta: {},
      }),
    });
    let best: ScoreEnvelope | undefined;
    for (;;) {
      const remaining = TIMEOUT_MS - (Date.now() - start);
      if (remaining <= 0) break;
      const message = await consumer.receive(remaining);
      if (!message) continue; // timed out: the loop ends when the timeout has passed
      const decoded = decodeScore(message.payload);
      if (!decoded.ok || decoded.value.requestId !== id) continue; // another request's score: dropped
      if (!best || compareVersions(decoded.value.model.version, best.model.version) > 0)
        best = decoded.value;
    }
    if (!best) counts.lost++;
    else if (best.model.version !== BEST_VERSION) counts.wrong++;
    return best;
  };
  return {
    request,
    close: async () => {
      subscription.unsubscribe();
      await channel.close();
    },
  };
}

interface Setup {
  readonly name: string;
  readonly transport: () => Transport;
  readonly close: () => Promise<void>;
}

async function memorySetup(): Promise<Setup> {
  const broker = new MemoryBroker({ maxQueueLength: 1_000_000 });
  return {
    name: 'memory',
    transport: () => new MemoryTransport({ broker }),
    close: async () => undefined,
  };
}

async function redisSetup(url: string): Promise<Setup> {
  const { RedisTransport } = await import('@rendezvous-ml/transport-redis');
  const prefix = `bench-ref-${Date.now().toString(36)}:`;
  return {
    name: 'redis',
    transport: () => new RedisTransport({ url, keyPrefix: prefix }),
    close: async () => undefined,
  };
}

async function measureOn(setup: Setup, quick: boolean): Promise<Measurement[]> {
  const transports: Transport[] = [];
  const open = () => {
    const t = setup.transport();
    transports.push(t);
    return t;
  };
  // The reference's models: versions 1 and 2 of one model; the answer must come from version 2.
  const workers = ['1', BEST_VERSION].map(
    (version) =>
      new ModelWorker<Json, Json>({
        transport: open(),
        model: { name: 'iris', version },
        predict: (x) => x,
        concurrency: 64,
      }),
  );
  const out: Measurement[] = [];
  try {
    for (const w of workers) await w.start();
    const runs = 3;
    const input = { sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 };
    // The reference: every request takes the full second, so few requests are needed.
    const refCounts: Counts = { lost: 0, wrong: 0 };
    const ref = await referenceFrontEnd(open(), refCounts);
    const refRequests = quick ? 50 : 250;
    await closedLoop(CONCURRENCY, CONCURRENCY, () => ref.request(input));
    refCounts.lost = 0;
    refCounts.wrong = 0;
    const r = await measure(
      runs,
      async () => undefined,
      () => closedLoop(CONCURRENCY, refRequests, () => ref.request(input)),
    );
    await ref.close();
    const refTotal = refRequests * runs;
    out.push(
      toMeasurement(
        'reference',
        `floor: reference algorithm on ${setup.name}`,
        true,
        CONCURRENCY,
        r,
        {
          lost: refCounts.lost,
          wrong: refCounts.wrong,
          lostOrWrongPct: +((100 * (refCounts.lost + refCounts.wrong)) / refTotal).toFixed(1),
        },
      ),
    );
    // Ours: the same models on the same transport, latestVersion() (the reference's rule).
    const rendezvous = new Rendezvous<Json, Json>({
      transport: open(),
      policy: latestVersion(),
      deadlineMs: TIMEOUT_MS,
    });
    await rendezvous.start();
    await until(() => rendezvous.registry.live().length === 2, 10_000, 'both models live');
    const counts: Counts = { lost: 0, wrong: 0 };
    const call = async () => {
      try {
        const result = await rendezvous.request(input);
        if (result.chosen?.model.version !== BEST_VERSION) counts.wrong++;
      } catch (error) {
        counts.lost++;
        throw error;
      }
    };
    const ourRequests = quick ? 1500 : 20_000;
    await closedLoop(CONCURRENCY, quick ? 300 : 2000, call);
    counts.lost = 0;
    counts.wrong = 0;
    const o = await measure(
      runs,
      async () => undefined,
      () => closedLoop(CONCURRENCY, ourRequests, call),
    );
    await rendezvous.stop();
    out.push(
      toMeasurement(
        'reference',
        `rendezvous (latestVersion) on ${setup.name}`,
        false,
        CONCURRENCY,
        o,
        {
          lost: counts.lost,
          wrong: counts.wrong,
        },
      ),
    );
  } finally {
    for (const w of workers) await w.stop().catch(() => undefined);
    for (const t of transports) await t.close().catch(() => undefined);
    await setup.close();
  }
  return out;
}

/**
 * Scenario 5, the reference's front-end algorithm against ours, at concurrency 50, on the
 * memory transport and on Redis: p50 and lost or wrong answers.
 */
export const reference: Scenario = async ({ quick, redisUrl }) => {
  const out = await measureOn(await memorySetup(), quick);
  if (redisUrl) out.push(...(await measureOn(await redisSetup(redisUrl), quick)));
  return out;
};
