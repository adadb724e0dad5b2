import type { Json } from '@rendezvous-ml/core';

/**
 * The default features of an input: the keys of an object, the indexes of an array, or the
 * whole input as the feature `input`.
 *
 * @example
 * ```ts
 * featuresOf({ sepalLength: 5.1, petalWidth: 0.2 }); // { sepalLength: 5.1, petalWidth: 0.2 }
 * featuresOf([5.1, 0.2]);                            // { '0': 5.1, '1': 0.2 }
 * featuresOf(3);                                     // { input: 3 }
 * ```
 */
export function featuresOf(input: Json): Readonly<Record<string, Json>> {
  if (Array.isArray(input)) {
    const out: Record<string, Json> = {};
    for (let i = 0; i < input.length; i++) out[String(i)] = input[i] as Json;
    return out;
  }
  if (input !== null && typeof input === 'object') return input as Readonly<Record<string, Json>>;
  return { input };
}

/**
 * Deep equality of two JSON values (object keys in any order): the default `agree`.
 *
 * @example
 * ```ts
 * jsonEqual({ a: 1, b: [2] }, { b: [2], a: 1 }); // true
 * ```
 */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i] as Json, b[i] as Json)) return false;
    return true;
  }
  const ra = a as Readonly<Record<string, Json>>;
  const rb = b as Readonly<Record<string, Json>>;
  const keys = Object.keys(ra);
  if (keys.length !== Object.keys(rb).length) return false;
  for (const k of keys) if (!(k in rb) || !jsonEqual(ra[k]!, rb[k]!)) return false;
  return true;
}
