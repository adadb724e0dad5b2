import { ConnectionLostError, RendezvousError, TransportClosedError } from '@rendezvous-ml/core';

const CONNECTION_PATTERNS = [
  'connection is closed',
  "stream isn't writeable",
  'max retries per request',
  'econnrefused',
  'econnreset',
  'etimedout',
  'epipe',
  'ehostunreach',
  'enotfound',
  'socket closed',
  'loading',
  'wrongpass',
  'noauth',
  'noperm',
  'connect',
];

/** Removes every secret in `secrets` from `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}

/**
 * Maps an ioredis failure onto the core's typed errors. The original error is never kept as
 * `cause` as is: ioredis attaches the failed command and its arguments (an `AUTH` password
 * among them) to reply errors, so the cause is a fresh error carrying only the redacted text.
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
  const lower = message.toLowerCase();
  if (
    CONNECTION_PATTERNS.some((p) => lower.includes(p)) ||
    cause.name === 'MaxRetriesPerRequestError'
  )
    return new ConnectionLostError(`redis ${operation} failed: ${message}`, { cause });
  return new RendezvousError('CONNECTION_LOST', `redis ${operation} failed: ${message}`, {
    retryable: false,
    cause,
  });
}
