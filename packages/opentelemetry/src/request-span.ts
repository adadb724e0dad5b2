import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
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
 * The sampler decides here, once per request. A span it does not record gets hooks with only
 * `meta` (the context, with its sampled flag off, so that the workers record nothing either):
 * no attributes, events or callbacks for the rest of the request. Under a caller's span that is
 * valid and not sampled, the decision is already taken: no span is started (the SDK's default
 * parent-based sampler would not record one either), and `meta` carries the caller's context,
 * as the workers treat an unsampled request.
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
  const caller = trace.getSpan(parent);
  if (caller !== undefined) {
    const sc = caller.spanContext();
    if ((sc.traceFlags & TraceFlags.SAMPLED) === 0 && carrier.isValid(sc)) {
      const meta: Record<string, string> = {};
      carrier.injectSpan(parent, caller, meta);
      return { meta };
    }
  }
  const attributes: Attributes = {
    [A.REQUEST_ID]: start.requestId,
    [A.FRONT_END]: start.frontEnd,
    [A.POLICY_NAME]: start.policy,
    [A.REQUEST_DEADLINE_MS]: start.deadline - start.startedAt,
  };
  if (start.policyVersion !== undefined) attributes[A.POLICY_VERSION] = start.policyVersion;
  // The attributes go to startSpan so that a sampler can decide on them.
  const span = tracer.startSpan(S.REQUEST, { kind: SpanKind.PRODUCER, attributes }, parent);
  const meta: Record<string, string> = {};
  carrier.injectSpan(parent, span, meta);
  // Not recorded: nothing to add to it, and ending a non-recording span does nothing (and no
  // context object is built for it).
  if (!span.isRecording()) return { meta };
  return new RecordedRequest(tracer, span, parent, start.requestId, start.startedAt, meta);
}

/** The hooks of a request whose span is recorded (methods, not per-request closures). */
class RecordedRequest implements RequestHooks {
  private ended = false;
  private late: Span | undefined;
  private lateCount = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
    /** The caller's context: the span's context under it is built only for a late score. */
    private readonly parent: Context,
    private readonly requestId: string,
    private readonly startedAt: number,
    readonly meta: Readonly<Record<string, string>>,
  ) {}

  score(score: ScoreEnvelope, arrival: ScoreArrival, at: number): void {
    const event = scoreAttributes(score, arrival, at - this.startedAt);
    if (!this.ended) {
      this.span.addEvent(S.SCORE_EVENT, event);
      return;
    }
    this.late ??= this.tracer.startSpan(
      S.LATE_SCORES,
      { attributes: { [A.REQUEST_ID]: this.requestId } },
      trace.setSpan(this.parent, this.span),
    );
    this.late.addEvent(S.SCORE_EVENT, event);
    this.lateCount++;
  }

  decided(result: RendezvousResult): void {
    if (this.ended) return;
    this.ended = true;
    const decision = decisionAttributes(result);
    const span = this.span;
    span.setAttributes(decision);
    span.addEvent(S.DECISION_EVENT, decision);
    if (result.status === 'failed')
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.error?.message ?? 'failed' });
    span.end();
  }

  closed(): void {
    if (!this.ended) {
      // Never decided: the input could not be published, or the front end closed first.
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: 'the request was never decided' });
      this.ended = true;
      this.span.end();
    }
    if (this.late) {
      this.late.setAttribute(A.LATE_SCORES, this.lateCount);
      this.late.end();
    }
  }
}
