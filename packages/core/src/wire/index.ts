/**
 * The wire protocol's codecs, for tooling that reads or writes the streams without a
 * `Rendezvous` or a `ModelWorker`: a worker in another language under test, a stream inspector,
 * a benchmark's reference client. Every decoder validates on read, never throws, and returns a
 * `Decoded` with the JSON-pointer path of the first bad field; the encoders refuse what would not
 * travel unchanged. The records' types (`RequestEnvelope`, `ScoreEnvelope`, `ResultEnvelope`,
 * `DeadLetterRecord`, `Json`...) are in the main entry, `@rendezvous-ml/core`. Published as
 * `@rendezvous-ml/core/wire`.
 *
 * @module @rendezvous-ml/core/wire
 * @packageDocumentation
 */

export {
  type AppliedMessage,
  type ControlMessage,
  decodeControlMessage,
  encodeControlMessage,
  type PolicyMessage,
  type QueryMessage,
  type RejectedMessage,
  type RetireMessage,
} from '../control/control-messages.js';
export { encodeEnvelope } from './encode-envelope.js';
export { decodeHeartbeat, encodeHeartbeat, type Heartbeat } from './heartbeat.js';
export { assertWireJson } from './json.js';
export { decodeRequest } from './request.js';
export { decodeResult } from './result-envelope.js';
export { decodeScore } from './score.js';
export { WIRE_VERSION } from './version.js';
