/**
 * The adapter kit: what every transport and sink adapter shares. Peer-dependency loading with a
 * version check, credential redaction, error classification with honest codes, the error
 * side of a transport, and waits on the core `Clock`; and for any consumer of a stream, the
 * dead-letter writer. Published as `@rendezvous-ml/core/transport`, for the authors of
 * transports, sinks and stream consumers (the `Transport` and `ArchiveSink` contracts themselves
 * are in the main entry, `@rendezvous-ml/core`).
 *
 * @module @rendezvous-ml/core/transport
 * @packageDocumentation
 */

export { DeadLetters } from '../dead-letters.js';
export { toRendezvousError } from '../errors.js';
export { type BackoffOptions, backoffDelayMs } from './backoff-delay.js';
export { brokerCapabilities } from './broker-capabilities.js';
export { ChannelListeners, type ChannelWiring } from './channel-listeners.js';
export {
  classifyTransportError,
  type TransportErrorOptions,
  type TransportFailure,
  type TransportFailureKind,
} from './classify-transport-error.js';
export { type BrokerParts, closeBrokerParts } from './close-broker-parts.js';
export { Coalescer, type CoalescerOptions } from './coalescer.js';
export { CredentialRedactor } from './credential-redactor.js';
export { type ErrorLink, errorChain } from './error-chain.js';
export { type GroupMember, GroupMembers } from './group-members.js';
export { isConnectionFailure } from './is-connection-failure.js';
export { loadPeer, type PeerDependency } from './load-peer.js';
export { moduleExport } from './module-export.js';
export { peerLoader } from './peer-loader.js';
export { positiveOption } from './positive-option.js';
export { redactFields } from './redact-fields.js';
export { settleWithin } from './settle-within.js';
export { sleep } from './sleep.js';
export { type TransportErrorMapper, transportErrorMapper } from './transport-error-mapper.js';
export {
  type FailureMapper,
  type TransportErrorCounts,
  TransportErrors,
} from './transport-errors.js';
export { satisfiesVersionRange } from './version-range.js';
export { WakeablePause } from './wakeable-pause.js';
export { whileOpen } from './while-open.js';
