/**
 * The inner edges that cut `values` into `bins` bins of (about) equal counts, at the quantiles
 * 1/bins, 2/bins, … (the lower of the two middle values, no interpolation), without
 * duplicates. A value `v` falls in bin {@link binOf}`(edges, v)`: the number of edges `≤ v`.
 * A feature with few distinct values gets fewer edges: each distinct value its own bin.
 *
 * @example
 * ```ts
 * quantileEdges([1, 2, 3, 4, 5, 6, 7, 8], 4); // [3, 5, 7]
 * quantileEdges([0, 0, 1, 1, 2, 2], 10);     // [1, 2] (three classes, three bins)
 * ```
 */
export function quantileEdges(values: readonly number[], bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`bins must be a positive integer (got ${bins})`);
  const sorted = values.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
  const n = sorted.length;
  const edges: number[] = [];
  if (n === 0) return edges;
  for (let k = 1; k < bins; k++) {
    // The first value of the k-th slice: everything before it is in bins < k.
    const edge = sorted[Math.min(n - 1, Math.ceil((k * n) / bins))]!;
    if (edge > sorted[0]! && (edges.length === 0 || edge > edges[edges.length - 1]!))
      edges.push(edge);
  }
  return edges;
}

/**
 * The bin of `value` given sorted inner `edges`: the number of edges `≤ value`, from 0 to
 * `edges.length` (binary search).
 *
 * @example
 * ```ts
 * binOf([3, 5, 7], 4); // 1
 * binOf([3, 5, 7], 7); // 3
 * ```
 */
export function binOf(edges: readonly number[], value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
