import {
  AuthenticationError,
  ConnectionLostError,
  RendezvousError,
  TransportClosedError,
  UnexpectedReplyError,
} from '@rendezvous-ml/core';

/**
 * Redis error replies (their first word) that mean the credentials or the ACL are wrong.
 * Retrying with the same settings cannot succeed.
 */
const AUTH_CODES = ['WRONGPASS', 'NOAUTH', 'NOPERM'];
/** Other reply texts of a refused `AUTH`/`HELLO` (Redis 5 and older, or a wrong username). */
const AUTH_PATTERNS = ['invalid password', 'invalid username-password', 'auth failed'];

/** Redis error replies (their first word) of a state that passes: loading, failover, busy. */
const TRANSIENT_CODES = [
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'READONLY',
  'MOVED',
  'ASK',
  'UNBLOCKED',
];

/** Texts of a lost or unreachable connection (Node socket errors, ioredis client errors). */
const CONNECTION_PATTERNS = [
  'connection is closed',
  "stream isn't writeable",
  'max retries per request',
  'command aborted due to connection close',
  'command timed out',
  'socket closed',
  'econnrefused',
  'econnreset',
  'econnaborted',
  'etimedout',
  'epipe',
  'ehostunreach',
  'enetunreach',
  'enotfound',
  'eai_again',
];

/** Error names ioredis gives to a lost connection. */
const CONNECTION_NAMES = ['MaxRetriesPerRequestError', 'AbortError'];

/** Removes every secret in `secrets` from `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}

function authHint(code: string): string {
  return code === 'NOPERM'
    ? 'grant the ACL user the commands, keys (~<keyPrefix>*) and channels (&<keyPrefix>*) ' +
        'this transport uses, see docs/transports/redis.md'
    : 'check the username and password given to RedisTransport (url, username, password)';
}

/**
 * Maps an ioredis failure onto the core's typed errors:
 * - refused credentials or a missing ACL permission (`WRONGPASS`, `NOAUTH`, `NOPERM`):
 *   `AuthenticationError`, not retryable, with the fix in its message;
 * - a lost or unreachable connection, or a state that passes (`LOADING`, `BUSY`, `TRYAGAIN`,
 *   `CLUSTERDOWN`, `MASTERDOWN`, `READONLY` during a failover): `ConnectionLostError`, retryable;
 * - anything else (a command Redis rejected, `WRONGTYPE`, `OOM`, ...): `UNEXPECTED_REPLY`, not
 *   retryable.
 *
 * The original error is never kept as `cause` as is: ioredis attaches the failed command and its
 * arguments (an `AUTH` password among them) to reply errors, so the cause is a fresh error
 * carrying only the redacted text.
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
  const raw = error instanceof Error ? error.message : String(error);
  const message = redact(raw, secrets);
  const cause = new Error(message);
  cause.name = error instanceof Error ? error.name : 'Error';
  if (closed)
    return new TransportClosedError(`transport is closed (redis ${operation})`, { cause });
  const code = message.trim().split(/\s/, 1)[0] ?? '';
  const lower = message.toLowerCase();
  if (AUTH_CODES.includes(code) || AUTH_PATTERNS.some((p) => lower.includes(p)))
    return new AuthenticationError(
      `redis ${operation} failed: Redis refused the credentials (${message}): ${authHint(code)}`,
      { cause },
    );
  if (
    TRANSIENT_CODES.includes(code) ||
    CONNECTION_PATTERNS.some((p) => lower.includes(p)) ||
    CONNECTION_NAMES.includes(cause.name)
  )
    return new ConnectionLostError(`redis ${operation} failed: ${message}`, { cause });
  return new UnexpectedReplyError(`redis ${operation} failed: ${message}`, { cause });
}
