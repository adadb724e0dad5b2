import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  type TextMapPropagator,
} from '@opentelemetry/api';

/**
 * Writes a context into a request's `meta` and reads it back: through the given propagator, or
 * through the global propagation API (the propagator your SDK registered, W3C trace context by
 * default with the Node SDK).
 *
 * @example
 * ```ts
 * const carrier = traceCarrier(new W3CTraceContextPropagator());
 * const meta: Record<string, string> = {};
 * carrier.inject(trace.setSpan(context.active(), span), meta); // meta.traceparent is set
 * ```
 */
export interface TraceCarrier {
  inject(ctx: Context, meta: Record<string, string>): void;
  extract(ctx: Context, meta: Readonly<Record<string, string>>): Context;
  /** The meta keys the propagator writes (`traceparent`, `tracestate`); none for a no-op one. */
  fields(): string[];
}

/**
 * The {@link TraceCarrier} of `propagator`, or of the global propagation API without one.
 *
 * @example
 * ```ts
 * const carrier = traceCarrier(); // the globally registered propagator
 * ```
 */
export function traceCarrier(propagator?: TextMapPropagator): TraceCarrier {
  if (propagator)
    return {
      inject: (ctx, meta) => propagator.inject(ctx, meta, defaultTextMapSetter),
      extract: (ctx, meta) => propagator.extract(ctx, meta, defaultTextMapGetter),
      fields: () => propagator.fields(),
    };
  return {
    inject: (ctx, meta) => propagation.inject(ctx, meta),
    extract: (ctx, meta) => propagation.extract(ctx, meta),
    fields: () => propagation.fields(),
  };
}
