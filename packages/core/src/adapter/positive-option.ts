import { ConfigurationError } from '../errors.js';

/**
 * A numeric option of an adapter (a timeout, a size), or its default when not given; a value
 * that is not a positive finite number is a `ConfigurationError` naming the option, at once in
 * the constructor rather than on the first call.
 *
 * @example
 * ```ts
 * this.blockMs = positiveOption('blockMs', options.blockMs, 2_000);
 * ```
 */
export function positiveOption(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(Number.isFinite(v) && v > 0)) throw new ConfigurationError(`${name} must be positive`);
  return v;
}
