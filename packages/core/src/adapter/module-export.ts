/**
 * The export `key` of a dynamically imported module, looked up on the module and then on its
 * `default` (a CommonJS package imported from ESM puts its exports there, or both places).
 * `undefined` when neither has it.
 *
 * @example
 * ```ts
 * const Redis = moduleExport(await import('ioredis'), 'Redis');
 * ```
 */
export function moduleExport(module: unknown, key: string): unknown {
  const own = field(module, key);
  return own !== undefined ? own : field(field(module, 'default'), key);
}

function field(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null)
    return undefined;
  return (value as Record<string, unknown>)[key];
}
