import {
  AuthenticationError,
  ConnectionLostError,
  InvalidInputError,
  RendezvousError,
  TransportClosedError,
  UnexpectedReplyError,
} from '../errors.js';
import { type ErrorLink, errorChain } from './error-chain.js';
import { isConnectionFailure } from './is-connection-failure.js';

/**
 * What a client failure means for the caller, and so which error (and `retryable`) it becomes:
 * - `authentication`: refused credentials or a missing permission: `AUTHENTICATION_FAILED`,
 *   not retryable (the same settings cannot succeed);
 * - `connection`: a refused, lost or unreachable connection, or a broker state that passes
 *   (loading, failover, a leader moving): `CONNECTION_LOST`, retryable;
 * - `configuration`: settings the broker rejects: `INVALID_CONFIGURATION`, not retryable;
 * - `input`: a message the broker rejects (too large): `INVALID_INPUT`, not retryable;
 * - `unexpected`: anything else: `UNEXPECTED_REPLY`, not retryable.
 *
 * @example
 * ```ts
 * const failure: TransportFailure = { kind: 'authentication', reason: 'Redis refused the credentials' };
 * ```
 */
export type TransportFailureKind =
  | 'authentication'
  | 'connection'
  | 'configuration'
  | 'input'
  | 'unexpected';

/**
 * An adapter's reading of a client failure, for {@link classifyTransportError}.
 */
export interface TransportFailure {
  readonly kind: TransportFailureKind;
  /** What happened, in the message before the client's own text. */
  readonly reason?: string;
  /** What to do about it, at the end of the message. */
  readonly hint?: string;
}

/**
 * Options of {@link classifyTransportError}.
 *
 * @example
 * ```ts
 * const options: TransportErrorOptions = { failed: 'redis publish failed', redact: (t) => t };
 * ```
 */
export interface TransportErrorOptions {
  /** The first words of every message: where it failed (`redis publish failed`). */
  readonly failed: string;
  /** The transport is closed: whatever failed becomes `TRANSPORT_CLOSED`. */
  readonly closed?: boolean;
  /** Removes secrets from the client's text (see `CredentialRedactor`). */
  readonly redact?: (text: string) => string;
  /** The client's text, from the chain (default: the outermost message; an empty text is `String(error)`). Redacted after. */
  readonly detail?: (chain: readonly ErrorLink[]) => string;
  /**
   * Keep the client's error as `cause`. Only for clients whose errors never carry settings:
   * by default the cause is a fresh error with the redacted text and the original's name
   * (ioredis attaches the failed command, an `AUTH` password among its arguments).
   */
  readonly keepCause?: boolean;
  /**
   * The adapter's reading of the failure (its broker's error codes and client error names),
   * `undefined` when it does not know it: the kit then says `connection` for a Node socket or
   * DNS error anywhere in the chain (see {@link isConnectionFailure}) and `unexpected` for the
   * rest.
   */
  readonly classify?: (chain: readonly ErrorLink[], detail: string) => TransportFailure | undefined;
}

function build(kind: TransportFailureKind, message: string, cause: unknown): RendezvousError {
  switch (kind) {
    case 'authentication':
      return new AuthenticationError(message, { cause });
    case 'connection':
      return new ConnectionLostError(message, { cause });
    case 'configuration':
      return new RendezvousError('INVALID_CONFIGURATION', message, { cause });
    case 'input':
      return new InvalidInputError(message, { cause });
    default:
      return new UnexpectedReplyError(message, { cause });
  }
}

/**
 * Turns whatever a broker client threw into the core's typed errors with an honest code and
 * `retryable` flag (see {@link TransportFailureKind}), its message redacted. A
 * `RendezvousError` is returned as it is. The one error classifier of every adapter: an
 * adapter names its broker's codes in `classify`; socket errors are read here, by their code.
 *
 * @example
 * ```ts
 * catch (e) {
 *   throw classifyTransportError(e, {
 *     failed: 'redis publish failed',
 *     redact: (t) => redactor.redact(t),
 *     classify: (chain) => (chain[0]?.message?.startsWith('NOAUTH') ? { kind: 'authentication' } : undefined),
 *   });
 * }
 * ```
 */
export function classifyTransportError(
  error: unknown,
  options: TransportErrorOptions,
): RendezvousError {
  if (error instanceof RendezvousError) return error;
  const chain = errorChain(error);
  const redact = options.redact ?? ((t: string) => t);
  const raw = (options.detail ? options.detail(chain) : chain[0]?.message) || String(error);
  const detail = redact(raw);
  let cause: unknown = error;
  if (!options.keepCause) {
    const fresh = new Error(detail);
    fresh.name = error instanceof Error ? error.name : 'Error';
    cause = fresh;
  }
  if (options.closed)
    return new TransportClosedError(`transport is closed (${options.failed})`, { cause });
  const failure = options.classify?.(chain, detail) ?? {
    kind: isConnectionFailure(error) ? 'connection' : 'unexpected',
  };
  const head = failure.reason
    ? `${options.failed}: ${failure.reason} (${detail})`
    : `${options.failed}: ${detail}`;
  return build(failure.kind, failure.hint ? `${head}: ${failure.hint}` : head, cause);
}
