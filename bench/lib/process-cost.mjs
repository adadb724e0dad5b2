// Plain JavaScript (typed by process-cost.d.mts) so that `cost-probe.mjs` can preload it into
// processes the bench does not start with tsx (the iris CLI's role processes).
import { GCProfiler, getHeapStatistics } from 'node:v8';

/**
 * The CPU time and the JS heap bytes this process has spent since the meter was created.
 *
 * Allocation: Node 20 has no cumulative allocation counter (`v8.getHeapStatistics()` has no
 * `total_allocated_bytes`, and `gc` performance entries carry no byte counts). V8's
 * `GCProfiler` reports the used heap before and after every collection, so
 * `allocated = (used now − used at start) + Σ (used before GC − used after GC)`: what is still
 * there plus what every collection freed. That is exact for the JS heap (a loop of
 * `{ a, b }` objects reads 40 B each); Buffer and ArrayBuffer backing stores outside the heap
 * are not counted.
 *
 * CPU: `process.cpuUsage()`, user + system, µs, every thread of the process.
 */
export class ProcessCost {
  #profiler = new GCProfiler();
  #allocated = 0;
  #base = 0;
  #cpu0 = process.cpuUsage();

  constructor() {
    this.#profiler.start();
    this.#base = getHeapStatistics().used_heap_size;
  }

  /** CPU µs and allocated bytes since the meter was created. Cheap: call it at run boundaries. */
  read() {
    const profile = this.#profiler.stop();
    const used = getHeapStatistics().used_heap_size;
    let freed = 0;
    for (const gc of profile?.statistics ?? [])
      freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    this.#allocated += used - this.#base + freed;
    this.#profiler.start();
    this.#base = getHeapStatistics().used_heap_size;
    const cpu = process.cpuUsage(this.#cpu0);
    return { cpuUs: cpu.user + cpu.system, allocatedBytes: this.#allocated };
  }
}

/** The one meter of this process (a GCProfiler per caller would multiply its cost). */
let shared;

/** This process's shared {@link ProcessCost}, created on first use. */
export function processCost() {
  shared ??= new ProcessCost();
  return shared;
}
