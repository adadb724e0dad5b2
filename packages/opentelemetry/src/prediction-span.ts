import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { PredictionHooks, PredictionStart } from '@rendezvous-ml/core';
import { RendezvousAttributes as A, RendezvousSpans as S } from './attributes.js';
import type { TraceCarrier } from './trace-carrier.js';

/**
 * Starts a worker's span of one prediction, a child of the front end's request span (read from
 * the request's `meta`), and returns its hooks: `run` makes the span active around `parseInput`
 * and `predict`, so spans they open are its children; `finished` records the outcome and ends
 * it (with an error status unless a score was sent with an output).
 *
 * @example
 * ```ts
 * const hooks = startPredictionSpan(tracer, traceCarrier(), start);
 * hooks.run?.(() => predict(input));
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
  const attributes: Attributes = {
    [A.REQUEST_ID]: start.requestId,
    [A.MODEL_NAME]: start.model.name,
    [A.MODEL_VERSION]: start.model.version,
    [A.MODEL_INSTANCE]: start.model.instance,
    [A.DELIVERY_COUNT]: start.deliveryCount,
    [A.PREDICTION_QUEUE_MS]: start.startedAt - start.receivedAt,
  };
  const span = tracer.startSpan(S.PREDICTION, { kind: SpanKind.CONSUMER, attributes }, parent);
  const active = trace.setSpan(parent, span);
  let ended = false;
  return {
    run: (fn) => context.with(active, fn),
    finished(end) {
      if (ended) return;
      ended = true;
      if (!span.isRecording()) return span.end();
      span.setAttribute(A.PREDICTION_OUTCOME, end.outcome);
      span.setAttribute(A.PREDICTION_PREDICT_MS, end.finishedAt - start.startedAt);
      if (end.outcome !== 'ok') {
        span.setAttribute(A.ERROR_TYPE, end.error?.code ?? end.outcome);
        span.setStatus({ code: SpanStatusCode.ERROR, message: end.error?.message ?? end.outcome });
      }
      span.end();
    },
  };
}
