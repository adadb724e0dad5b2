import { type Instrumentation, ModelWorker, type Transport } from '@rendezvous-ml/core';
import type { Logger } from 'pino';
import { type IrisInput, parseIrisInput } from './iris-input.js';
import type { IrisPredictor } from './iris-models.js';

/**
 * Starts a worker serving one iris model: it joins the group `model:<name>@<version>`, so each
 * version sees every request, and instances of one version share them.
 *
 * @example
 * ```ts
 * const dt = await startIrisWorker(transport, await loadIrisModel(dir, 'dt'), { logger, heartbeatMs: 1000, concurrency: 32 });
 * await dt.stop();
 * ```
 */
export async function startIrisWorker(
  transport: Transport,
  predictor: IrisPredictor,
  options: {
    readonly logger: Logger;
    readonly heartbeatMs: number;
    readonly concurrency: number;
    /** The metrics' seam (queue and predict time), when this process serves `/metrics`. */
    readonly instrumentation?: Instrumentation;
  },
): Promise<ModelWorker<IrisInput, number>> {
  const worker = new ModelWorker<IrisInput, number>({
    transport,
    model: { name: predictor.name, version: String(predictor.version) },
    parseInput: parseIrisInput,
    predict: (input) => predictor.predict(input),
    heartbeatIntervalMs: options.heartbeatMs,
    // Predictions are cheap; the time goes into sending the score and acknowledging.
    concurrency: options.concurrency,
    ...(options.instrumentation ? { instrumentation: options.instrumentation } : {}),
  });
  const log = options.logger.child({ model: `${predictor.name}@${predictor.version}` });
  worker.events$.subscribe((event) => {
    if (event.type === 'error') log.warn({ err: event.error }, 'worker error');
    else if (event.type === 'dead-lettered') log.warn(event, 'request sent to the dead letter');
    else if (event.type === 'scored' && !event.ok) log.warn(event, 'prediction failed');
    else if (event.type === 'draining') log.info(event, `draining (${event.reason})`);
  });
  await worker.start();
  log.info({ instance: worker.model.instance, group: worker.group }, 'model worker started');
  return worker;
}
