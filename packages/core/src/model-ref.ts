import type { ModelIdentity } from './envelopes.js';

/**
 * A model version, regardless of which worker instance serves it. The unit a policy ranks
 * and the registry tracks.
 *
 * @example
 * ```ts
 * const dt: ModelRef = { name: 'dt', version: '1' };
 * ```
 */
export interface ModelRef {
  readonly name: string;
  readonly version: string;
}

/**
 * The key of a model version, `name@version`.
 *
 * @example
 * ```ts
 * modelKey({ name: 'dt', version: '1' }); // 'dt@1'
 * ```
 */
export function modelKey(model: ModelRef | ModelIdentity): string {
  return `${model.name}@${model.version}`;
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Orders version strings numerically where they hold numbers: `'2' < '10'`, `'1.9.0' < '1.10.0'`.
 * Returns a negative number when `a` is older than `b`.
 *
 * @example
 * ```ts
 * ['10', '2', '1'].sort(compareVersions); // ['1', '2', '10']
 * ```
 */
export function compareVersions(a: string, b: string): number {
  return collator.compare(a, b);
}

/**
 * Whether `model` matches a selector: `'name'` matches every version, `'name@version'` one.
 *
 * @example
 * ```ts
 * matchesSelector({ name: 'dt', version: '1' }, 'dt'); // true
 * ```
 */
export function matchesSelector(model: ModelRef, selector: string): boolean {
  const at = selector.lastIndexOf('@');
  if (at <= 0) return model.name === selector;
  return model.name === selector.slice(0, at) && model.version === selector.slice(at + 1);
}
