import type { Clock } from '../clock.js';
import { PredictError, RendezvousError } from '../errors.js';
import type { PredictionHooks } from '../instrumentation.js';
import type { Json } from '../wire/json.js';
import type { RequestEnvelope } from '../wire/request.js';
import type { PredictContext } from './model-worker-options.js';

/**
 * How one prediction ended: an output (not yet checked for JSON), an error to send as an error
 * score, or `expired`: the request's deadline came first, so no score can help any more.
 *
 * @example
 * ```ts
 * const o: PredictOutcome<number> = { kind: 'output', output: 2 };
 * ```
 */
export type PredictOutcome<O> =
  | { readonly kind: 'output'; readonly output: O }
  | { readonly kind: 'error'; readonly error: RendezvousError }
  | { readonly kind: 'expired' };

/**
 * What {@link predictWithinBudget} needs.
 *
 * @example
 * ```ts
 * const job: BudgetedPrediction<Json, Json> = { request, predict: (x) => x, clock: systemClock };
 * ```
 */
export interface BudgetedPrediction<I, O> {
  readonly request: RequestEnvelope;
  readonly predict: (input: I, context: PredictContext) => O | Promise<O>;
  readonly parseInput?: ((input: Json) => I) | undefined;
  readonly predictTimeoutMs?: number | undefined;
  readonly clock: Clock;
  /** The instrumentation's hooks of this prediction: `run` wraps `parseInput` and `predict`. */
  readonly hooks?: PredictionHooks | undefined;
}

function asPredictError(error: unknown): RendezvousError {
  if (error instanceof RendezvousError) return error;
  return new PredictError(
    'PREDICT_FAILED',
    error instanceof Error ? error.message : String(error),
    {
      cause: error,
    },
  );
}

/**
 * Runs `parseInput` and `predict` within the prediction's budget: the earlier of
 * `predictTimeoutMs` (from now) and the request's deadline. When the budget ends first,
 * `ctx.signal` is aborted and the outcome is `PREDICT_TIMEOUT` (the timeout came first) or
 * `expired` (the deadline came first); whatever `predict` does later is ignored. A `predict`
 * that ignores its signal cannot be stopped: it keeps its CPU and memory until it returns.
 * Never rejects or throws. A synchronous `predict` (or `parseInput` failure) gives its outcome
 * at once, without a promise (the worker's fast path); an asynchronous one gives a promise.
 *
 * @example
 * ```ts
 * const outcome = await predictWithinBudget({ request, predict, predictTimeoutMs: 500, clock });
 * if (outcome.kind === 'expired') await delivery.ack(); // no score can help past the deadline
 * ```
 */
export function predictWithinBudget<I, O>(
  job: BudgetedPrediction<I, O>,
): PredictOutcome<O> | Promise<PredictOutcome<O>> {
  const { request, clock, predictTimeoutMs } = job;
  // The AbortController is created only if predict reads `signal` (an allocation and listeners
  // on the hot path otherwise).
  let controller: AbortController | undefined;
  const context: PredictContext = {
    requestId: request.id,
    deadline: request.deadline,
    meta: request.meta,
    get signal(): AbortSignal {
      controller ??= new AbortController();
      return controller.signal;
    },
  };
  let result: O | Promise<O>;
  try {
    const hooks = job.hooks;
    result = hooks?.run
      ? hooks.run(parseAndPredictCall, { job, context })
      : parseAndPredict(job, context);
  } catch (error) {
    return { kind: 'error', error: asPredictError(error) };
  }
  // A synchronous predict has already returned: no budget timer to arm, no promise.
  if (!isThenable(result)) return { kind: 'output', output: result };
  const now = clock.now();
  const timeoutAt =
    predictTimeoutMs === undefined ? Number.POSITIVE_INFINITY : now + predictTimeoutMs;
  const deadlineFirst = request.deadline <= timeoutAt;
  return new Promise<PredictOutcome<O>>((resolve) => {
    let done = false;
    const timer = clock.setTimeout(() => {
      if (done) return;
      done = true;
      const reason = deadlineFirst
        ? new PredictError('PREDICT_TIMEOUT', `predict was still running at the request deadline`)
        : new PredictError('PREDICT_TIMEOUT', `predict took longer than ${predictTimeoutMs} ms`);
      controller?.abort(reason);
      resolve(deadlineFirst ? { kind: 'expired' } : { kind: 'error', error: reason });
    }, Math.min(timeoutAt, request.deadline) - now);
    const finish = (outcome: PredictOutcome<O>): void => {
      if (done) return; // given up already: the late outcome is dropped
      done = true;
      timer.cancel();
      resolve(outcome);
    };
    Promise.resolve(result).then(
      (output) => finish({ kind: 'output', output }),
      (error: unknown) => finish({ kind: 'error', error: asPredictError(error) }),
    );
  });
}

/** `parseAndPredict` of one argument, for `hooks.run` (which passes it on: no closure). */
function parseAndPredictCall<I, O>(call: {
  readonly job: BudgetedPrediction<I, O>;
  readonly context: PredictContext;
}): O | Promise<O> {
  return parseAndPredict(call.job, call.context);
}

function parseAndPredict<I, O>(
  job: BudgetedPrediction<I, O>,
  context: PredictContext,
): O | Promise<O> {
  let input: I;
  try {
    input = job.parseInput ? job.parseInput(job.request.input) : (job.request.input as I);
  } catch (error) {
    throw new RendezvousError(
      'INVALID_INPUT',
      error instanceof Error ? error.message : String(error),
      { cause: error },
    );
  }
  return job.predict(input, context);
}

/**
 * Whether a value is a promise (or any thenable).
 *
 * @example
 * ```ts
 * isThenable(Promise.resolve(1)); // true
 * ```
 */
export function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
