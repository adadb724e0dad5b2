/** A reading of {@link ProcessCost}: totals since the meter was created. */
export interface CostReading {
  /** User + system CPU time, µs. */
  readonly cpuUs: number;
  /** Bytes allocated on the JS heap. */
  readonly allocatedBytes: number;
}

/**
 * The CPU time and JS heap bytes this process has spent since the meter was created (V8's
 * `GCProfiler`: used heap growth plus what every collection freed).
 *
 * @example
 * ```ts
 * const before = processCost().read();
 * await work();
 * const after = processCost().read();
 * console.log((after.allocatedBytes - before.allocatedBytes) / requests, 'B per request');
 * ```
 */
export declare class ProcessCost {
  constructor();
  read(): CostReading;
}

/** This process's shared {@link ProcessCost}, created on first use. */
export declare function processCost(): ProcessCost;
