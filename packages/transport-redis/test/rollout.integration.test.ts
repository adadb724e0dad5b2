import { DEFAULT_STREAMS } from '@rendezvous-ml/core';
import { encodeControlMessage } from '@rendezvous-ml/core/wire';
import {
  drainScenario,
  lateJoinScenario,
  requireService,
  startRedisServer,
} from '@rendezvous-ml/test-kit';
import { RedisTransport } from '@rendezvous-ml/transport-redis';
import { afterAll, describe, it } from 'vitest';

const gate = await requireService('redis-server', () => startRedisServer());
const server = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await server?.dispose();
});

let seq = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`;
const streamsFor = () => ({
  requests: unique('requests'),
  deadLetter: unique('dead'),
  heartbeats: unique('hb'),
  results: unique('results'),
  control: unique('control'),
});
const create = () => new RedisTransport({ url: server!.url });

describe.skipIf(!gate.ok)('Redis: model versions joining and leaving under load', () => {
  it(
    'a version that starts while 100 requests are in flight is not waited for by them',
    {
      timeout: 60_000,
    },
    () => lateJoinScenario({ create, streams: streamsFor() }),
  );

  it(
    'stop() drains: requests waiting for the worker are decided at once, the ones it started get its scores, none fails',
    {
      timeout: 60_000,
    },
    () => drainScenario({ create, streams: streamsFor() }),
  );

  it('a retire message on the control channel drains the same way', { timeout: 60_000 }, () => {
    const streams = streamsFor();
    return drainScenario({
      create,
      streams,
      drain: async (worker, frontEnd) => {
        const left = new Promise<void>((resolve) =>
          worker.events$.subscribe({ complete: resolve }),
        );
        const retire = encodeControlMessage({
          v: 1,
          kind: 'retire',
          model: { name: 'dt', version: '1' },
          ts: Date.now(),
        });
        await frontEnd.broadcast(streams.control ?? DEFAULT_STREAMS.control, retire);
        await left;
      },
    });
  });
});
