import {
  type ErrorLink,
  type TransportErrorMapper,
  type TransportFailure,
  transportErrorMapper,
} from '@rendezvous-ml/core/transport';

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

/**
 * ioredis's own texts of a lost or unusable connection (its socket errors carry a Node error
 * code, which the core kit reads; these have none).
 */
const CONNECTION_PATTERNS = [
  'connection is closed',
  "stream isn't writeable",
  'max retries per request',
  'command aborted due to connection close',
  'command timed out',
  'socket closed',
];

/** Error names ioredis gives to a lost connection. */
const CONNECTION_NAMES = ['MaxRetriesPerRequestError', 'AbortError'];

function authHint(code: string): string {
  return code === 'NOPERM'
    ? 'grant the ACL user the commands, keys (~<keyPrefix>*) and channels (&<keyPrefix>*) ' +
        'this transport uses, see docs/transports/redis.md'
    : 'check the username and password given to RedisTransport (url, username, password)';
}

/** Redis's reading of a failure: its error reply codes and ioredis's client errors. */
function classifyRedis(chain: readonly ErrorLink[], message: string): TransportFailure | undefined {
  const code = message.trim().split(/\s/, 1)[0] ?? '';
  const lower = message.toLowerCase();
  if (AUTH_CODES.includes(code) || AUTH_PATTERNS.some((p) => lower.includes(p)))
    return {
      kind: 'authentication',
      reason: 'Redis refused the credentials',
      hint: authHint(code),
    };
  if (
    TRANSIENT_CODES.includes(code) ||
    CONNECTION_PATTERNS.some((p) => lower.includes(p)) ||
    CONNECTION_NAMES.includes(chain[0]?.name ?? '')
  )
    return { kind: 'connection' };
  return undefined;
}

/**
 * Maps an ioredis failure onto the core's typed errors (with the core kit's
 * `classifyTransportError`):
 * - refused credentials or a missing ACL permission (`WRONGPASS`, `NOAUTH`, `NOPERM`):
 *   `AuthenticationError`, not retryable, with the fix in its message;
 * - a lost or unreachable connection (a socket error code such as `ECONNREFUSED`, or ioredis's
 *   own "Connection is closed"), or a state that passes (`LOADING`, `BUSY`, `TRYAGAIN`,
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
export const toTransportError: TransportErrorMapper = transportErrorMapper('redis', {
  classify: classifyRedis,
});
