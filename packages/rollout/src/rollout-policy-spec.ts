/**
 * The policy specs a rollout publishes: the JSON form of `priority`, `split` and `shadow`, a
 * subset of core's `PolicySpec` (so anything that accepts a `PolicySpec` accepts these).
 *
 * @example
 * ```ts
 * const spec: RolloutPolicySpec = {
 *   policy: 'shadow',
 *   models: ['dt@2'],
 *   inner: { policy: 'priority', order: ['dt@1', 'lr'] },
 * };
 * ```
 */
export type RolloutPolicySpec =
  | { readonly policy: 'priority'; readonly order?: readonly string[]; readonly only?: boolean }
  | {
      readonly policy: 'split';
      readonly weights: Readonly<Record<string, number>>;
      readonly fallback?: readonly string[];
    }
  | {
      readonly policy: 'shadow';
      readonly models: readonly string[];
      readonly inner: RolloutPolicySpec;
    };
