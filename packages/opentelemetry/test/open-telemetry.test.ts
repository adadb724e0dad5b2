import { diag, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  type Json,
  ModelWorker,
  type ModelWorkerOptions,
  priority,
  Rendezvous,
  type RendezvousOptions,
  type RendezvousResult,
} from '@rendezvous-ml/core';
import {
  RendezvousAttributes as A,
  openTelemetry,
  RendezvousSpans as S,
} from '@rendezvous-ml/opentelemetry';
import { waitFor } from '@rendezvous-ml/test-kit';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enableContext, inSpan, memoryTracing, type SpanRecord } from './span-records.js';

beforeAll(() => enableContext());

const propagator = new W3CTraceContextPropagator();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Input `{ a: ms, b: ms }`: each model answers its own name after that many ms; `fail` throws. */
type Plan = Record<string, number | 'fail'>;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A front end and workers `a@1`, `b@1` on one memory broker, each with its own tracer provider
 * (as if each ran in its own process). Each predict opens a span of its own after an await.
 */
async function system(
  extra: { frontEnd?: Partial<RendezvousOptions>; worker?: Partial<ModelWorkerOptions> } = {},
) {
  const broker = new MemoryBroker();
  const fe = memoryTracing('front-end');
  const wk = memoryTracing('workers');
  const instrumentation = openTelemetry({ tracer: fe.tracer, propagator });
  const rendezvous = new Rendezvous({
    transport: new MemoryTransport({ broker }),
    policy: priority({ order: ['a', 'b'] }),
    deadlineMs: 2000,
    discoveryMs: 0,
    instrumentation,
    ...extra.frontEnd,
  });
  const results: RendezvousResult[] = [];
  rendezvous.results$.subscribe((r) => results.push(r));
  await rendezvous.start();
  const workers = ['a', 'b'].map(
    (name) =>
      new ModelWorker({
        transport: new MemoryTransport({ broker }),
        model: { name, version: '1', instance: `${name}-1` },
        instrumentation: openTelemetry({ tracerProvider: wk.provider, propagator }),
        predict: async (input: Json) => {
          const step = (input as Plan)[name];
          await sleep(typeof step === 'number' ? step : 1);
          return wk.tracer.startActiveSpan('model.inference', (span) => {
            span.end();
            if (step === 'fail') throw new Error(`${name} failed`);
            return name;
          });
        },
        ...extra.worker,
      }),
  );
  for (const w of workers) await w.start();
  await waitFor(() => rendezvous.registry.live().length === 2, 'both models live');
  cleanups.push(async () => {
    await rendezvous.stop();
    for (const w of workers) await w.stop();
  });
  return { rendezvous, results, fe, wk };
}

const one = (spans: SpanRecord[], name: string): SpanRecord => {
  const found = spans.filter((s) => s.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};

describe('openTelemetry(): one trace from the caller to every worker (memory transport)', () => {
  it('caller → request → one prediction per model → the model’s own span; late score on its own span', async () => {
    const s = await system();
    const result = await inSpan(s.fe.tracer, 'caller', () =>
      s.rendezvous.request({ a: 5, b: 150 } as Plan),
    );
    expect(result.chosen?.model.name).toBe('a');
    await waitFor(() => s.results.length === 1, 'the closed record (b late)');
    await waitFor(() => s.wk.spans().filter((x) => x.name === S.PREDICTION).length === 2, 'spans');
    await waitFor(() => s.fe.spans().some((x) => x.name === S.LATE_SCORES), 'late span');

    const fe = s.fe.spans();
    const caller = one(fe, 'caller');
    const request = one(fe, S.REQUEST);
    const late = one(fe, S.LATE_SCORES);
    expect(caller.parentSpanId).toBeUndefined();
    expect(request).toMatchObject({
      traceId: caller.traceId,
      parentSpanId: caller.spanId,
      kind: SpanKind.PRODUCER,
      status: { code: SpanStatusCode.UNSET },
    });
    expect(request.attributes).toMatchObject({
      [A.REQUEST_ID]: result.requestId,
      [A.FRONT_END]: s.rendezvous.instanceId,
      [A.POLICY_NAME]: 'priority(a > b)',
      [A.REQUEST_DEADLINE_MS]: 2000,
      [A.REQUEST_STATUS]: 'answered',
      [A.DECISION_REASON]: result.decidedBy.reason,
      [A.DECISION_TRIGGER]: 'score',
      [A.CHOSEN_MODEL_NAME]: 'a',
      [A.CHOSEN_MODEL_VERSION]: '1',
      [A.CHOSEN_MODEL_INSTANCE]: 'a-1',
      [A.CANDIDATES]: 2,
    });
    expect(request.attributes[A.POLICY_VERSION]).toBeUndefined();
    expect(request.events.map((e) => e.name)).toEqual([S.SCORE_EVENT, S.DECISION_EVENT]);
    expect(request.events[0]!.attributes).toMatchObject({
      [A.MODEL_NAME]: 'a',
      [A.SCORE_OK]: true,
      [A.SCORE_ARRIVAL]: 'evaluated',
    });
    expect(late).toMatchObject({ traceId: caller.traceId, parentSpanId: request.spanId });
    expect(late.attributes[A.LATE_SCORES]).toBe(1);
    expect(late.events[0]!.attributes).toMatchObject({
      [A.MODEL_NAME]: 'b',
      [A.SCORE_ARRIVAL]: 'late',
    });

    const wk = s.wk.spans();
    const predictions = wk.filter((x) => x.name === S.PREDICTION);
    for (const p of predictions) {
      expect(p).toMatchObject({
        traceId: caller.traceId,
        parentSpanId: request.spanId,
        kind: SpanKind.CONSUMER,
        status: { code: SpanStatusCode.UNSET },
      });
      expect(p.attributes).toMatchObject({
        [A.REQUEST_ID]: result.requestId,
        [A.MODEL_VERSION]: '1',
        [A.PREDICTION_OUTCOME]: 'ok',
        [A.DELIVERY_COUNT]: 1,
      });
      expect(p.attributes[A.PREDICTION_QUEUE_MS]).toBeGreaterThanOrEqual(0);
      const inner = wk.filter((x) => x.name === 'model.inference' && x.parentSpanId === p.spanId);
      expect(inner, 'the span predict opened is a child of its prediction span').toHaveLength(1);
    }
    const b = predictions.find((p) => p.attributes[A.MODEL_NAME] === 'b')!;
    expect(b.attributes[A.PREDICTION_PREDICT_MS]).toBeGreaterThanOrEqual(100);
  });

  it('a failed request: error status and error.type on the request span and on each prediction', async () => {
    const s = await system();
    await expect(s.rendezvous.request({ a: 'fail', b: 'fail' } as Plan)).rejects.toThrow();
    await waitFor(() => s.wk.spans().filter((x) => x.name === S.PREDICTION).length === 2, 'spans');
    const request = one(s.fe.spans(), S.REQUEST);
    expect(request.parentSpanId, 'no active span: a root span').toBeUndefined();
    expect(request.status.code).toBe(SpanStatusCode.ERROR);
    expect(request.attributes).toMatchObject({
      [A.REQUEST_STATUS]: 'failed',
      [A.ERROR_TYPE]: 'NO_USABLE_SCORE',
    });
    for (const p of s.wk.spans().filter((x) => x.name === S.PREDICTION)) {
      expect(p.parentSpanId).toBe(request.spanId);
      expect(p.status).toMatchObject({ code: SpanStatusCode.ERROR });
      expect(p.attributes).toMatchObject({
        [A.PREDICTION_OUTCOME]: 'error',
        [A.ERROR_TYPE]: 'PREDICT_FAILED',
      });
    }
  });

  it('a deadline that passes while a model predicts: the request fails, the prediction is expired', async () => {
    const s = await system({ frontEnd: { deadlineMs: 100 } });
    await expect(s.rendezvous.request({ a: 400, b: 400 } as Plan)).rejects.toThrow(/deadline/);
    await waitFor(() => s.wk.spans().filter((x) => x.name === S.PREDICTION).length === 2, 'spans');
    const request = one(s.fe.spans(), S.REQUEST);
    expect(request.attributes).toMatchObject({
      [A.ERROR_TYPE]: 'DEADLINE_EXCEEDED',
      [A.DECISION_TRIGGER]: 'deadline',
    });
    for (const p of s.wk.spans().filter((x) => x.name === S.PREDICTION))
      expect(p.attributes).toMatchObject({
        [A.PREDICTION_OUTCOME]: 'expired',
        [A.ERROR_TYPE]: 'expired',
      });
  });

  it('the trace context travels in meta as W3C traceparent; meta the caller set is kept', async () => {
    const seen: Record<string, string>[] = [];
    const broker = new MemoryBroker();
    const transport = new MemoryTransport({ broker });
    const fe = memoryTracing();
    const rendezvous = new Rendezvous({
      transport,
      policy: priority({ order: ['m'] }),
      discoveryMs: 0,
      instrumentation: openTelemetry({ tracer: fe.tracer, propagator }),
    });
    await rendezvous.start();
    const worker = new ModelWorker({
      transport: new MemoryTransport({ broker }),
      model: { name: 'm', version: '1' },
      predict: (x: Json, ctx) => {
        seen.push({ ...ctx.meta });
        return x;
      },
    });
    await worker.start();
    cleanups.push(async () => {
      await rendezvous.stop();
      await worker.stop();
    });
    await waitFor(() => rendezvous.registry.live().length === 1, 'the model live');
    await rendezvous.request(1, { meta: { tenant: 't1' } });
    const request = one(fe.spans(), S.REQUEST);
    expect(seen).toEqual([
      { tenant: 't1', traceparent: `00-${request.traceId}-${request.spanId}-01` },
    ]);
  });
});

describe('openTelemetry(): sampling', () => {
  it('a request the front end does not sample is not recorded by the workers either', async () => {
    const s = await system({
      frontEnd: {
        instrumentation: openTelemetry({
          tracerProvider: new BasicTracerProvider({ sampler: new AlwaysOffSampler() }),
          propagator,
        }),
      },
    });
    const result = await s.rendezvous.request({ a: 1, b: 20 } as Plan);
    expect(result.chosen?.model.name).toBe('a');
    await waitFor(() => s.results.length === 1, 'the closed record (b late)');
    // The workers' default sampler follows the parent: unsampled, so no span is recorded.
    expect(s.wk.spans().filter((x) => x.name === S.PREDICTION)).toEqual([]);
  });
});

describe('openTelemetry(): defaults', () => {
  afterEach(() => {
    propagation.disable();
    trace.disable();
    diag.disable();
  });

  it('uses the global tracer provider and the global propagator', async () => {
    const global = memoryTracing();
    trace.setGlobalTracerProvider(global.provider);
    propagation.setGlobalPropagator(propagator);
    const broker = new MemoryBroker();
    const instrumentation = openTelemetry();
    const rendezvous = new Rendezvous({
      transport: new MemoryTransport({ broker }),
      policy: priority({ order: ['m'] }),
      discoveryMs: 0,
      instrumentation,
    });
    await rendezvous.start();
    const worker = new ModelWorker({
      transport: new MemoryTransport({ broker }),
      model: { name: 'm', version: '1' },
      predict: (x: Json) => x,
      instrumentation,
    });
    await worker.start();
    cleanups.push(async () => {
      await rendezvous.stop();
      await worker.stop();
    });
    await waitFor(() => rendezvous.registry.live().length === 1, 'the model live');
    await rendezvous.request(1);
    await waitFor(() => global.spans().length === 2, 'two spans');
    const request = one(global.spans(), S.REQUEST);
    expect(one(global.spans(), S.PREDICTION).parentSpanId).toBe(request.spanId);
  });

  it('warns once, through the OpenTelemetry diag logger, when no propagator is registered', async () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m), error() {}, info() {}, debug() {} };
    diag.setLogger({ ...logger, verbose() {} });
    const rendezvous = new Rendezvous({
      transport: new MemoryTransport(),
      policy: priority({ order: ['m'] }),
      discoveryMs: 0,
      deadlineMs: 20,
      instrumentation: openTelemetry(),
    });
    await rendezvous.start();
    cleanups.push(() => rendezvous.stop());
    await expect(rendezvous.request(1)).rejects.toThrow();
    await expect(rendezvous.request(2)).rejects.toThrow();
    expect(warnings.filter((w) => w.includes('no propagator is registered'))).toHaveLength(1);
  });
});
