import { type Context, ROOT_CONTEXT, type SpanContext, trace } from '@opentelemetry/api';

/**
 * `trace.setSpanContext(ROOT_CONTEXT, spanContext)`, built only when something reads it: a
 * worker makes the context of an unsampled request active around `predict`, and a `predict`
 * that opens no span of its own never reads it, so the span wrapper, the context and its map
 * are not built per prediction. `spanContext` is the remote parent read from the request's
 * `meta`.
 *
 * @example
 * ```ts
 * const parent = new RemoteParentContext(spanContext);
 * trace.getSpanContext(parent) === spanContext; // true (the real context is built here)
 * ```
 */
export class RemoteParentContext implements Context {
  private built: Context | undefined;

  constructor(readonly spanContext: SpanContext) {}

  private get real(): Context {
    this.built ??= trace.setSpanContext(ROOT_CONTEXT, this.spanContext);
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
