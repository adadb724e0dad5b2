import { errorChain } from './error-chain.js';

/**
 * Node's socket and DNS error codes of a connection that was refused, lost or not reachable:
 * each passes by itself (the broker restarts, the network comes back).
 */
const NETWORK_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
];
const CODE_IN_TEXT = new RegExp(`\\b(${NETWORK_CODES.join('|')})\\b`);

/**
 * Whether `error` (or an error in its chain) is a refused, lost or unreachable connection: a
 * Node socket or DNS error code (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, `ENOTFOUND`, …) as
 * its `code`, or as a word of its message (clients that wrap the socket error often keep only
 * its text). Such a failure is retryable: `CONNECTION_LOST`.
 *
 * @example
 * ```ts
 * if (isConnectionFailure(e)) throw new ConnectionLostError(`publish failed: ${e}`);
 * ```
 */
export function isConnectionFailure(error: unknown): boolean {
  return errorChain(error).some(
    (link) =>
      (typeof link.code === 'string' && NETWORK_CODES.includes(link.code)) ||
      (typeof link.message === 'string' && CODE_IN_TEXT.test(link.message)),
  );
}
