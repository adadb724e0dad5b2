import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { PredictionEnd, PredictionHooks, PredictionStart } from '@rendezvous-ml/core';
import { RendezvousAttributes as A, RendezvousSpans as S } from './attributes.js';
import { DeferredSpanContext } from './deferred-span-context.js';
import type { TraceCarrier } from './trace-carrier.js';

/**
 * Starts a worker's span of one prediction, a child of the front end's request span (read from
 * the request's `meta`), and returns its hooks: `run` makes the span active around `parseInput`
 * and `predict`, so spans they open are its children; `finished` records the outcome and ends
 * it (with an error status unless a score was sent with an output).
 *
 * A request the front end did not sample (its context arrives with the sampled flag off) gets no
 * span at all: `run` only makes that unsampled context active, so that spans `predict` opens
 * follow the same decision (with a parent-based sampler) instead of starting traces of their
 * own. A request without any trace context gets a span with no parent (the worker's sampler
 * decides).
 *
 * @example
 * ```ts
 * const hooks = startPredictionSpan(tracer, traceCarrier(), start);
 * hooks.run?.((x) => predict(x), input);
 * hooks.finished?.({ outcome: 'ok', finishedAt: clock.now() });
 * ```
 */
export function startPredictionSpan(
  tracer: Tracer,
  carrier: TraceCarrier,
  start: PredictionStart,
): PredictionHooks {
  // The request's own context, not whatever the transport's callback happened to run in.
  const parent = carrier.extract(ROOT_CONTEXT, start.meta);
  // Read without building the context, when the fast path deferred it.
  const from =
    parent instanceof DeferredSpanContext ? parent.spanContext : trace.getSpanContext(parent);
  if (from !== undefined && (from.traceFlags & TraceFlags.SAMPLED) === 0 && carrier.isValid(from))
    return new UnsampledPrediction(parent);
  const attributes: Attributes = {
    [A.REQUEST_ID]: start.requestId,
    [A.MODEL_NAME]: start.model.name,
    [A.MODEL_VERSION]: start.model.version,
    [A.MODEL_INSTANCE]: start.model.instance,
    [A.DELIVERY_COUNT]: start.deliveryCount,
    [A.PREDICTION_QUEUE_MS]: start.startedAt - start.receivedAt,
  };
  const span = tracer.startSpan(S.PREDICTION, { kind: SpanKind.CONSUMER, attributes }, parent);
  const active = new DeferredSpanContext(parent, span, span.spanContext());
  return new TracedPrediction(span, active, start.startedAt);
}

/** A prediction of an unsampled request: no span, only its context around `predict`. */
class UnsampledPrediction implements PredictionHooks {
  constructor(private readonly active: Context) {}

  run<A, T>(fn: (arg: A) => T, arg: A): T {
    return context.with(this.active, fn, undefined, arg);
  }
}

/** A prediction with a span of its own (methods, not per-prediction closures). */
class TracedPrediction implements PredictionHooks {
  private ended = false;

  constructor(
    private readonly span: Span,
    private readonly active: Context,
    private readonly startedAt: number,
  ) {}

  run<A, T>(fn: (arg: A) => T, arg: A): T {
    return context.with(this.active, fn, undefined, arg);
  }

  finished(end: PredictionEnd): void {
    if (this.ended) return;
    this.ended = true;
    const span = this.span;
    if (span.isRecording()) {
      span.setAttribute(A.PREDICTION_OUTCOME, end.outcome);
      span.setAttribute(A.PREDICTION_PREDICT_MS, end.finishedAt - this.startedAt);
      if (end.outcome !== 'ok') {
        span.setAttribute(A.ERROR_TYPE, end.error?.code ?? end.outcome);
        span.setStatus({ code: SpanStatusCode.ERROR, message: end.error?.message ?? end.outcome });
      }
    }
    span.end();
  }
}
