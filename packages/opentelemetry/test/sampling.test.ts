import { context, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import {
  type Json,
  ModelWorker,
  type PredictionStart,
  priority,
  Rendezvous,
  type RendezvousResult,
  type RequestStart,
} from '@rendezvous-ml/core';
import { openTelemetry, RendezvousSpans as S } from '@rendezvous-ml/opentelemetry';
import { waitFor } from '@rendezvous-ml/test-kit';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enableContext, memoryTracing } from './span-records.js';

beforeAll(() => enableContext());

const propagator = new W3CTraceContextPropagator();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const requestStart: RequestStart = {
  requestId: 'fe-1-1',
  frontEnd: 'fe-1',
  policy: 'priority(a > b)',
  policyVersion: undefined,
  meta: {},
  startedAt: 0,
  deadline: 1000,
};
const predictionStart = (traceparent?: string): PredictionStart => ({
  requestId: 'fe-1-1',
  model: { name: 'a', version: '1', instance: 'a-1' },
  meta: traceparent === undefined ? {} : { traceparent },
  receivedAt: 1,
  startedAt: 2,
  deliveryCount: 1,
});

describe('openTelemetry(): the sampling decision is taken once, at the front end', () => {
  it('an unsampled request: the front end adds only meta (sampled flag off), with no callbacks', () => {
    const fe = memoryTracing('front-end', new AlwaysOffSampler());
    const hooks = openTelemetry({ tracer: fe.tracer, propagator }).request?.(requestStart);
    expect(hooks?.meta?.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-00$/);
    expect(hooks?.score).toBeUndefined();
    expect(hooks?.decided).toBeUndefined();
    expect(hooks?.closed).toBeUndefined();
    expect(fe.spans()).toEqual([]);
  });

  it('under an unsampled caller span, the front end starts no span, even with a sampler that ignores the parent, and passes the caller’s context on', () => {
    const fe = memoryTracing('front-end', new AlwaysOnSampler());
    const otel = openTelemetry({ tracer: fe.tracer, propagator });
    const caller = trace.wrapSpanContext({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.NONE,
    });
    const hooks = context.with(trace.setSpan(ROOT_CONTEXT, caller), () =>
      otel.request?.(requestStart),
    );
    expect(hooks?.meta).toEqual({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` });
    expect(hooks?.score).toBeUndefined();
    expect(hooks?.decided).toBeUndefined();
    expect(hooks?.closed).toBeUndefined();
    expect(fe.spans()).toEqual([]);
  });

  it('under a caller span whose context is not valid, the front end’s sampler decides, as for a root', () => {
    const fe = memoryTracing('front-end', new AlwaysOnSampler());
    const otel = openTelemetry({ tracer: fe.tracer, propagator });
    const invalid = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const hooks = context.with(trace.setSpan(ROOT_CONTEXT, invalid), () =>
      otel.request?.(requestStart),
    );
    expect(hooks?.meta?.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
    hooks?.closed?.(undefined);
    expect(fe.spans()).toMatchObject([{ name: S.REQUEST, parentSpanId: undefined }]);
  });

  it('an unsampled parent: the worker starts no span, even with a sampler that ignores the parent, and runs predict in that context', () => {
    const wk = memoryTracing('worker', new AlwaysOnSampler());
    const otel = openTelemetry({ tracer: wk.tracer, propagator });
    const hooks = otel.prediction?.(predictionStart(`00-${TRACE_ID}-${SPAN_ID}-00`));
    expect(hooks?.finished).toBeUndefined();
    const inside = hooks?.run?.(() => trace.getSpanContext(context.active()), undefined);
    expect(inside).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0 });
    // A span predict opens with the SDK's default (parent-based) sampler follows the decision.
    const model = memoryTracing('model');
    hooks?.run?.(() => model.tracer.startSpan('model.inference').end(), undefined);
    expect(model.spans()).toEqual([]);
    expect(wk.spans()).toEqual([]);
  });

  it('a sampled parent: the prediction span is its child and is active around predict', () => {
    const wk = memoryTracing('worker');
    const hooks = openTelemetry({ tracer: wk.tracer, propagator }).prediction?.(
      predictionStart(`00-${TRACE_ID}-${SPAN_ID}-01`),
    );
    const inside = hooks?.run?.(() => trace.getSpanContext(context.active()), undefined);
    hooks?.finished?.({ outcome: 'ok', finishedAt: 3 });
    const [span] = wk.spans();
    expect(span).toMatchObject({ name: S.PREDICTION, traceId: TRACE_ID, parentSpanId: SPAN_ID });
    expect(inside).toMatchObject({ spanId: span?.spanId, traceFlags: TraceFlags.SAMPLED });
  });

  it('no trace context at all (a front end without tracing): the worker’s sampler decides, as before', () => {
    const wk = memoryTracing('worker');
    const hooks = openTelemetry({ tracer: wk.tracer, propagator }).prediction?.(predictionStart());
    hooks?.run?.(() => undefined, undefined);
    hooks?.finished?.({ outcome: 'ok', finishedAt: 3 });
    expect(wk.spans()).toMatchObject([{ name: S.PREDICTION, parentSpanId: undefined }]);
    expect(trace.getSpanContext(ROOT_CONTEXT)).toBeUndefined();
  });

  it('a ratio sampler at the front end: sampled requests keep every link, unsampled ones leave no span and no orphan root on the workers', async () => {
    const broker = new MemoryBroker();
    const fe = memoryTracing(
      'front-end',
      new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.5) }),
    );
    const wk = memoryTracing('workers'); // the SDK default: parent-based, always on for roots
    const rendezvous = new Rendezvous({
      transport: new MemoryTransport({ broker }),
      policy: priority({ order: ['a', 'b'] }),
      deadlineMs: 2000,
      discoveryMs: 0,
      instrumentation: openTelemetry({ tracer: fe.tracer, propagator }),
    });
    const results: RendezvousResult[] = [];
    rendezvous.results$.subscribe((r) => results.push(r));
    await rendezvous.start();
    const workers = ['a', 'b'].map(
      (name) =>
        new ModelWorker({
          transport: new MemoryTransport({ broker }),
          model: { name, version: '1' },
          instrumentation: openTelemetry({ tracer: wk.tracer, propagator }),
          predict: async (input: Json) => {
            await new Promise((resolve) => setImmediate(resolve));
            return wk.tracer.startActiveSpan('model.inference', (span) => {
              span.end();
              return input;
            });
          },
        }),
    );
    for (const w of workers) await w.start();
    cleanups.push(async () => {
      await rendezvous.stop();
      for (const w of workers) await w.stop();
    });
    await waitFor(() => rendezvous.registry.live().length === 2, 'both models live');
    const n = 60;
    await Promise.all(Array.from({ length: n }, (_, i) => rendezvous.request(i)));
    await waitFor(() => results.length === n, 'every mailbox closed');

    const requests = fe.spans().filter((s) => s.name === S.REQUEST);
    // 1 - 2 * 0.5^60: the test cannot pass with every request or none sampled.
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.length).toBeLessThan(n);
    const byId = new Map(requests.map((r) => [r.spanId, r]));
    await waitFor(
      () => wk.spans().filter((s) => s.name === S.PREDICTION).length === 2 * requests.length,
      'two predictions per sampled request',
    );
    const spans = wk.spans();
    const predictions = spans.filter((s) => s.name === S.PREDICTION);
    for (const p of predictions) {
      const parent = byId.get(p.parentSpanId ?? '');
      expect(parent, 'each prediction is a child of a sampled request span').toBeDefined();
      expect(p.traceId).toBe(parent?.traceId);
    }
    const inner = spans.filter((s) => s.name === 'model.inference');
    expect(inner).toHaveLength(predictions.length);
    const predictionIds = new Set(predictions.map((p) => p.spanId));
    for (const s of inner) expect(predictionIds.has(s.parentSpanId ?? '')).toBe(true);
    expect(
      spans.filter((s) => s.parentSpanId === undefined),
      'no orphan root',
    ).toEqual([]);
  });
});
