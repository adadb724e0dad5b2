/**
 * Staged rollouts for Rendezvous: a {@link Rollout} moves a model version from shadow to canary
 * shares to promoted to retiring the previous one, publishing each stage's policy spec on the
 * control channel, advancing when the stage's scorecard gate holds and rolling back on an alarm
 * or a failed gate — every transition an event, archived.
 *
 * @packageDocumentation
 */
export { eventLine } from './event-line.js';
export { resultsFromStream } from './results-from-stream.js';
export { Rollout } from './rollout.js';
export {
  connectRollout,
  type RolloutConnection,
  type RolloutEndpoints,
} from './rollout-connection.js';
export type { RolloutControl } from './rollout-control.js';
export type { RolloutEvent, RolloutOutcome } from './rollout-event.js';
export {
  DEFAULT_GATE,
  evaluateGate,
  type GateFigures,
  type GateVerdict,
  type RolloutGate,
} from './rollout-gate.js';
export type { RolloutOptions } from './rollout-options.js';
export { DEFAULT_STAGES, type RolloutStage, stageName } from './rollout-stage.js';
