import type { RendezvousError } from '@rendezvous-ml/core';
import type { ErrorLink } from '@rendezvous-ml/core/transport';
import { toTransportError } from '@rendezvous-ml/transport-kafka/kit';

/**
 * One link of a `@platformatic/kafka` error chain, read the kafkajs way: a broker's answer
 * (`ProtocolError.apiId`, e.g. `UNKNOWN_TOPIC_OR_PARTITION`) as `type`, `canRetry` as
 * `retriable`, and a refused authentication (`PLT_KFK_AUTHENTICATION`) as the broker's
 * `SASL_AUTHENTICATION_FAILED`.
 */
function readLink(link: ErrorLink): ErrorLink {
  const own = link as ErrorLink & { apiId?: unknown; canRetry?: unknown };
  const type =
    link.code === 'PLT_KFK_AUTHENTICATION'
      ? 'SASL_AUTHENTICATION_FAILED'
      : typeof own.apiId === 'string'
        ? own.apiId
        : link.type;
  // A timeout is transient whatever its own flag says (the broker may be restarting).
  const retriable =
    link.code === 'PLT_KFK_TIMEOUT' || link.code === 'PLT_KFK_NETWORK'
      ? true
      : typeof own.canRetry === 'boolean'
        ? own.canRetry
        : link.retriable;
  return {
    ...link,
    ...(type === undefined ? {} : { type }),
    ...(retriable === undefined ? {} : { retriable }),
  };
}

/**
 * Turns a `@platformatic/kafka` error into the core's typed errors, with the same reading of
 * broker answers as the kafkajs transport (see `toTransportError` in
 * `@rendezvous-ml/transport-kafka/kit`): credentials refused → `AuthenticationError`, a state
 * that passes by itself → retryable `ConnectionLostError`, input or settings the broker
 * rejects → `INVALID_INPUT` / `INVALID_CONFIGURATION`, anything else `UnexpectedReplyError`.
 *
 * @example
 * ```ts
 * await producer.send(record).catch((e) => { throw toPlatformaticError(e, 'publish to requests'); });
 * ```
 */
export function toPlatformaticError(error: unknown, what: string): RendezvousError {
  return toTransportError(error, what, readLink);
}
