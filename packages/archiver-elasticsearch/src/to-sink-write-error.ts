import { SinkWriteError } from '@rendezvous-ml/core';
import { type CredentialRedactor, isConnectionFailure } from '@rendezvous-ml/core/transport';

const TRANSIENT_CLIENT_ERRORS = new Set([
  'ConnectionError',
  'TimeoutError',
  'NoLivingConnectionsError',
]);

/**
 * Whether an HTTP status means "try again later": 408, 429 and every 5xx.
 *
 * @example
 * ```ts
 * isTransientStatus(503); // true
 * isTransientStatus(401); // false
 * ```
 */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Turns whatever the Elasticsearch client threw into a `SinkWriteError`: retryable for
 * connection errors (the client's, or a socket error code anywhere in the chain), timeouts, 408, 429 and 5xx; not retryable otherwise. The message names the
 * operation and the node (without credentials); the original error is replaced by a copy whose
 * message and stack are redacted, so neither the error nor its `cause` can leak a secret (the
 * client's own error carries request metadata such as headers).
 *
 * @example
 * ```ts
 * try { await client.bulk({ operations }); }
 * catch (e) { throw toSinkWriteError(e, 'bulk request to http://127.0.0.1:9200', redactor); }
 * ```
 */
export function toSinkWriteError(
  error: unknown,
  operation: string,
  redactor: CredentialRedactor,
): SinkWriteError {
  if (error instanceof SinkWriteError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const text = error instanceof Error ? error.message : String(error);
  const status = field(error, 'statusCode') ?? field(field(error, 'meta'), 'statusCode');
  const retryable =
    TRANSIENT_CLIENT_ERRORS.has(name) ||
    isConnectionFailure(error) ||
    (typeof status === 'number' && isTransientStatus(status));
  const cause = new Error(redactor.redact(text));
  cause.name = name;
  cause.stack = redactor.redact(error instanceof Error ? (error.stack ?? text) : text);
  const statusText = typeof status === 'number' ? ` (HTTP ${status})` : '';
  return new SinkWriteError(redactor.redact(`${operation} failed${statusText}: ${name}: ${text}`), {
    retryable,
    cause,
  });
}
