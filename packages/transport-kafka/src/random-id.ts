/**
 * A short id unique enough for an instance or a throwaway group: base-36 time plus 8 random
 * characters.
 *
 * @example
 * ```ts
 * randomId(); // 'm3x9k2a1-4fz8q0lp'
 * ```
 */
export function randomId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
