import { ConnectionLostError, RendezvousError } from '@rendezvous-ml/core';

const CONNECTIONISH =
  /Connection|NumberOfRetriesExceeded|RequestTimeout|BrokerNotFound|NoBrokerAvailable|Timeout|LockTimeout|MetadataNotLoaded/;

interface KafkajsErrorLike {
  readonly name?: string;
  readonly message?: string;
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly originalError?: unknown;
}

/** Whether `error` or anything in its cause chain is a retriable or connection-level failure. */
function isConnectionish(error: unknown): boolean {
  let e = error as KafkajsErrorLike | undefined;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e.retriable === true || CONNECTIONISH.test(e.name ?? '')) return true;
    e = (e.cause ?? e.originalError) as KafkajsErrorLike | undefined;
  }
  return false;
}

/**
 * Turns a kafkajs error into the core's typed errors: connection problems and retriable broker
 * errors (anywhere in the cause chain: kafkajs wraps a refused connection in a
 * `KafkaJSNonRetriableError` once its retries are spent) become a retryable
 * `ConnectionLostError`; anything else a non-retryable `RendezvousError` with code
 * `CONNECTION_LOST`. The original stays as `cause`.
 *
 * @example
 * ```ts
 * await producer.send(record).catch((e) => { throw toTransportError(e, 'publish to requests'); });
 * ```
 */
export function toTransportError(error: unknown, what: string): RendezvousError {
  if (error instanceof RendezvousError) return error;
  const e = error as KafkajsErrorLike | undefined;
  const message = `kafka: ${what} failed: ${e?.message ?? String(error)}`;
  if (isConnectionish(error)) return new ConnectionLostError(message, { cause: error });
  return new RendezvousError('CONNECTION_LOST', message, { retryable: false, cause: error });
}
