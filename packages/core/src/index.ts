/**
 * Rendezvous core: the front end ({@link Rendezvous}), policies, model workers, the decoy,
 * archivers and the {@link Transport} contract: what an application needs. What transport and
 * sink authors need is in `@rendezvous-ml/core/transport`; the wire protocol's codecs, for
 * tooling that reads or writes the streams directly, in `@rendezvous-ml/core/wire`.
 *
 * @mergeModuleWith <project>
 * @packageDocumentation
 */

export type { ArchivedEvent, ArchiveRecord, ArchiveSink } from './archive-sink.js';
export {
  Archiver,
  type ArchiverEvent,
  type ArchiverOptions,
  type ArchiverSource,
  type ArchiverStats,
} from './archiver.js';
export type { ArchiverDrainOptions, ArchiverDrainResult } from './archiver-drain.js';
export {
  type Clock,
  MAX_TIMER_DELAY_MS,
  systemClock,
  type Timer,
  type TimerOptions,
  VirtualClock,
} from './clock.js';
export {
  type CombinedInstrumentation,
  combineInstrumentation,
} from './combine-instrumentation.js';
export {
  type FrontEndReport,
  PolicyController,
  type PolicyControllerOptions,
  type PublishOptions,
  type PublishReport,
} from './control/policy-controller.js';
export { Decoy, type DecoyOptions } from './decoy.js';
export {
  AuthenticationError,
  ConfigurationError,
  ConnectionLostError,
  DeadlineExceededError,
  InvalidEnvelopeError,
  InvalidInputError,
  MissingPeerDependencyError,
  NotStartedError,
  NoUsableScoreError,
  OverloadedError,
  PredictError,
  RendezvousError,
  type RendezvousErrorCode,
  SinkWriteError,
  TransportClosedError,
  UnexpectedReplyError,
} from './errors.js';
// Every name of the instrumentation seam: its file holds nothing else.
export type * from './instrumentation.js';
export { compareVersions, type ModelRef, matchesSelector, modelKey } from './model-ref.js';
export { ModelRegistry, type ModelRegistryOptions, type RegistryChange } from './model-registry.js';
export {
  ModelWorker,
  type ModelWorkerOptions,
  type ModelWorkerStats,
  type PredictContext,
  type WorkerEvent,
} from './model-worker.js';
export { definePolicy } from './policies/define-policy.js';
export { first } from './policies/first.js';
export { latestVersion } from './policies/latest-version.js';
export { type PriorityOptions, priority } from './policies/priority.js';
export { type QuorumOptions, quorum } from './policies/quorum.js';
export { decideByRank, type Rank } from './policies/ranked.js';
export { shadow } from './policies/shadow.js';
export { type SplitOptions, split } from './policies/split.js';
export { type Stage, staged } from './policies/staged.js';
export type { OkScore, PolicyDecision, PolicyView, RendezvousPolicy } from './policy.js';
export {
  type PolicySpec,
  policyFromSpec,
  readPolicySpec,
  validatePolicySpec,
} from './policy-spec.js';
export { type RejectedRecord, RejectedRecordsError } from './rejected-records-error.js';
export { type Rejection, Rejections } from './rejections.js';
export {
  Rendezvous,
  type RendezvousOptions,
  type RendezvousStats,
  type RequestOptions,
} from './rendezvous.js';
export type { Candidate, Decision, RendezvousResult } from './result.js';
export { type RetryOptions, retryWithBackoff } from './retry.js';
export {
  type JsonlArchiveFile,
  type JsonlArchiveReport,
  type JsonlArchiveTornRegion,
  readJsonlArchive,
  readJsonlArchiveFiles,
  readJsonlArchiveWithReport,
} from './sinks/read-jsonl-archive.js';
export {
  type ArchiveFileHandle,
  RollingGzipJsonlSink,
  type RollingGzipJsonlSinkOptions,
} from './sinks/rolling-gzip-jsonl-sink.js';
export { resolveStreams } from './stream-names.js';
export {
  type ConsumeOptions,
  DEFAULT_STREAMS,
  type Delivery,
  type IncomingMessage,
  type OutgoingMessage,
  REPLY_TAP,
  type ReleaseOptions,
  type ReplyChannel,
  type StreamNames,
  type Transport,
  type TransportCapabilities,
} from './transport.js';
export type { DeadLetterRecord } from './wire/dead-letter.js';
export type { Decoded } from './wire/decoded.js';
export type { Json } from './wire/json.js';
export type { ModelIdentity } from './wire/model-identity.js';
export type { RequestEnvelope } from './wire/request.js';
export type { ResultEnvelope } from './wire/result-envelope.js';
export type { ScoreEnvelope } from './wire/score.js';
export type { ScoreError } from './wire/score-error.js';
