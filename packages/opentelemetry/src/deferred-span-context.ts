import { type Context, type Span, type SpanContext, trace } from '@opentelemetry/api';

/**
 * `trace.setSpan(parent, span)` (or, without a span, `trace.setSpanContext(parent,
 * spanContext)`), built only when something reads it. A worker makes such a context active
 * around `predict`: the unsampled request's remote parent, or a sampled prediction's span. A
 * `predict` that opens no span of its own never reads it, so the span wrapper, the context and
 * its map are not built per prediction.
 *
 * @example
 * ```ts
 * const parent = new DeferredSpanContext(ROOT_CONTEXT, undefined, spanContext);
 * trace.getSpanContext(parent) === spanContext; // true (the real context is built here)
 * ```
 */
export class DeferredSpanContext implements Context {
  private built: Context | undefined;

  constructor(
    private readonly parent: Context,
    private readonly span: Span | undefined,
    /** The span context this context carries (`span`'s, or the remote parent's). */
    readonly spanContext: SpanContext,
  ) {}

  private get real(): Context {
    this.built ??= this.span
      ? trace.setSpan(this.parent, this.span)
      : trace.setSpanContext(this.parent, this.spanContext);
    return this.built;
  }

  getValue(key: symbol): unknown {
    return this.real.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.real.setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.real.deleteValue(key);
  }
}
