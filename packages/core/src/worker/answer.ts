import type { Clock } from '../clock.js';
import type { PredictionHooks } from '../instrumentation.js';
import { retryWithBackoff } from '../retry.js';
import type { Delivery, Transport } from '../transport.js';
import type { ModelIdentity } from '../wire/model-identity.js';
import type { RequestEnvelope } from '../wire/request.js';
import { WIRE_VERSION } from '../wire/version.js';
import { buildScore } from './build-score.js';
import type { DeliverySettler } from './delivery-settler.js';
import type { PredictOutcome } from './predict-within-budget.js';
import type { zeroWorkerCounters } from './worker-counters.js';
import type { WorkerEvent } from './worker-event.js';

/**
 * What {@link answer} needs of its worker.
 *
 * @example
 * ```ts
 * const on: Answering = { transport, settler, clock, model, counters, event: (e) => events.next(e) };
 * ```
 */
export interface Answering {
  readonly transport: Transport;
  readonly settler: DeliverySettler;
  readonly clock: Clock;
  readonly model: ModelIdentity;
  readonly counters: ReturnType<typeof zeroWorkerCounters>;
  event(event: WorkerEvent): void;
}

/**
 * A prediction's delivery and request, and when it was received and started.
 *
 * @example
 * ```ts
 * const job: AnsweredJob = { delivery, request, hooks: undefined, receivedAt: 1, startedAt: 2 };
 * ```
 */
export interface AnsweredJob {
  readonly delivery: Delivery;
  readonly request: RequestEnvelope;
  readonly hooks: PredictionHooks | undefined;
  readonly receivedAt: number;
  readonly startedAt: number;
}

/**
 * Sends the score of a finished prediction to the request's return address, then acknowledges
 * the delivery (or hands it back when the score cannot be sent): the worker's fast path, on the
 * reply's promise chain alone, with no async frame. Never rejects.
 *
 * @example
 * ```ts
 * const outcome = predictWithinBudget({ request, predict, clock });
 * await (isThenable(outcome) ? outcome.then((o) => answer(on, job, o)) : answer(on, job, outcome));
 * ```
 */
export function answer<O>(
  on: Answering,
  job: AnsweredJob,
  outcome: PredictOutcome<O>,
): Promise<void> {
  const { delivery, request, hooks, receivedAt, startedAt } = job;
  if (outcome.kind === 'expired') {
    hooks?.finished?.({ outcome: 'expired', finishedAt: on.clock.now() });
    on.counters.expiredPredictions++;
    on.event({ type: 'expired', requestId: request.id, stage: 'predict' });
    return on.settler.ack(delivery);
  }
  const score = buildScore(
    { v: WIRE_VERSION, requestId: request.id, model: on.model, receivedAt, startedAt },
    outcome,
    on.clock.now(),
    on.transport.capabilities.envelopes === true,
  );
  const sent = score.envelope;
  if (!sent.ok) on.counters.failedPredictions++;
  return retryWithBackoff(
    () => on.transport.reply(request.replyTo, score.message),
    on.settler.replyRetry(request.deadline),
  ).then(
    () => {
      const { finishedAt } = sent;
      hooks?.finished?.(
        sent.ok
          ? { outcome: 'ok', finishedAt }
          : { outcome: 'error', finishedAt, error: sent.error },
      );
      return on.settler.ack(delivery).then(() => {
        on.counters.scored++;
        const durationMs = finishedAt - startedAt;
        on.event({ type: 'scored', requestId: request.id, ok: sent.ok, durationMs });
      });
    },
    (error: unknown) => {
      hooks?.finished?.({ outcome: 'unsent', finishedAt: sent.finishedAt });
      return on.settler.unsent(delivery, request, error, {
        event: (e) => on.event(e),
        count: (counter) => on.counters[counter]++,
      });
    },
  );
}
