/**
 * A confidence interval for a proportion.
 */
export interface ProportionInterval {
  readonly low: number;
  readonly high: number;
}

/**
 * The Wilson score interval for `successes` out of `trials` (95% by default, `z = 1.96`).
 * Unlike the normal ("Wald") interval it stays inside [0, 1] and is not degenerate at 0 or n
 * successes, which is why it is used for agreement rates on small samples:
 *
 * centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²).
 *
 * With no trials it returns [0, 1] (nothing is known).
 *
 * @example
 * ```ts
 * wilsonInterval(8, 10); // { low: 0.4902, high: 0.9433 } (rounded)
 * wilsonInterval(0, 0);  // { low: 0, high: 1 }
 * ```
 */
export function wilsonInterval(successes: number, trials: number, z = 1.96): ProportionInterval {
  if (!(trials > 0)) return { low: 0, high: 1 };
  if (successes < 0 || successes > trials)
    throw new RangeError(`successes (${successes}) must be within [0, trials (${trials})]`);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // Clamp the rounding noise at the edges (0/n and n/n land exactly on 0 and 1 in theory).
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
