import {
  context,
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
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { traceCarrier } from '../src/trace-carrier.js';
import { actsAsW3C } from '../src/w3c-fast-path.js';

const w3c = new W3CTraceContextPropagator();
const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
/** Hex of either case, and ids with one character that is not hex. */
const nearHex = (n: number) =>
  fc.oneof(
    fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`)),
    fc.stringMatching(new RegExp(`^[0-9a-f]{${n - 1}}[g-zG-Z:/@\\[\\]\\x60{]$`)),
  );
/** Near-valid and valid traceparents: every field, separators and length perturbed. */
const traceparents = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('00', '01', 'ff', '0g', '0A'),
      fc.oneof(
        hex(32),
        nearHex(32),
        fc.constant('0'.repeat(32)),
        fc.string({ minLength: 30, maxLength: 34 }),
      ),
      fc.oneof(
        hex(16),
        nearHex(16),
        fc.constant('0'.repeat(16)),
        fc.string({ minLength: 15, maxLength: 17 }),
      ),
      fc.oneof(hex(2), nearHex(2), fc.constantFrom('0G', 'FF', '1')),
      fc.constantFrom('-', '_'),
      fc.constantFrom('', ' ', '-00', '-x'),
    )
    .map(([v, t, s, f, sep, tail]) => `${v}${sep}${t}-${s}-${f}${tail}`),
  fc.string(),
);

const spanContextOf = (ctx: ReturnType<typeof trace.setSpanContext>) => {
  const sc = trace.getSpanContext(ctx);
  return sc && { ...sc, traceState: sc.traceState?.serialize() };
};

describe('the W3C fast path', () => {
  it('reads every traceparent exactly as the W3C propagator does', () => {
    const fast = traceCarrier(w3c);
    fc.assert(
      fc.property(traceparents, (tp) => {
        const meta = { traceparent: tp };
        const mine = fast.extract(ROOT_CONTEXT, meta);
        const theirs = w3c.extract(ROOT_CONTEXT, meta, defaultTextMapGetter);
        expect(spanContextOf(mine)).toEqual(spanContextOf(theirs));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses ids with a character outside ASCII whose low bits spell a hex digit', () => {
    // U+0130 and U+0161 end in the bits of '0' and 'a': a scan that masks to 7 bits must not
    // take them for hex.
    const fast = traceCarrier(w3c);
    for (const odd of ['\u0130', '\u0161', '\u00e1'])
      for (const [at, id] of [
        [3, 'trace id'],
        [40, 'span id'],
      ] as const) {
        const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
        const meta = { traceparent: tp.slice(0, at) + odd + tp.slice(at + 1) };
        const theirs = w3c.extract(ROOT_CONTEXT, meta, defaultTextMapGetter);
        expect(spanContextOf(fast.extract(ROOT_CONTEXT, meta)), id).toEqual(spanContextOf(theirs));
        const sc: SpanContext = {
          traceId: at === 3 ? `${odd}${'a'.repeat(31)}` : 'a'.repeat(32),
          spanId: at === 3 ? 'b'.repeat(16) : `${odd}${'b'.repeat(15)}`,
          traceFlags: TraceFlags.SAMPLED,
        };
        const mine: Record<string, string> = {};
        fast.injectSpan(ROOT_CONTEXT, trace.wrapSpanContext(sc), mine);
        const written: Record<string, string> = {};
        w3c.inject(trace.setSpanContext(ROOT_CONTEXT, sc), written, defaultTextMapSetter);
        expect(mine, id).toEqual(written);
      }
  });

  it('writes every span context exactly as the W3C propagator does', () => {
    const fast = traceCarrier(w3c);
    const contexts = fc.record({
      traceId: fc.oneof(hex(32), fc.constant('0'.repeat(32))),
      spanId: fc.oneof(hex(16), fc.constant('0'.repeat(16))),
      traceFlags: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(contexts, fc.boolean(), (sc: SpanContext, suppressed) => {
        let parent = ROOT_CONTEXT;
        if (suppressed)
          parent = parent.setValue(
            createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING'),
            true,
          );
        const span = trace.wrapSpanContext(sc);
        const mine: Record<string, string> = {};
        fast.injectSpan(parent, span, mine);
        const theirs: Record<string, string> = {};
        w3c.inject(trace.setSpan(parent, span), theirs, defaultTextMapSetter);
        expect(mine).toEqual(theirs);
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves meta with other entries, and contexts with baggage, to the propagator', () => {
    const composite = new CompositePropagator({
      propagators: [w3c, new W3CBaggagePropagator()],
    });
    expect(actsAsW3C(composite)).toBe(true);
    const fast = traceCarrier(composite);
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00';
    const read = fast.extract(ROOT_CONTEXT, { traceparent: tp, baggage: 'tenant=a' });
    expect(propagation.getBaggage(read)?.getEntry('tenant')?.value).toBe('a');
    const withBaggage = propagation.setBaggage(
      context.active(),
      propagation.createBaggage({ tenant: { value: 'b' } }),
    );
    const meta: Record<string, string> = {};
    const span = trace.wrapSpanContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
    });
    fast.injectSpan(withBaggage, span, meta);
    expect(meta).toEqual({ traceparent: tp, baggage: 'tenant=b' });
  });

  it('is not taken for a propagator that does not write W3C trace context', () => {
    const b3Like: TextMapPropagator = {
      inject: (ctx, carrier, setter) => {
        const sc = trace.getSpanContext(ctx);
        if (sc) setter.set(carrier, 'traceparent', `${sc.traceId}:${sc.spanId}`);
      },
      extract: (ctx) => ctx,
      fields: () => ['traceparent'],
    };
    expect(actsAsW3C(b3Like)).toBe(false);
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const read = traceCarrier(b3Like).extract(ROOT_CONTEXT, { traceparent: tp });
    expect(trace.getSpanContext(read)).toBeUndefined();
  });
});
