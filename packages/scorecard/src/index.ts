/**
 * Live scorecards for Rendezvous: per model version and sliding window, answers, errors,
 * timeouts, latency percentiles, agreement with a reference model, and output and input shift,
 * with alarms — from a front end's `results$` or the `results` stream.
 *
 * @packageDocumentation
 */

export { jsonEqual } from './features-of.js';
export { type PsiOptions, populationStabilityIndex } from './population-stability-index.js';
export { ResultsStreamReader, type ResultsStreamStats } from './results-stream-reader.js';
export { Scorecard } from './scorecard.js';
export type { AlarmKind, ScorecardAlarm } from './scorecard-alarm.js';
export type {
  ResultsStreamSource,
  ScorecardAlarmOptions,
  ScorecardOptions,
  ScorecardWindow,
} from './scorecard-options.js';
export type {
  AgreementFigure,
  FeatureShift,
  LatencySummary,
  ModelFigures,
  ScorecardSnapshot,
  ShiftFigure,
  WindowFigures,
} from './scorecard-snapshot.js';
export type { BinnedDistribution, ShiftReference } from './shift-reference.js';
export { type ProportionInterval, wilsonInterval } from './wilson-interval.js';
