import {
  type ErrorLink,
  type TransportErrorMapper,
  type TransportFailure,
  transportErrorMapper,
} from '@rendezvous-ml/core/transport';

/** Error names of the `@nats-io` clients for a lost, closed or unreachable connection. */
const CONNECTION_NAMES = [
  'ConnectionError',
  'ClosedConnectionError',
  'DrainingConnectionError',
  'TimeoutError',
  'NoRespondersError',
  'RequestError',
];

/**
 * The clients' texts of a lost or closed connection, or a JetStream that is not ready yet (a
 * socket error code such as `ECONNREFUSED` is read by the core kit).
 */
const CONNECTION_PATTERNS = [
  'timeout',
  'no responders',
  'connection closed',
  'connection draining',
  'disconnect',
  'jetstream system temporarily unavailable',
  'leadership',
  'server shutdown',
  'heartbeat',
  'exceeded maxwaiting',
  'stale connection',
  'reconnect',
];

/** JetStream API status codes of a state that passes (503 unavailable, 408 request timeout). */
const TRANSIENT_STATUS = [408, 503];

function statusOf(link: ErrorLink | undefined): number | undefined {
  if (!link) return undefined;
  if (typeof link.status === 'number') return link.status;
  return typeof link.code === 'number' && link.code < 1000 ? link.code : undefined;
}

/** The messages of the error and its causes (the clients wrap the one that says what). */
function messages(chain: readonly ErrorLink[]): string {
  const parts = chain
    .slice(0, 4)
    .map((l) => l.message)
    .filter((m): m is string => typeof m === 'string');
  return parts.join(': ');
}

/** NATS's reading of a failure: the `@nats-io` error names, JetStream statuses and texts. */
function classifyNats(chain: readonly ErrorLink[], message: string): TransportFailure | undefined {
  const name = chain[0]?.name ?? 'Error';
  const lower = message.toLowerCase();
  if (
    name === 'AuthorizationError' ||
    name === 'UserAuthenticationExpiredError' ||
    name === 'PermissionViolationError' ||
    lower.includes('authorization violation') ||
    lower.includes('authentication') ||
    lower.includes('permissions violation')
  )
    return {
      kind: 'authentication',
      reason: 'the server refused the credentials or a permission',
      hint:
        'check user, pass or token given to NatsTransport, and that the user may publish and ' +
        'subscribe to <prefix>.> and $JS.API.>, see docs/transports/nats.md',
    };
  if (name === 'JetStreamNotEnabled' || lower.includes('jetstream not enabled'))
    return {
      kind: 'configuration',
      reason: 'JetStream is not enabled on the server',
      hint: 'start nats-server with -js',
    };
  const status = statusOf(chain[0]);
  if (
    CONNECTION_NAMES.includes(name) ||
    (status !== undefined && TRANSIENT_STATUS.includes(status)) ||
    CONNECTION_PATTERNS.some((p) => lower.includes(p))
  )
    return { kind: 'connection' };
  return undefined;
}

/**
 * Maps a failure of the `@nats-io` clients onto the core's typed errors (with the core kit's
 * `classifyTransportError`):
 * - refused credentials or a missing permission (`AuthorizationError`, `Authorization Violation`,
 *   `PermissionViolationError`): `AuthenticationError`, not retryable, with the fix;
 * - a server without JetStream: `INVALID_CONFIGURATION` (start nats-server with `-js`);
 * - a lost, closed or unreachable connection, a request timeout, a JetStream that is not ready
 *   (503) or between leaders: `ConnectionLostError`, retryable;
 * - anything else (a JetStream API error such as a stream with a conflicting configuration):
 *   `UNEXPECTED_REPLY`, not retryable.
 *
 * The cause is a fresh error with the redacted text only: a client error can carry the server
 * URL, which may hold a user and a password.
 *
 * @example
 * ```ts
 * catch (e) { throw toTransportError(e, 'publish', [password], closed); }
 * ```
 */
export const toTransportError: TransportErrorMapper = transportErrorMapper('nats', {
  detail: messages,
  classify: classifyNats,
});
