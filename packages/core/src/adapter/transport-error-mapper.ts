import type { RendezvousError } from '../errors.js';
import { classifyTransportError, type TransportErrorOptions } from './classify-transport-error.js';
import { CredentialRedactor } from './credential-redactor.js';

/**
 * An adapter's error mapping, as {@link transportErrorMapper} makes it: a failure of
 * `operation`, the secrets of the transport's options to redact, and whether it is closed.
 *
 * @example
 * ```ts
 * catch (e) { throw toTransportError(e, 'publish', [password], closed); }
 * ```
 */
export type TransportErrorMapper = (
  error: unknown,
  operation: string,
  secrets: readonly string[],
  closed: boolean,
) => RendezvousError;

/**
 * Makes the error mapping of an adapter from its reading of its client's failures: every
 * failure goes through {@link classifyTransportError}, its text redacted of `secrets` (and of
 * URL credentials), its message starting `<transport> <operation> failed`.
 *
 * @example
 * ```ts
 * export const toTransportError = transportErrorMapper('redis', {
 *   classify: (chain) => (chain[0]?.message?.startsWith('NOAUTH') ? { kind: 'authentication' } : undefined),
 * });
 * ```
 */
export function transportErrorMapper(
  transport: string,
  options: Pick<TransportErrorOptions, 'classify' | 'detail' | 'keepCause'>,
): TransportErrorMapper {
  return (error, operation, secrets, closed) => {
    const redactor = new CredentialRedactor(secrets);
    return classifyTransportError(error, {
      ...options,
      failed: `${transport} ${operation} failed`,
      closed,
      redact: (text) => redactor.redact(text),
    });
  };
}
