import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from './scorecard-snapshot.js';

/** Latencies in ms, kept in µs in an HDR histogram (3 significant digits, auto-resizing). */
export class LatencyHistogram {
  private readonly histogram = hdr.build({ numberOfSignificantValueDigits: 3 });

  record(ms: number): void {
    if (!(ms >= 0)) return;
    // HDR histograms hold integers: µs, and at least 1 so that 0 ms is still counted.
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  add(other: LatencyHistogram): void {
    if (other.histogram.totalCount > 0) this.histogram.add(other.histogram);
  }

  reset(): void {
    this.histogram.reset();
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): LatencySummary | null {
    const h = this.histogram;
    if (h.totalCount === 0) return null;
    return {
      count: h.totalCount,
      p50: h.getValueAtPercentile(50) / 1000,
      p95: h.getValueAtPercentile(95) / 1000,
      p99: h.getValueAtPercentile(99) / 1000,
      max: h.maxValue / 1000,
    };
  }
}
