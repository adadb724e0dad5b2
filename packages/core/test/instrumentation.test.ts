import {
  ConfigurationError,
  combineInstrumentation,
  first,
  type Instrumentation,
  type Json,
  ModelWorker,
  modelKey,
  type PredictionEnd,
  type PredictionHooks,
  type PredictionStart,
  priority,
  Rendezvous,
  type RendezvousResult,
  type ScoreEnvelope,
  TransportClosedError,
  VirtualClock,
} from '@rendezvous-ml/core';
import { encodeEnvelope } from '@rendezvous-ml/core/wire';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { frontEndRig, type Script, tapStream, track } from './harness.js';
import { never, workerRig } from './model-worker-rig.js';

/** An instrumentation that writes every hook call to `log`, one line each. */
function recorder(log: string[], meta: Record<string, string> = { traceparent: 'tp' }) {
  const requests: string[] = [];
  const predictions: PredictionStart[] = [];
  const ends: PredictionEnd[] = [];
  const instrumentation: Instrumentation = {
    request: (start) => {
      requests.push(start.requestId);
      log.push(`request ${start.policy}`);
      return {
        meta,
        score: (s, arrival) => log.push(`score ${modelKey(s.model)} ${arrival}`),
        decided: (r) => log.push(`decided ${r.status}${r.error ? ` ${r.error.code}` : ''}`),
        closed: (r) => log.push(`closed ${r ? `late=${r.late.length}` : 'none'}`),
      };
    },
    prediction: (start) => {
      predictions.push(start);
      log.push(`prediction ${modelKey(start.model)} #${start.deliveryCount}`);
      return {
        run: (fn, arg) => {
          log.push('run');
          return fn(arg);
        },
        finished: (end) => {
          ends.push(end);
          log.push(`finished ${end.outcome}`);
        },
      };
    },
  };
  return { instrumentation, requests, predictions, ends };
}

/** An instrumentation of which every hook throws. */
const throwing: Instrumentation = {
  request: () => ({
    meta: { traceparent: 'x' },
    score: () => {
      throw new Error('score hook');
    },
    decided: () => {
      throw new Error('decided hook');
    },
    closed: () => {
      throw new Error('closed hook');
    },
  }),
  prediction: () => ({
    run: () => {
      throw new Error('run hook, before calling fn');
    },
    finished: () => {
      throw new Error('finished hook');
    },
  }),
};

describe('Instrumentation: the front end calls each request hook once per event', () => {
  it('answered with a late score: score (evaluated) → decided → score (late) → closed with it', async () => {
    const log: string[] = [];
    const { instrumentation } = recorder(log);
    const b = await frontEndRig(priority({ order: ['a', 'b'] }), ['a@1', 'b@1'], {
      instrumentation,
    });
    const t = track(b.rendezvous.request({ 'a@1': { ms: 10 }, 'b@1': { ms: 20 } } as Script));
    await b.clock.advance(30);
    expect(t.state).toBe('resolved');
    expect(log.filter((l) => !l.startsWith('prediction'))).toEqual([
      'request priority(a > b)',
      'score a@1 evaluated',
      'decided answered',
      'score b@1 late',
      'closed late=1',
    ]);
    await b.close();
  });

  it('failed (no usable score) and deadline exceeded: decided failed with the code, closed once', async () => {
    const log: string[] = [];
    const { instrumentation } = recorder(log);
    const b = await frontEndRig(first(), ['a@1', 'b@1'], { instrumentation });
    const failing: Script = { 'a@1': { ms: 3, fail: 'x' }, 'b@1': { ms: 4, fail: 'y' } };
    const t1 = track(b.rendezvous.request(failing));
    await b.clock.advance(10);
    expect(t1.state).toBe('rejected');
    expect(log).toEqual([
      'request first',
      'score a@1 evaluated',
      'score b@1 evaluated',
      'decided failed NO_USABLE_SCORE',
      'closed late=0',
    ]);
    log.length = 0;
    const t2 = track(b.rendezvous.request({} as Script));
    await b.clock.advance(1000);
    expect(t2.state).toBe('rejected');
    expect(log).toEqual(['request first', 'decided failed DEADLINE_EXCEEDED', 'closed late=0']);
    await b.close();
  });

  it('a duplicate score is reported as such, and meta (caller wins) reaches the request envelope', async () => {
    const log: string[] = [];
    const { instrumentation } = recorder(log, { traceparent: 'hook', tracestate: 'hook-state' });
    // a@1 is live and never answers (no script): the mailbox stays open after the decision.
    const b = await frontEndRig(first(), ['a@1'], { instrumentation });
    const requests = await tapStream(b.transport, 'requests');
    const t = track(b.rendezvous.request(1, { meta: { traceparent: 'caller' } }));
    await b.clock.tick();
    const envelope = JSON.parse(requests[0]!.payload) as {
      id: string;
      replyTo: string;
      meta: object;
    };
    expect(envelope.meta).toEqual({ traceparent: 'caller', tracestate: 'hook-state' });
    const score: ScoreEnvelope = {
      ...{ v: 1, requestId: envelope.id, model: { name: 'x', version: '1', instance: 'x-1' } },
      ...{ ok: true, output: 1, receivedAt: 0, startedAt: 0, finishedAt: 0 },
    };
    const payload = encodeEnvelope(score);
    await b.transport.reply(envelope.replyTo, { key: envelope.id, payload });
    await b.transport.reply(envelope.replyTo, { key: envelope.id, payload });
    await b.clock.tick();
    expect(t.state).toBe('resolved');
    expect(log.slice(0, 4)).toEqual([
      'request first',
      'score x@1 evaluated',
      'decided answered',
      'score x@1 duplicate',
    ]);
    expect(b.rendezvous.stats().duplicateScores).toBe(1);
    await b.close();
  });

  it('a request whose publish failed: decided failed then closed, each once', async () => {
    const log: string[] = [];
    const { instrumentation } = recorder(log);
    const clock = new VirtualClock(0);
    const transport = new MemoryTransport();
    const rv = new Rendezvous({
      transport,
      policy: first(),
      clock,
      discoveryMs: 0,
      instrumentation,
    });
    await rv.start();
    await transport.close();
    await expect(rv.request(1)).rejects.toBeInstanceOf(TransportClosedError);
    expect(log).toEqual(['request first', 'decided failed TRANSPORT_CLOSED', 'closed late=0']);
  });

  it('an input that cannot travel as JSON: the hooks are closed with no record', async () => {
    const log: string[] = [];
    const { instrumentation } = recorder(log);
    const b = await frontEndRig(first(), [], { instrumentation });
    await expect(b.rendezvous.request({ x: 1n } as unknown as Json)).rejects.toThrow(/JSON/);
    expect(log).toEqual(['request first', 'closed none']);
    await b.close();
  });
});

describe('Instrumentation: the worker calls each prediction hook once per prediction', () => {
  it('ok and error: prediction → run → finished, and the meta reaches predict and the hooks', async () => {
    const log: string[] = [];
    const rec = recorder(log, { traceparent: '00-abc-def-01' });
    const b = await frontEndRig(first(), [], { instrumentation: rec.instrumentation });
    const seen: Record<string, string>[] = [];
    let insideRun = false;
    const worker = new ModelWorker({
      transport: new MemoryTransport({ broker: b.broker }),
      model: { name: 'm', version: '1', instance: 'm-1' },
      clock: b.clock,
      instrumentation: {
        ...rec.instrumentation,
        prediction: (start) => {
          const hooks = rec.instrumentation.prediction!(start)!;
          return {
            ...hooks,
            run: (fn, arg) => {
              insideRun = true;
              try {
                return hooks.run!(fn, arg);
              } finally {
                insideRun = false;
              }
            },
          };
        },
      },
      predict: (x: Json, ctx) => {
        seen.push({ ...ctx.meta, insideRun: String(insideRun) });
        if (x === 'bad') throw new Error('bad input');
        return x;
      },
    });
    await worker.start();
    await b.clock.tick();
    log.length = 0;
    await expect(b.rendezvous.request('good')).resolves.toMatchObject({ status: 'answered' });
    await expect(b.rendezvous.request('bad')).rejects.toThrow(/none succeeded/);
    const predictionLog = log.filter((l) => /^(prediction|run|finished)/.test(l));
    expect(predictionLog).toEqual([
      'prediction m@1 #1',
      'run',
      'finished ok',
      'prediction m@1 #1',
      'run',
      'finished error',
    ]);
    expect(seen).toEqual([
      { traceparent: '00-abc-def-01', insideRun: 'true' },
      { traceparent: '00-abc-def-01', insideRun: 'true' },
    ]);
    expect(rec.predictions[0]!.meta).toEqual({ traceparent: '00-abc-def-01' });
    expect(rec.predictions[0]!.startedAt).toBeGreaterThanOrEqual(rec.predictions[0]!.receivedAt);
    expect(rec.ends[1]!.error).toEqual({ code: 'PREDICT_FAILED', message: 'bad input' });
    await worker.stop();
    await b.close();
  });

  it('expired in predict: finished expired; expired in the queue: no prediction at all', async () => {
    const log: string[] = [];
    const { instrumentation } = recorder(log);
    const b = await workerRig(() => never<Json>(), { instrumentation, concurrency: 1 });
    await b.send('slow', { deadlineIn: 100 });
    await b.send('queued', { deadlineIn: 50 });
    await b.clock.advance(200);
    expect(log).toEqual(['prediction m@1 #1', 'run', 'finished expired']);
    expect(b.worker.stats()).toMatchObject({ expiredPredictions: 1, skippedExpired: 1 });
    await b.worker.stop();
  });

  it('a score that cannot be sent: finished unsent, then a new prediction on redelivery', async () => {
    const log: string[] = [];
    const { instrumentation } = recorder(log);
    const b = await workerRig((x) => x, { instrumentation, replyRetry: { attempts: 1 } });
    let fail = true;
    b.spy.replyFails = () => fail;
    await b.send('r1', { deadlineIn: 60_000 });
    await b.clock.tick();
    fail = false;
    await b.clock.advance(5000);
    expect(log).toEqual([
      'prediction m@1 #1',
      'run',
      'finished unsent',
      'prediction m@1 #2',
      'run',
      'finished ok',
    ]);
    expect(b.scores).toHaveLength(1);
    await b.worker.stop();
  });

  it('a score unsent before its deadline: finished unsent once, no redelivery', async () => {
    const log: string[] = [];
    const { instrumentation } = recorder(log);
    const b = await workerRig((x) => x, { instrumentation, replyRetry: { attempts: 1 } });
    b.spy.replyFails = () => true;
    await b.send('r1', { deadlineIn: 20 });
    await b.clock.advance(1000);
    expect(log).toEqual(['prediction m@1 #1', 'run', 'finished unsent']);
    expect(b.worker.stats().expiredUnsent).toBe(1);
    await b.worker.stop();
  });
});

describe('Instrumentation: a hook that throws changes nothing', () => {
  async function outcomes(instrumentation: Instrumentation | undefined) {
    const b = await frontEndRig(priority({ order: ['a', 'b'] }), [], { instrumentation });
    for (const key of ['a@1', 'b@1']) await b.addWorker(key, { instrumentation });
    const scripts: Script[] = [
      { 'a@1': { ms: 10 }, 'b@1': { ms: 20 } },
      { 'b@1': { ms: 10 } },
      {},
      { 'a@1': { ms: 3, fail: 'x' }, 'b@1': { ms: 4, fail: 'y' } },
    ];
    const tracked = scripts.map((s) => track(b.rendezvous.request(s), b.clock));
    await b.clock.advance(1000);
    await b.close();
    const settled = tracked.map((t) =>
      t.state === 'resolved'
        ? (t.value as RendezvousResult).chosen?.model.name
        : (t.error as Error).message,
    );
    const strip = (r: RendezvousResult) => ({ ...r, requestId: undefined });
    return { settled, results: b.results.map(strip), stats: b.rendezvous.stats() };
  }

  it('the same answers, results and counters as without instrumentation', async () => {
    const plain = await outcomes(undefined);
    const thrown = await outcomes(throwing);
    expect(thrown).toEqual(plain);
    expect(plain.settled).toEqual([
      'a',
      'b',
      expect.stringMatching(/deadline/),
      expect.any(String),
    ]);
  });

  it("the combined meta: an earlier hook's entries win, non-strings are dropped, no hook's object is written", () => {
    const first = { traceparent: 'a' };
    const second = { traceparent: 'b', tracestate: 's', bad: 1 as unknown as string };
    const start = {
      ...{ requestId: 'r', frontEnd: 'fe', policy: 'first', policyVersion: undefined },
      ...{ meta: {}, startedAt: 0, deadline: 1 },
    };
    const both = combineInstrumentation([
      { request: () => ({ meta: first }) },
      { request: () => ({ meta: second }) },
    ])!;
    expect(both.request(start)!.meta).toEqual({ traceparent: 'a', tracestate: 's' });
    expect(first).toEqual({ traceparent: 'a' });
    const filtered = combineInstrumentation([
      { request: () => ({ meta: second }) },
      { request: () => ({ meta: first }) },
    ])!;
    expect(filtered.request(start)!.meta).toEqual({ traceparent: 'b', tracestate: 's' });
    expect(second).toHaveProperty('bad', 1);
  });

  it('the combined instrumentation counts each throw; a run hook that throws still runs predict once', () => {
    const combined = combineInstrumentation([
      throwing,
      {
        request: () => {
          throw new Error('request hook');
        },
      },
    ])!;
    const start = {
      ...{ requestId: 'r', frontEnd: 'fe', policy: 'first', policyVersion: undefined },
      ...{ meta: {}, startedAt: 0, deadline: 1 },
    };
    const hooks = combined.request(start)!;
    expect(combined.hookErrors).toBe(1);
    expect(hooks.meta).toEqual({ traceparent: 'x' });
    hooks.decided?.({} as RendezvousResult);
    hooks.closed?.(undefined);
    expect(combined.hookErrors).toBe(3);
    const model = { name: 'm', version: '1', instance: 'i' };
    const p = combined.prediction({
      ...{ requestId: 'r', model, meta: {} },
      ...{ receivedAt: 0, startedAt: 0, deliveryCount: 1 },
    })!;
    let calls = 0;
    expect(p.run!(() => ++calls, undefined)).toBe(1);
    expect(calls).toBe(1);
    expect(() =>
      p.run!(() => {
        throw new Error('predict itself');
      }, undefined),
    ).toThrow('predict itself');
    p.finished?.({ outcome: 'ok', finishedAt: 1 });
    expect(combined.hookErrors).toBe(6);
  });
});

describe('Instrumentation: the combined run hooks', () => {
  const model = { name: 'm', version: '1', instance: 'i' };
  const start = {
    ...{ requestId: 'r', model, meta: {} },
    ...{ receivedAt: 0, startedAt: 0, deliveryCount: 1 },
  };

  it('nest in the order given, each around the next, and pass the argument down to predict', () => {
    const log: string[] = [];
    const wrapper = (name: string): Instrumentation => ({
      prediction: () => ({
        run: (fn, arg) => {
          log.push(`${name} in`);
          try {
            return fn(arg);
          } finally {
            log.push(`${name} out`);
          }
        },
      }),
    });
    const combined = combineInstrumentation([wrapper('a'), {}, wrapper('b')])!;
    const p = combined.prediction(start)!;
    const predict = (x: number) => {
      log.push(`predict ${x}`);
      return x + 1;
    };
    expect(p.run!(predict, 41)).toBe(42);
    expect(log).toEqual(['a in', 'b in', 'predict 41', 'b out', 'a out']);
    expect(combined.hookErrors).toBe(0);
  });

  it('a hook that calls fn without its argument (the run(fn) of before) is counted, and predict still runs once with it', () => {
    const seen: unknown[] = [];
    const combined = combineInstrumentation([
      { prediction: () => ({ run: (fn: () => unknown) => fn() }) as unknown as PredictionHooks },
    ])!;
    const p = combined.prediction(start)!;
    const predict = (x: string) => {
      seen.push(x);
      return x.length;
    };
    expect(p.run!(predict, 'input')).toBe(5);
    expect(seen).toEqual(['input']);
    expect(combined.hookErrors).toBe(1);
  });
});

describe('Instrumentation: options', () => {
  it('none, or an empty list, builds nothing', () => {
    expect(combineInstrumentation(undefined)).toBeUndefined();
    expect(combineInstrumentation([])).toBeUndefined();
  });

  it('a wrong instrumentation option is a ConfigurationError naming it', () => {
    const transport = new MemoryTransport();
    const bad = [5, { request: 'x' }, [{}, { prediction: 1 }]];
    for (const instrumentation of bad) {
      const options = { transport, policy: first(), instrumentation } as never;
      expect(() => new Rendezvous(options)).toThrow(ConfigurationError);
      expect(() => new Rendezvous(options)).toThrow(/instrumentation/);
      const model = { name: 'm', version: '1' };
      const worker = { transport, model, predict: (x: Json) => x, instrumentation } as never;
      expect(() => new ModelWorker(worker)).toThrow(/instrumentation/);
    }
  });
});
