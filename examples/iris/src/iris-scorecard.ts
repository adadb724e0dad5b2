import type { RendezvousResult } from '@rendezvous-ml/core';
import { Scorecard, type ScorecardAlarm } from '@rendezvous-ml/scorecard';
import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import type { IrisConfig } from './config.js';
import type { IrisInput } from './iris-input.js';

/**
 * Starts the front end's scorecard on its `results$`: per model version, answers, errors,
 * timeouts, latency, agreement with the model chosen most (`dt@1`), output shift, and input
 * shift per feature against the first `SCORECARD_REFERENCE` results. Every alarm, firing or
 * cleared, is one pino JSON line with its evidence (`msg: "scorecard alarm"`).
 *
 * @example
 * ```ts
 * const scorecard = await startIrisScorecard(rendezvous.results$, config, logger);
 * console.log(scorecard.snapshot().windows.at(-1)?.inputShift);
 * ```
 */
export async function startIrisScorecard(
  results$: Observable<RendezvousResult<IrisInput, number>>,
  config: Pick<IrisConfig, 'scorecard'>,
  logger: Logger,
): Promise<Scorecard> {
  const scorecard = new Scorecard({
    // An IrisInput is four numbers: JSON, though TypeScript cannot see it through an interface.
    results$: results$ as unknown as Observable<RendezvousResult>,
    shiftReference: { results: config.scorecard.referenceResults },
    snapshotIntervalMs: config.scorecard.intervalMs,
    alarms: { minSamples: config.scorecard.minSamples },
  });
  scorecard.alarm$.subscribe((alarm: ScorecardAlarm) => {
    const log = alarm.state === 'firing' ? logger.warn.bind(logger) : logger.info.bind(logger);
    log({ alarm }, 'scorecard alarm');
  });
  await scorecard.start();
  return scorecard;
}
