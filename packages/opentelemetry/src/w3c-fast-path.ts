import {
  type Context,
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapPropagator,
  TraceFlags,
  trace,
} from '@opentelemetry/api';

/** `00-<32 hex>-<16 hex>-<2 hex>`: the only `traceparent` the fast path reads or writes. */
const LENGTH = 55;

/** Lowercase hex digit (0-9, a-f), as the W3C format requires. */
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

/** The value of a lowercase hex digit's char code. */
function hexValue(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/** 0 at the char codes of lowercase hex digits (0-9, a-f), 1 at every other ASCII code. */
const NOT_HEX = new Uint8Array(128).fill(1);
for (const c of '0123456789abcdef') NOT_HEX[c.charCodeAt(0)] = 0;

/**
 * Whether `s[from, to)` is lowercase hex and not all zeros (an invalid id). Branch-free over the
 * characters (a table look-up and two ors each): random hex defeats the branch predictor of a
 * digit-or-letter test, which made this scan most of the cost of reading a `traceparent`.
 */
function isId(s: string, from: number, to: number): boolean {
  let bad = 0;
  let bits = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    bad |= (c >> 7) | (NOT_HEX[c & 127] as number); // c >> 7: not ASCII
    bits |= c ^ 48; // 0 only while every character is '0'
  }
  return bad === 0 && bits !== 0;
}

/**
 * Whether both ids of `sc` are lowercase hex of the right length and not all zeros: valid by
 * `isSpanContextValid`, and written by the W3C propagator as they are.
 *
 * @example
 * ```ts
 * hasLowercaseIds(span.spanContext()); // true for the SDK's random ids
 * ```
 */
export function hasLowercaseIds(sc: SpanContext): boolean {
  const { traceId, spanId } = sc;
  return (
    traceId.length === 32 && spanId.length === 16 && isId(traceId, 0, 32) && isId(spanId, 0, 16)
  );
}

/**
 * The span context of a version-00 `traceparent` of exactly the W3C form, or `undefined` for
 * anything else (other versions, surrounding spaces, bad ids): those take the propagator's
 * own, slower parse. A plain character scan, no regular expression, no match array.
 *
 * @example
 * ```ts
 * parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')?.traceFlags; // 1
 * ```
 */
export function parseTraceparent(value: string): SpanContext | undefined {
  if (value.length !== LENGTH) return undefined;
  if (value.charCodeAt(0) !== 48 || value.charCodeAt(1) !== 48) return undefined; // '00'
  if (value.charCodeAt(2) !== 45 || value.charCodeAt(35) !== 45 || value.charCodeAt(52) !== 45)
    return undefined; // '-'
  if (!isId(value, 3, 35) || !isId(value, 36, 52)) return undefined;
  const hi = value.charCodeAt(53);
  const lo = value.charCodeAt(54);
  if (!isHex(hi) || !isHex(lo)) return undefined;
  const flags = (hexValue(hi) << 4) | hexValue(lo); // no slice and parseInt per read
  return {
    traceId: value.slice(3, 35),
    spanId: value.slice(36, 52),
    traceFlags: flags,
    isRemote: true,
  };
}

/**
 * The `traceparent` of a valid span context (sampled flag only, as the W3C propagator writes).
 *
 * @example
 * ```ts
 * formatTraceparent(span.spanContext()); // '00-…-…-01'
 * ```
 */
export function formatTraceparent(sc: SpanContext): string {
  const flags = sc.traceFlags;
  // The two flags a sampler sets, as constants (no number formatting per request).
  const tail =
    flags === TraceFlags.SAMPLED
      ? '-01'
      : flags === TraceFlags.NONE
        ? '-00'
        : `-0${Number(flags || TraceFlags.NONE).toString(16)}`;
  return `00-${sc.traceId}-${sc.spanId}${tail}`;
}

const PROBE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PROBE_SPAN = '00f067aa0ba902b7';

function sameSpanContext(a: SpanContext | undefined, b: SpanContext): boolean {
  return (
    a !== undefined &&
    a.traceId === b.traceId &&
    a.spanId === b.spanId &&
    a.traceFlags === b.traceFlags &&
    a.isRemote === true &&
    a.traceState === undefined
  );
}

/**
 * Whether `propagator` reads and writes a lone `traceparent` exactly as the W3C trace-context
 * propagator does (so the fast path may stand in for it when `meta` holds nothing else and the
 * context no baggage): checked once, on probes, with the propagator itself. A W3C propagator,
 * or a composite of it with baggage (the Node SDK's default), passes; anything else (B3, Jaeger,
 * a custom one) keeps its own inject and extract on every request.
 *
 * @example
 * ```ts
 * actsAsW3C(new W3CTraceContextPropagator()); // true
 * ```
 */
export function actsAsW3C(propagator: TextMapPropagator): boolean {
  try {
    for (const flags of [TraceFlags.NONE, TraceFlags.SAMPLED]) {
      const sc: SpanContext = { traceId: PROBE_TRACE, spanId: PROBE_SPAN, traceFlags: flags };
      const written: Record<string, string> = {};
      propagator.inject(trace.setSpanContext(ROOT_CONTEXT, sc), written, defaultTextMapSetter);
      const keys = Object.keys(written);
      if (keys.length !== 1 || written.traceparent !== formatTraceparent(sc)) return false;
      const read = propagator.extract(ROOT_CONTEXT, { ...written }, defaultTextMapGetter);
      if (!sameSpanContext(trace.getSpanContext(read), { ...sc, isRemote: true })) return false;
      if (propagation.getBaggage(read) !== undefined) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * The `traceparent` of span context `sc` under `ctx`, when the fast path can write it (`ctx`
 * carries no baggage and does not suppress tracing; `sc` is valid and has no trace state), or
 * `undefined` to use the propagator.
 *
 * @example
 * ```ts
 * const traceparent = fastInject(context.active(), span.spanContext());
 * ```
 */
export function fastInject(ctx: Context, sc: SpanContext): string | undefined {
  if (sc.traceState !== undefined || propagation.getBaggage(ctx) !== undefined) return undefined;
  if (ctx.getValue(SUPPRESS_TRACING) === true) return undefined; // the propagator writes nothing
  return formatTraceparent(sc);
}

/** `@opentelemetry/core`'s key of a context with tracing suppressed (a `Symbol.for` key). */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/**
 * The `traceparent` of a `meta` that holds nothing else (nothing another propagator could
 * read), or `undefined`.
 *
 * @example
 * ```ts
 * onlyTraceparent({ traceparent: tp }); // tp
 * onlyTraceparent({ traceparent: tp, baggage: 'a=1' }); // undefined: the propagator reads it
 * ```
 */
export function onlyTraceparent(meta: Readonly<Record<string, string>>): string | undefined {
  let value: string | undefined;
  for (const k in meta) {
    if (k !== 'traceparent') return undefined;
    value = meta[k];
  }
  return value;
}
