import type { BackoffOptions } from '@rendezvous-ml/core/transport';

/**
 * How long a read loop waits after failures in a row (the core's `backoffDelayMs`): 100 ms,
 * doubling, at most 2 s. The one backoff of this package's read loops (a group member's pull
 * loop and the reply channel's).
 */
export const READ_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 2000 };
