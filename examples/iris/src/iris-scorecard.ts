import type { RendezvousResult } from '@rendezvous-ml/core';
import { Scorecard, type ScorecardAlarm } from '@rendezvous-ml/scorecard';
import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import type { IrisConfig } from './config.js';
import type { IrisInput } from './iris-input.js';

/**
 * Starts the front end's scorecard on its `results$`: per model version, answers, errors,
 * timeouts, latency, agreement with the model chosen most (`dt@1`), output shift, and input
 * shift per feature against the first `SCORECARD_REFERENCE` results. Alarms are evaluated on
 * the last minute; every alarm, firing or cleared, is one pino JSON line with its evidence
 * (`msg: "scorecard alarm"`). There is no timeout-rate alarm: see below.
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
    alarms: {
      minSamples: config.scorecard.minSamples,
      // latestVersion() answers as soon as dt@1 has scored: lr@0 and every shadow model are
      // never waited for, so "pending at the decision" is their normal state, not a timeout.
      timeoutRateAbove: null,
      // One line per alarm, on the window an operator watches (all three would say it thrice).
      windows: ['1m'],
    },
  });
  scorecard.alarm$.subscribe((alarm: ScorecardAlarm) => {
    const log = alarm.state === 'firing' ? logger.warn.bind(logger) : logger.info.bind(logger);
    log({ alarm }, 'scorecard alarm');
  });
  await scorecard.start();
  return scorecard;
}
