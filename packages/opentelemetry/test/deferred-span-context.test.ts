import {
  createContextKey,
  ROOT_CONTEXT,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { DeferredSpanContext } from '../src/deferred-span-context.js';

const sc: SpanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.NONE,
  isRemote: true,
};
const KEY = createContextKey('test key');

describe('DeferredSpanContext', () => {
  it('reads, sets and deletes as the context it stands for (a remote parent on the root)', () => {
    const deferred = new DeferredSpanContext(ROOT_CONTEXT, undefined, sc);
    expect(trace.getSpanContext(deferred)).toEqual(sc);
    const set = deferred.setValue(KEY, 1);
    expect(set.getValue(KEY)).toBe(1);
    expect(trace.getSpanContext(set)).toEqual(sc);
    expect(deferred.getValue(KEY)).toBeUndefined();
    expect(trace.getSpanContext(set.deleteValue(KEY))).toEqual(sc);
  });

  it('with a span: the span is the active one under the given parent, whose values it keeps', () => {
    const tracer = new BasicTracerProvider().getTracer('t');
    const span = tracer.startSpan('s');
    const parent = ROOT_CONTEXT.setValue(KEY, 'p');
    const deferred = new DeferredSpanContext(parent, span, span.spanContext());
    expect(trace.getSpan(deferred)).toBe(span);
    expect(deferred.getValue(KEY)).toBe('p');
    expect(deferred.spanContext).toBe(span.spanContext());
    span.end();
  });
});
