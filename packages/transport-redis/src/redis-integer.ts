/**
 * `n` as Redis takes it: a whole number, rounded up. Redis refuses a `BLOCK`, `COUNT`, `IDLE`,
 * min-idle time, `MAXLEN` or `PEXPIRE` with a fraction (`ERR value is not an integer or out of
 * range`), and durations and sizes are often computed (a jittered backoff, 0.9 × a deadline,
 * 1.5 × a concurrency). Rounding up keeps "at least this long" and "at most this many held"
 * (a member holds while it holds fewer than `prefetch`) as they are. Every number this package
 * sends to Redis goes through here.
 */
export function redisInteger(n: number): number {
  return Math.ceil(n);
}
