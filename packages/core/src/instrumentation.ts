import type { RendezvousResult } from './result.js';
import type { Json } from './wire/json.js';
import type { ModelIdentity } from './wire/model-identity.js';
import type { ScoreEnvelope } from './wire/score.js';

/**
 * What a front end knows when it accepts a request, before publishing it.
 */
export interface RequestStart {
  readonly requestId: string;
  /** The front end's `instanceId`. */
  readonly frontEnd: string;
  /** The name of the policy this request started with, and its version (if it has one). */
  readonly policy: string;
  readonly policyVersion: number | undefined;
  /** The caller's `meta` (`RequestOptions.meta`), before any hook adds to it. */
  readonly meta: Readonly<Record<string, string>>;
  /** Clock time (ms) the request started at, and its deadline. */
  readonly startedAt: number;
  readonly deadline: number;
}

/**
 * What became of a score the front end received for a request still in its table.
 */
export type ScoreArrival = 'evaluated' | 'late' | 'duplicate';

/**
 * One request's hooks, returned by {@link Instrumentation.request}. Every member is optional;
 * the front end calls each at most once per event and never lets a throw reach the request.
 * Order: `score` (each arrival, the one that decides included) before `decided`, once;
 * then `score` for late or duplicate arrivals; then `closed`, once. A request refused before it
 * was published (its input cannot travel as JSON) gets only `closed(undefined)`.
 */
export interface RequestHooks {
  /**
   * Entries added to the request's `meta` before it is published (W3C `traceparent` and
   * `tracestate`, for example): every worker sees them. The caller's own entries win.
   */
  readonly meta?: Readonly<Record<string, string>>;
  /** A score arrived for this request (`late`: after the decision; `duplicate`: seen before). */
  score?(score: ScoreEnvelope, arrival: ScoreArrival, at: number): void;
  /** The request was decided: the caller now has `result` (answered or failed). */
  decided?(result: RendezvousResult<Json, Json>): void;
  /**
   * The mailbox closed (every awaited model reported, or the deadline passed): the final record
   * with its late scores, or `undefined` if the request never reached a decision record.
   */
  closed?(result: RendezvousResult<Json, Json> | undefined): void;
}

/**
 * What a worker knows when it starts a prediction.
 */
export interface PredictionStart {
  readonly requestId: string;
  readonly model: ModelIdentity;
  /** The request's `meta`, as published (trace context included). */
  readonly meta: Readonly<Record<string, string>>;
  /** Clock time (ms) the delivery reached the worker, and the time its prediction began. */
  readonly receivedAt: number;
  readonly startedAt: number;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
}

/**
 * How a prediction ended: `ok` and `error` sent a score; `expired` ran past the deadline (no
 * score); `unsent` could not send its score (after `replyRetry`): the delivery was handed back
 * for redelivery (a new prediction, `deliveryCount` + 1) or, past the deadline, acknowledged.
 * `finishedAt` is when `predict` ended (for `expired`: when the deadline stopped it).
 */
export interface PredictionEnd {
  readonly outcome: 'ok' | 'error' | 'expired' | 'unsent';
  readonly finishedAt: number;
  /** The error score's code and message (`outcome: 'error'`). */
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * One prediction's hooks, returned by {@link Instrumentation.prediction}.
 */
export interface PredictionHooks {
  /**
   * Calls `fn(arg)` (the model's `parseInput` and `predict`) inside whatever the hook wraps
   * around it, and returns what it returns: a tracer makes its span's context active, so spans
   * `predict` opens have the right parent. `fn` takes its argument from here, rather than
   * closing over it, so that no function is built per prediction: pass `arg` on, as
   * `context.with(ctx, fn, undefined, arg)` does.
   */
  run?<A, T>(fn: (arg: A) => T, arg: A): T;
  finished?(end: PredictionEnd): void;
}

/**
 * The instrumentation seam: tracing and metrics packages implement it and are given to a front
 * end (`RendezvousOptions.instrumentation`) or a worker (`ModelWorkerOptions.instrumentation`).
 * Core depends on nothing for it; without one, no hook object is built and nothing is called.
 *
 * @example
 * ```ts
 * const counting: Instrumentation = {
 *   request: () => ({ decided: (result) => void counts.add(result.status) }),
 * };
 * new Rendezvous({ transport, policy, instrumentation: counting });
 * ```
 */
export interface Instrumentation {
  /** Called synchronously in `request()`, in the caller's async context. */
  request?(start: RequestStart): RequestHooks | undefined;
  /**
   * Called synchronously when a worker starts a prediction: after the wait for a concurrency
   * slot, for a request still within its deadline (one skipped as expired gets no call).
   */
  prediction?(start: PredictionStart): PredictionHooks | undefined;
}
