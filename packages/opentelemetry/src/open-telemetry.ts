import {
  diag,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { Instrumentation } from '@rendezvous-ml/core';
import { startPredictionSpan } from './prediction-span.js';
import { startRequestSpan } from './request-span.js';
import { traceCarrier } from './trace-carrier.js';

/** The instrumentation scope of the spans, when no `tracer` is given. */
const SCOPE = '@rendezvous-ml/opentelemetry';

/**
 * Options of {@link openTelemetry}.
 *
 * @example
 * ```ts
 * const options: OpenTelemetryOptions = { tracerProvider: provider, propagator: new W3CTraceContextPropagator() };
 * ```
 */
export interface OpenTelemetryOptions {
  /** The tracer to record spans with. Default: `tracerProvider`'s (or the global one's) tracer named `@rendezvous-ml/opentelemetry`. */
  readonly tracer?: Tracer;
  /** Where to get the tracer from, when `tracer` is not given. Default: the global provider. */
  readonly tracerProvider?: TracerProvider;
  /**
   * How the trace context is written to a request's `meta` and read back on the worker. Default:
   * the global propagator (`propagation` API; W3C trace context once an SDK is registered).
   */
  readonly propagator?: TextMapPropagator;
}

/**
 * OpenTelemetry tracing for a front end and its workers: give the result to
 * `new Rendezvous({ instrumentation })` and `new ModelWorker({ instrumentation })`. A request
 * span is a child of the caller's active span; its context travels in the request's `meta`
 * (W3C `traceparent`, `tracestate`), so each worker's prediction span is its child, in any
 * process and on any transport. The spans and their attributes are listed in the README.
 *
 * @example
 * ```ts
 * const instrumentation = openTelemetry();
 * const rendezvous = new Rendezvous({ transport, policy: latestVersion(), instrumentation });
 * const worker = new ModelWorker({ transport, model: { name: 'dt', version: '1' }, predict, instrumentation });
 * ```
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): Instrumentation {
  const tracer = options.tracer ?? (options.tracerProvider ?? trace).getTracer(SCOPE);
  const carrier = traceCarrier(options.propagator);
  let checked = options.propagator !== undefined;
  return {
    request(start) {
      if (!checked) {
        checked = true;
        if (carrier.fields().length === 0)
          diag.warn(
            `${SCOPE}: no propagator is registered, so the trace context cannot reach the workers: register one (the Node SDK registers W3C trace context) or pass openTelemetry({ propagator: new W3CTraceContextPropagator() })`,
          );
      }
      return startRequestSpan(tracer, carrier, start);
    },
    prediction: (start) => startPredictionSpan(tracer, carrier, start),
  };
}
