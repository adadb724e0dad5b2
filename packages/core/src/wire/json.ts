import { InvalidEnvelopeError } from '../errors.js';

/**
 * Any JSON value. Inputs and outputs travel as JSON.
 *
 * @example
 * ```ts
 * const input: Json = { sepalLength: 5.1, tags: ['a'] };
 * ```
 */
export type Json =
  | null
  | boolean
  | number
  | string
  | readonly Json[]
  | { readonly [key: string]: Json };

/** Escapes one key for a JSON pointer (RFC 6901): `~` → `~0`, `/` → `~1`. */
function escapeKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function nameOf(value: object): string {
  try {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)
      ?.constructor?.name;
    return typeof name === 'string' && name.length > 0 ? name : 'object with a prototype';
  } catch {
    return 'object with a prototype';
  }
}

/**
 * Walks a value once. Path segments are kept on a stack and joined only when a value fails, so
 * a valid payload costs no string building.
 */
class WireJsonCheck {
  private readonly segments: string[] = [];
  private readonly ancestors: object[] = [];

  constructor(private readonly root: string) {}

  private fail(message: string): never {
    const tail = this.segments.map((s) => `/${s}`).join('');
    throw new InvalidEnvelopeError(message, `${this.root}${tail}`);
  }

  check(value: unknown): void {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        // JSON writes NaN and ±Infinity as null.
        if (!Number.isFinite(value)) this.fail(`${value} is not JSON (JSON would write null)`);
        return;
      case 'undefined':
        this.fail('undefined is not JSON (a value is required here)');
        break;
      case 'function':
        this.fail('a function is not JSON (JSON would drop it)');
        break;
      case 'symbol':
        this.fail('a symbol is not JSON (JSON would drop it)');
        break;
      case 'bigint':
        this.fail('a bigint is not JSON: send it as a string or a number');
        break;
    }
    if (value === null) return;
    const object = value as object;
    if (this.ancestors.includes(object)) this.fail('cyclic reference: the value contains itself');
    this.ancestors.push(object);
    if (Array.isArray(object)) {
      // Reading by index also catches holes, which JSON writes as null.
      for (let i = 0; i < object.length; i++) {
        this.segments.push(String(i));
        this.check(object[i]);
        this.segments.pop();
      }
    } else {
      const proto: unknown = Object.getPrototypeOf(object);
      if (proto !== Object.prototype && proto !== null) {
        if (object instanceof Date)
          this.fail('a Date is not JSON (JSON would write a string): send date.toISOString()');
        this.fail(`a ${nameOf(object)} is not a plain object (JSON would change it)`);
      }
      const record = object as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const v = record[key];
        // An undefined property is an absent optional field: JSON omits it, and reading it
        // back gives undefined again.
        if (v === undefined) continue;
        this.segments.push(escapeKey(key));
        this.check(v);
        this.segments.pop();
      }
    }
    this.ancestors.pop();
  }
}

/** Beyond this depth the fast check defers to the full walk, which detects cycles. */
const FAST_DEPTH = 64;

/**
 * The common case, a valid payload, at the cost of one plain recursion: no paths, no cycle
 * bookkeeping (a cycle exceeds the depth). Any doubt returns `false`, and the full walk decides.
 */
function plainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > FAST_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!plainJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    // for...in also walks inherited keys; a plain object has none beyond Object.prototype's.
    const v = record[key];
    if (v !== undefined && !plainJson(v, depth + 1)) return false;
  }
  return true;
}

/**
 * Asserts that `value` travels as JSON unchanged: `JSON.parse(JSON.stringify(value))` gives the
 * same value back. Throws an {@link InvalidEnvelopeError} whose `path` is a JSON pointer below
 * `path` (such as `/output/features/2`) for the first value that does not:
 * - `undefined` where a value is required (the root, an array element or a hole);
 * - a function, a symbol or a BigInt;
 * - `NaN`, `Infinity` or `-Infinity` (JSON writes them as `null`);
 * - a cycle;
 * - an object that is not plain (prototype neither `Object.prototype` nor `null`): a `Date`
 *   (JSON would write a string; send `toISOString()`), a `Map`, a `Set`, a class instance, a
 *   boxed primitive. `toJSON` is never called: an own `toJSON` property is a function, rejected.
 *
 * An object property whose value is `undefined` is accepted and omitted, as an absent optional
 * field. `-0` is accepted and travels as `0`. Arrays (including subclasses) are checked by index.
 * Used by {@link encodeEnvelope}; a component can call it on its own, say to check a model's
 * output before building a score.
 *
 * @example
 * ```ts
 * try {
 *   assertWireJson(output, '/output');
 * } catch (e) {
 *   if (e instanceof InvalidEnvelopeError) console.log(e.path); // '/output/features/2'
 * }
 * ```
 */
export function assertWireJson(value: unknown, path = ''): asserts value is Json {
  if (plainJson(value, 0)) return;
  new WireJsonCheck(path).check(value);
}
