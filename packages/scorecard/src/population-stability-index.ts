/**
 * Options of {@link populationStabilityIndex}.
 *
 * @example
 * ```ts
 * populationStabilityIndex([50, 50], [90, 10], { epsilon: 1e-6 });
 * ```
 */
export interface PsiOptions {
  /**
   * The smallest proportion a bin counts with, in either distribution: an empty bin would
   * otherwise make the index infinite. Default `1e-4`.
   */
  readonly epsilon?: number;
}

/**
 * The population stability index of `actual` against `expected`, both given as counts over the
 * same bins (classes, or value ranges):
 *
 * PSI = Σᵢ (aᵢ − eᵢ) · ln(aᵢ / eᵢ), with aᵢ, eᵢ the proportions of bin i (each at least
 * `epsilon`).
 *
 * Rules of thumb: below 0.1 no significant shift, 0.1–0.25 a moderate shift, above 0.25 a
 * significant one. On small samples PSI is biased upwards (about (bins − 1)·(1/n + 1/m) when
 * nothing moved), hence a minimum sample count before an alarm. Returns `NaN` when either
 * distribution is empty.
 *
 * @example
 * ```ts
 * populationStabilityIndex([25, 25, 25, 25], [25, 25, 25, 25]); // 0
 * populationStabilityIndex([50, 50], [80, 20]);                   // ≈ 0.4159
 * ```
 */
export function populationStabilityIndex(
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  options: PsiOptions = {},
): number {
  if (expected.length !== actual.length)
    throw new RangeError(
      `expected and actual must have the same bins (${expected.length} != ${actual.length})`,
    );
  const epsilon = options.epsilon ?? 1e-4;
  let e = 0;
  let a = 0;
  for (let i = 0; i < expected.length; i++) {
    e += expected[i]!;
    a += actual[i]!;
  }
  if (!(e > 0) || !(a > 0)) return Number.NaN;
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const ei = Math.max(expected[i]! / e, epsilon);
    const ai = Math.max(actual[i]! / a, epsilon);
    psi += (ai - ei) * Math.log(ai / ei);
  }
  return psi;
}
