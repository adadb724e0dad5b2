import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  type TextMapPropagator,
  trace,
} from '@opentelemetry/api';
import { DeferredSpanContext } from './deferred-span-context.js';
import {
  actsAsW3C,
  fastInject,
  hasLowercaseIds,
  onlyTraceparent,
  parseTraceparent,
} from './w3c-fast-path.js';

/**
 * Writes a context into a request's `meta` and reads it back: through the given propagator, or
 * through the global propagation API (the propagator your SDK registered, W3C trace context by
 * default with the Node SDK).
 *
 * @example
 * ```ts
 * const carrier = traceCarrier(new W3CTraceContextPropagator());
 * const meta: Record<string, string> = {};
 * carrier.injectSpan(context.active(), span, meta); // meta.traceparent is set
 * ```
 */
export interface TraceCarrier {
  /** Writes the context of `span` under `parent` (without building that context when it can). */
  injectSpan(parent: Context, span: Span, meta: Record<string, string>): void;
  extract(ctx: Context, meta: Readonly<Record<string, string>>): Context;
  /** `isSpanContextValid(sc)`, known without a check for the one `extract` just parsed. */
  isValid(sc: SpanContext): boolean;
  /** The meta keys the propagator writes (`traceparent`, `tracestate`); none for a no-op one. */
  fields(): string[];
}

/**
 * The {@link TraceCarrier} of `propagator`, or of the global propagation API without one. A
 * given propagator that acts as the W3C trace-context one (checked once: see `actsAsW3C`) is
 * stood in for, on the hot path, by a plain formatter and character scan of `traceparent`
 * whenever the result is the same: a `meta` with nothing but `traceparent`, a context with no
 * baggage and no trace state. Anything else goes through the propagator.
 *
 * @example
 * ```ts
 * const carrier = traceCarrier(); // the globally registered propagator
 * ```
 */
export function traceCarrier(propagator?: TextMapPropagator): TraceCarrier {
  if (propagator) return new GivenCarrier(propagator, actsAsW3C(propagator));
  return {
    injectSpan: (parent, span, meta) => propagation.inject(trace.setSpan(parent, span), meta),
    extract: (ctx, meta) => propagation.extract(ctx, meta),
    isValid: isValidSpanContext,
    fields: () => propagation.fields(),
  };
}

/** `isSpanContextValid`, without its regular expressions for the lowercase ids the SDK makes. */
function isValidSpanContext(sc: SpanContext): boolean {
  return hasLowercaseIds(sc) || isSpanContextValid(sc);
}

class GivenCarrier implements TraceCarrier {
  /** The span context the fast path parsed last (valid by construction). */
  private parsed: SpanContext | undefined;

  constructor(
    private readonly propagator: TextMapPropagator,
    private readonly w3c: boolean,
  ) {}

  injectSpan(parent: Context, span: Span, meta: Record<string, string>): void {
    if (this.w3c) {
      const sc = span.spanContext();
      // Lowercase hex and not all zeros: valid, and written as is (else the propagator decides).
      const traceparent = hasLowercaseIds(sc) ? fastInject(parent, sc) : undefined;
      if (traceparent !== undefined) {
        meta.traceparent = traceparent;
        return;
      }
    }
    this.propagator.inject(trace.setSpan(parent, span), meta, defaultTextMapSetter);
  }

  extract(ctx: Context, meta: Readonly<Record<string, string>>): Context {
    if (this.w3c) {
      const traceparent = onlyTraceparent(meta);
      const sc = traceparent === undefined ? undefined : parseTraceparent(traceparent);
      if (sc) {
        this.parsed = sc;
        // On the root (a worker's case), the context is built only if something reads it.
        return ctx === ROOT_CONTEXT
          ? new DeferredSpanContext(ctx, undefined, sc)
          : trace.setSpanContext(ctx, sc);
      }
    }
    return this.propagator.extract(ctx, meta, defaultTextMapGetter);
  }

  isValid(sc: SpanContext): boolean {
    return sc === this.parsed || isValidSpanContext(sc);
  }

  fields(): string[] {
    return this.propagator.fields();
  }
}
