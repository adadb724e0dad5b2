/**
 * How long a read loop waits after its `failures`-th retryable failure in a row: 100 ms, doubling,
 * at most 1 s. The one backoff of this package's read loops (the reply channel's and a group
 * member's).
 */
export function readBackoffMs(failures: number): number {
  return Math.min(50 * 2 ** failures, 1000);
}
