/**
 * Identity of one model instance: the model name, its version, and the worker instance.
 *
 * @example
 * ```ts
 * const id: ModelIdentity = { name: 'dt', version: '1', instance: 'dt-1-host-a' };
 * ```
 */
export interface ModelIdentity {
  readonly name: string;
  readonly version: string;
  readonly instance: string;
}
