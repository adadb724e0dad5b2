/**
 * Replay for Rendezvous: re-drives the decoy's archived inputs through new model versions on
 * their own streams, and diffs the new scores with what production archived for the same
 * requests (agreement, confusion matrix, latency, errors), as JSON and Markdown.
 *
 * @packageDocumentation
 */
export {
  type ArchivedAnswer,
  type ArchivedOutcome,
  type ArchivedOutcomeSources,
  collectArchivedOutcomes,
  loadArchivedOutcomes,
} from './archived-outcomes.js';
export { filterRequests, type RequestFilter, readArchivedRequests } from './archived-requests.js';
export {
  type AgreementFigure,
  buildDiffReport,
  type ConfusionMatrix,
  type DiffFigures,
  type DiffInputs,
  type Disagreement,
  type ModelDiff,
  mostChosenModel,
  type ReplayedAnswer,
  type ReplayedOutcome,
} from './diff-report.js';
export { renderMarkdownReport } from './markdown-report.js';
export { type ReplayModel, type ReplayOptions, type ReplayProgress, replay } from './replay.js';
export type { ReplayAccounting, ReplayReport } from './replay-report.js';
export { replayStreams } from './replay-streams.js';
export {
  type LatencySummary,
  outputLabel,
  percentile,
  summarizeLatency,
} from './statistics.js';
