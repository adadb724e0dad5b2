import {
  AuthenticationError,
  ConfigurationError,
  ConnectionLostError,
  RendezvousError,
  TransportClosedError,
  UnexpectedReplyError,
} from '@rendezvous-ml/core';

/** Removes every secret in `secrets` from `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}

/** Error names of the `@nats-io` clients for a lost, closed or unreachable connection. */
const CONNECTION_NAMES = [
  'ConnectionError',
  'ClosedConnectionError',
  'DrainingConnectionError',
  'TimeoutError',
  'NoRespondersError',
  'RequestError',
];

/** Texts of a lost or unreachable connection, or a JetStream that is not ready yet. */
const CONNECTION_PATTERNS = [
  'econnrefused',
  'econnreset',
  'etimedout',
  'epipe',
  'ehostunreach',
  'enetunreach',
  'enotfound',
  'eai_again',
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

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { status?: unknown; code?: unknown };
  if (typeof e.status === 'number') return e.status;
  return typeof e.code === 'number' && e.code < 1000 ? e.code : undefined;
}

function chain(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    parts.push(e.message);
    e = e.cause;
  }
  if (parts.length === 0) parts.push(String(error));
  return parts.join(': ');
}

/**
 * Maps a failure of the `@nats-io` clients onto the core's typed errors:
 * - refused credentials or a missing permission (`AuthorizationError`, `Authorization Violation`,
 *   `PermissionViolationError`): `AuthenticationError`, not retryable, with the fix;
 * - a server without JetStream: `ConfigurationError` (start nats-server with `-js`);
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
export function toTransportError(
  error: unknown,
  operation: string,
  secrets: readonly string[],
  closed: boolean,
): RendezvousError {
  if (error instanceof RendezvousError) return error;
  const message = redact(chain(error), secrets);
  const name = error instanceof Error ? error.name : 'Error';
  const cause = new Error(message);
  cause.name = name;
  if (closed) return new TransportClosedError(`transport is closed (nats ${operation})`, { cause });
  const lower = message.toLowerCase();
  if (
    name === 'AuthorizationError' ||
    name === 'UserAuthenticationExpiredError' ||
    name === 'PermissionViolationError' ||
    lower.includes('authorization violation') ||
    lower.includes('authentication') ||
    lower.includes('permissions violation')
  )
    return new AuthenticationError(
      `nats ${operation} failed: the server refused the credentials or a permission (${message}): ` +
        'check user, pass or token given to NatsTransport, and that the user may publish and ' +
        'subscribe to <prefix>.> and $JS.API.>, see docs/transports/nats.md',
      { cause },
    );
  if (name === 'JetStreamNotEnabled' || lower.includes('jetstream not enabled'))
    return new ConfigurationError(
      `nats ${operation} failed: JetStream is not enabled on the server: start nats-server with -js (${message})`,
    );
  const status = statusOf(error);
  if (
    CONNECTION_NAMES.includes(name) ||
    (status !== undefined && TRANSIENT_STATUS.includes(status)) ||
    CONNECTION_PATTERNS.some((p) => lower.includes(p))
  )
    return new ConnectionLostError(`nats ${operation} failed: ${message}`, { cause });
  return new UnexpectedReplyError(`nats ${operation} failed: ${message}`, { cause });
}
