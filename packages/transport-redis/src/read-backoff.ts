import type { BackoffOptions } from '@rendezvous-ml/core/transport';

/**
 * How long a read loop waits after retryable failures in a row (the core's `backoffDelayMs`):
 * 100 ms, doubling, at most 1 s. The one backoff of this package's read loops (the reply
 * channel's and a group member's).
 */
export const READ_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 1000 };
