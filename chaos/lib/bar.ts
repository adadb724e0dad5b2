import type { ScenarioResult } from './types.js';

/**
 * Why a scenario's result misses the bar: any hung request, any lost record, any unreadable
 * archive file, no good answer after the fault, archives that never caught up, and the
 * scenario's own checks. Empty means the bar is met.
 *
 * @example
 * ```ts
 * const reasons = barReasons(result); // [] when met
 * ```
 */
export function barReasons(r: ScenarioResult): string[] {
  const reasons: string[] = [];
  if (r.load.hung > 0) reasons.push(`${r.load.hung} hung requests`);
  for (const a of r.archives) {
    if (a.lost > 0) reasons.push(`${a.lost} ${a.archive} records lost`);
    if (a.unreadableFiles > 0) reasons.push(`${a.unreadableFiles} unreadable ${a.archive} files`);
  }
  if (r.recoveryMs === null) reasons.push('no good answer after the fault ended');
  if (r.catchUpMs === null) reasons.push('the archive did not catch up within its bound');
  reasons.push(...(r.failures ?? []));
  return reasons;
}
