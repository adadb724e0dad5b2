/**
 * A duration for a progress line: seconds with one decimal under a minute, else minutes and
 * seconds. Self-contained (no imports, no helpers): the progress thread runs its source.
 *
 * @example
 * ```ts
 * formatSeconds(75_000); // '1m15s'
 * ```
 */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}
