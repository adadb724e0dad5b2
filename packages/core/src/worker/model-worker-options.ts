import type { Clock } from '../clock.js';
import type { Instrumentation } from '../instrumentation.js';
import type { RetryOptions } from '../retry.js';
import type { StreamNames, Transport } from '../transport.js';
import type { Json } from '../wire/json.js';

/**
 * What `predict` receives besides the input.
 *
 * @example
 * ```ts
 * predict: (input, ctx) => (ctx.signal.aborted ? 0 : model.predict(input))
 * ```
 */
export interface PredictContext {
  readonly requestId: string;
  /** Absolute deadline of the request (clock ms). */
  readonly deadline: number;
  readonly meta: Readonly<Record<string, string>>;
  /**
   * Aborted when the prediction's budget ends: at `predictTimeoutMs` or at the request's
   * deadline, whichever comes first. The worker then stops waiting for `predict` and frees its
   * slot; JavaScript cannot stop a function, so a `predict` that ignores the signal keeps its CPU
   * (and memory) until it returns, while a new prediction already uses the slot.
   */
  readonly signal: AbortSignal;
}

/**
 * Options of {@link ModelWorker}. They are checked at construction: a wrong value throws a
 * `ConfigurationError` that says what to change.
 *
 * Time budget of a prediction: the earlier of `predictTimeoutMs` (from the start of `predict`)
 * and the request's deadline. At that point `ctx.signal` is aborted, the slot is freed and the
 * request is acknowledged: with a `PREDICT_TIMEOUT` error score if `predictTimeoutMs` came first,
 * without any score if the deadline came first (no score can help then; counted in
 * `stats().expiredPredictions`). A worker never predicts past a request's deadline.
 *
 * @example
 * ```ts
 * const opts: ModelWorkerOptions<number[], number> = {
 *   transport, model: { name: 'dt', version: '1' }, predict: (x) => tree.predict([x])[0]!, concurrency: 8,
 * };
 * ```
 */
export interface ModelWorkerOptions<I = Json, O = Json> {
  readonly transport: Transport;
  /**
   * The model version this worker serves: non-empty strings without `@` or whitespace (`'dt'`,
   * `'1'`). `instance` defaults to a random name.
   */
  readonly model: { readonly name: string; readonly version: string; readonly instance?: string };
  /**
   * Scores one input. A throw, a rejection or a timeout becomes an error score. An output JSON
   * cannot carry (`undefined`, a function, a symbol, `NaN`, `±Infinity`, a `BigInt`, a cycle)
   * becomes an `OUTPUT_NOT_SERIALIZABLE` error score, so the front end falls back to another model.
   */
  readonly predict: (input: I, context: PredictContext) => O | Promise<O>;
  /** Checks and converts the wire input; a throw becomes an `INVALID_INPUT` error score. */
  readonly parseInput?: (input: Json) => I;
  /** Predictions running at once (a positive integer). Default 8. */
  readonly concurrency?: number;
  /**
   * A prediction slower than this (ms) becomes a `PREDICT_TIMEOUT` error score, unless the
   * request's deadline comes first. Default: none (the deadline alone bounds a prediction).
   */
  readonly predictTimeoutMs?: number;
  /** A request delivered more than this many times goes to the dead letter. Default 5. */
  readonly maxDeliveries?: number;
  /** Heartbeat period (ms). Default 1000. */
  readonly heartbeatIntervalMs?: number;
  /**
   * Retries of a failed score send (and of a failed acknowledgement), never past the request's
   * deadline. A score still unsent after them is handed back for redelivery
   * (`delivery.release`) after a backoff of `initialDelayMs × 2^deliveryCount` (at most
   * `maxDelayMs`), or, if that redelivery would come after the deadline, acknowledged and
   * counted in `stats().expiredUnsent`.
   */
  readonly replyRetry?: Omit<RetryOptions, 'clock'>;
  /**
   * Listen on the control channel (`streams.control`, default `control`) for a `retire` message
   * addressed to this worker's name@version, and drain on it as `stop()` does. Default `true`.
   */
  readonly retirable?: boolean;
  readonly streams?: Partial<StreamNames>;
  readonly clock?: Clock;
  /**
   * Tracing or metrics hooks (one, or several called in order), such as `openTelemetry()` from
   * `@rendezvous-ml/opentelemetry`: `prediction()` is called as a prediction starts (after the
   * wait for a slot), its `run` wraps `parseInput` and `predict`. A hook that throws is ignored.
   * Default: none (nothing is built or called per request).
   */
  readonly instrumentation?: Instrumentation | readonly Instrumentation[];
}
