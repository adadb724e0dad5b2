/**
 * A seeded uniform [0, 1) generator (mulberry32): the same seed draws the same numbers in every
 * run, so a failing trial can be reproduced from its seed.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const killAtMs = 50 + random() * 400;
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller) from a uniform generator such as {@link seededRandom}. */
export function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
