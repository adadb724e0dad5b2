import {
  type Attributes,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type {
  RendezvousResult,
  RequestHooks,
  RequestStart,
  ScoreArrival,
  ScoreEnvelope,
} from '@rendezvous-ml/core';
import { RendezvousAttributes as A, RendezvousSpans as S } from './attributes.js';
import type { TraceCarrier } from './trace-carrier.js';

function scoreAttributes(score: ScoreEnvelope, arrival: ScoreArrival, latencyMs: number) {
  const attributes: Attributes = {
    [A.MODEL_NAME]: score.model.name,
    [A.MODEL_VERSION]: score.model.version,
    [A.MODEL_INSTANCE]: score.model.instance,
    [A.SCORE_OK]: score.ok,
    [A.SCORE_ARRIVAL]: arrival,
    [A.SCORE_LATENCY_MS]: latencyMs,
  };
  if (!score.ok) attributes[A.ERROR_TYPE] = score.error.code;
  return attributes;
}

function decisionAttributes(result: RendezvousResult): Attributes {
  const attributes: Attributes = {
    [A.REQUEST_STATUS]: result.status,
    [A.REQUEST_LATENCY_MS]: result.latencyMs,
    [A.DECISION_REASON]: result.decidedBy.reason,
    [A.DECISION_TRIGGER]: result.decidedBy.trigger,
    [A.CANDIDATES]: result.candidates.length,
  };
  if (result.chosen) {
    attributes[A.CHOSEN_MODEL_NAME] = result.chosen.model.name;
    attributes[A.CHOSEN_MODEL_VERSION] = result.chosen.model.version;
    attributes[A.CHOSEN_MODEL_INSTANCE] = result.chosen.model.instance;
  }
  if (result.error) attributes[A.ERROR_TYPE] = result.error.code;
  return attributes;
}

/**
 * Starts the front end's span of one request, a child of the caller's active span, and returns
 * its hooks: the span's context travels in the request's `meta`; each score is a span event; the
 * decision is an event too, and ends the span (with an error status if the request failed).
 * Scores that arrive after the decision go on a `rendezvous.late_scores` span, a child of the
 * request span started at the first of them and ended when the mailbox closes.
 *
 * @example
 * ```ts
 * const hooks = startRequestSpan(tracer, traceCarrier(), start);
 * hooks.meta; // { traceparent: '00-…-…-01' }
 * ```
 */
export function startRequestSpan(
  tracer: Tracer,
  carrier: TraceCarrier,
  start: RequestStart,
): RequestHooks {
  const parent = context.active(); // request() runs in the caller's context
  const attributes: Attributes = {
    [A.REQUEST_ID]: start.requestId,
    [A.FRONT_END]: start.frontEnd,
    [A.POLICY_NAME]: start.policy,
    [A.REQUEST_DEADLINE_MS]: start.deadline - start.startedAt,
  };
  if (start.policyVersion !== undefined) attributes[A.POLICY_VERSION] = start.policyVersion;
  const span = tracer.startSpan(S.REQUEST, { kind: SpanKind.PRODUCER, attributes }, parent);
  const withSpan = trace.setSpan(parent, span);
  const meta: Record<string, string> = {};
  carrier.inject(withSpan, meta);
  // An unsampled span records nothing: build no attributes or events for it.
  const recording = span.isRecording();
  let ended = false;
  let late: Span | undefined;
  let lateCount = 0;
  return {
    meta,
    score(score, arrival, at) {
      if (!recording) return;
      const event = scoreAttributes(score, arrival, at - start.startedAt);
      if (!ended) {
        span.addEvent(S.SCORE_EVENT, event);
        return;
      }
      late ??= tracer.startSpan(
        S.LATE_SCORES,
        { attributes: { [A.REQUEST_ID]: start.requestId } },
        withSpan,
      );
      late.addEvent(S.SCORE_EVENT, event);
      lateCount++;
    },
    decided(result) {
      if (ended) return;
      ended = true;
      if (recording) {
        const decision = decisionAttributes(result);
        span.setAttributes(decision);
        span.addEvent(S.DECISION_EVENT, decision);
        if (result.status === 'failed')
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: result.error?.message ?? 'failed',
          });
      }
      span.end();
    },
    closed() {
      if (!ended) {
        // Never decided: the input could not be published, or the front end closed first.
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the request was never decided' });
        ended = true;
        span.end();
      }
      if (late) {
        late.setAttribute(A.LATE_SCORES, lateCount);
        late.end();
      }
    },
  };
}
