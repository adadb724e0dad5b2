import { RendezvousError } from './errors.js';

/**
 * Why a value cannot travel as JSON: what was found (`'undefined'`, `'NaN'`, `'a BigInt (10n)'`,
 * `'a circular reference'`...) and where, as a JSON Pointer (`''` for the value itself).
 *
 * @example
 * ```ts
 * const p: WireJsonProblem = { found: 'NaN', path: '/scores/1' };
 * ```
 */
export interface WireJsonProblem {
  readonly found: string;
  readonly path: string;
}

/**
 * Finds the first part of `value` that `JSON.stringify` would silently change or refuse:
 * `undefined`, a function or a symbol (as the value or an array element, where JSON writes
 * `null`, or as a property value other than `undefined`), `NaN` and `±Infinity` (written as
 * `null`), a `BigInt` (a throw), a cycle (a throw), or a `toJSON` that throws. A property whose
 * value is `undefined` is accepted: JSON leaves it out, as an absent optional field. `toJSON` is
 * honoured as `JSON.stringify` does (a `Date` becomes its ISO string).
 *
 * @example
 * ```ts
 * findWireJsonProblem({ p: [0.5, NaN] }); // { found: 'NaN', path: '/p/1' }
 * findWireJsonProblem({ label: 'setosa' }); // undefined
 * ```
 */
export function findWireJsonProblem(value: unknown): WireJsonProblem | undefined {
  try {
    return walk(value, '', '', new Set());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { found: `a value whose toJSON or getter threw (${message})`, path: '' };
  }
}

/**
 * Throws a {@link RendezvousError} with code `OUTPUT_NOT_SERIALIZABLE` if `value` cannot travel
 * as JSON unchanged (see {@link findWireJsonProblem}); the message says what was found, and where.
 *
 * @example
 * ```ts
 * assertWireJson(output, 'predict output'); // throws: "predict output is not JSON: NaN at /p/1"
 * ```
 */
export function assertWireJson(value: unknown, what: string): void {
  const problem = findWireJsonProblem(value);
  if (problem)
    throw new RendezvousError(
      'OUTPUT_NOT_SERIALIZABLE',
      `${what} is not JSON: ${problem.found}${problem.path ? ` at ${problem.path}` : ''}`,
    );
}

function describeScalar(value: unknown): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'bigint':
      return `a BigInt (${value}n)`;
    case 'number':
      return Number.isFinite(value) ? undefined : String(value);
    default:
      return undefined;
  }
}

function walk(
  raw: unknown,
  key: string,
  path: string,
  ancestors: Set<object>,
): WireJsonProblem | undefined {
  let value = raw;
  if (typeof value === 'object' && value !== null) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = toJSON.call(value, key);
  }
  const scalar = describeScalar(value);
  if (scalar !== undefined) return { found: scalar, path };
  if (typeof value !== 'object' || value === null) return undefined;
  if (ancestors.has(value)) return { found: 'a circular reference', path };
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const p = walk(value[i], String(i), `${path}/${i}`, ancestors);
        if (p) return p;
      }
      return undefined;
    }
    for (const k of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue; // left out by JSON, like an absent optional field
      const p = walk(v, k, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, ancestors);
      if (p) return p;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}
