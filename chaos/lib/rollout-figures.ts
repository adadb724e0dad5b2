import { createHistogram } from 'node:perf_hooks';

/** One request of a rollout run, as the caller saw it. */
export interface AnswerRecord {
  /** Clock time it was sent (ms). */
  readonly sentAt: number;
  /** From send to settlement, ms. */
  readonly latencyMs: number;
  /** `name@version` of the model that answered; undefined when the request failed. */
  readonly answer?: string;
  /** The error code of a failed request (`HUNG`: answered after its deadline + 1 s). */
  readonly failed?: string;
}

/** One decided result as the front end recorded it (from the results stream). */
export interface DecidedRecord {
  /** When the front end accepted the request (its clock, ms). */
  readonly startedAt: number;
  /** From acceptance to decision, ms. */
  readonly latencyMs: number;
}

/** A stretch of a run under one policy version: from its publish to the next one. */
export interface Segment {
  readonly label: string;
  readonly from: number;
  readonly to: number;
  /** Cumulative CPU of the system's processes at `from` and `to`, µs. */
  readonly cpuFrom?: number;
  readonly cpuTo?: number;
  /** The policy version published at `from` (none for the steady state). */
  readonly version?: number;
  /** How long the publish took to return (every expected front end reported), ms. */
  readonly publishMs?: number;
  /** From the publish to the last front end's `applied` report for the version, ms. */
  readonly applyAllMs?: number;
  /** From the publish to the first result decided under the version, ms. */
  readonly firstAnswerMs?: number;
  /** Results decided under the version at the deadline (a model waited for never scored). */
  readonly deadlineDecisions?: number;
}

/** What the callers got during one segment. */
export interface SegmentFigures {
  readonly label: string;
  readonly seconds: number;
  readonly sent: number;
  readonly answered: number;
  readonly failed: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Answers by `name@version`. */
  readonly byVersion: Readonly<Record<string, number>>;
  /** CPU of every process of the system over the requests sent in the segment, µs. */
  readonly cpuUsPerRequest?: number;
  /**
   * p99 of the front ends' own latency (acceptance to decision) of the requests they accepted
   * in the segment, ms: without HTTP nor the load generator's event loop.
   */
  readonly frontEndP99Ms?: number;
  readonly version?: number;
  readonly publishMs?: number;
  readonly applyAllMs?: number;
  readonly firstAnswerMs?: number;
  readonly deadlineDecisions?: number;
}

/** Answers per version (and failures) of the requests sent in one second of the run. */
export interface SecondBucket {
  /** Seconds since the load started. */
  readonly s: number;
  readonly answers: Readonly<Record<string, number>>;
  readonly failed: number;
  /** Latency quantiles of the second's answered requests, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * The figures of each segment: the requests sent within it, their answers by version, their
 * latency quantiles (HDR histogram, ns resolution) and the CPU spent per request.
 *
 * @example
 * ```ts
 * const [steady, shadow] = segmentFigures(records, segments);
 * console.log(shadow.p99Ms / steady.p99Ms);
 * ```
 */
export function segmentFigures(
  records: readonly AnswerRecord[],
  segments: readonly Segment[],
  decided: readonly DecidedRecord[] = [],
): SegmentFigures[] {
  return segments.map((seg) => {
    const frontEnd = createHistogram();
    for (const d of decided)
      if (d.startedAt >= seg.from && d.startedAt < seg.to)
        frontEnd.record(Math.max(1, Math.round(d.latencyMs * 1e6)));
    const inside = records.filter((r) => r.sentAt >= seg.from && r.sentAt < seg.to);
    const histogram = createHistogram();
    const byVersion: Record<string, number> = {};
    let failed = 0;
    for (const r of inside) {
      if (r.answer === undefined) {
        failed++;
        continue;
      }
      byVersion[r.answer] = (byVersion[r.answer] ?? 0) + 1;
      histogram.record(Math.max(1, Math.round(r.latencyMs * 1e6)));
    }
    const answered = inside.length - failed;
    const seconds = (seg.to - seg.from) / 1000;
    const cpu =
      seg.cpuFrom !== undefined && seg.cpuTo !== undefined && inside.length > 0
        ? (seg.cpuTo - seg.cpuFrom) / inside.length
        : undefined;
    return {
      label: seg.label,
      seconds,
      sent: inside.length,
      answered,
      failed,
      rps: seconds > 0 ? answered / seconds : 0,
      p50Ms: answered > 0 ? histogram.percentile(50) / 1e6 : 0,
      p99Ms: answered > 0 ? histogram.percentile(99) / 1e6 : 0,
      maxMs: answered > 0 ? histogram.max / 1e6 : 0,
      byVersion,
      ...(cpu === undefined ? {} : { cpuUsPerRequest: cpu }),
      ...(frontEnd.count > 0 ? { frontEndP99Ms: frontEnd.percentile(99) / 1e6 } : {}),
      ...(seg.version === undefined ? {} : { version: seg.version }),
      ...(seg.publishMs === undefined ? {} : { publishMs: seg.publishMs }),
      ...(seg.applyAllMs === undefined ? {} : { applyAllMs: seg.applyAllMs }),
      ...(seg.firstAnswerMs === undefined ? {} : { firstAnswerMs: seg.firstAnswerMs }),
      ...(seg.deadlineDecisions === undefined ? {} : { deadlineDecisions: seg.deadlineDecisions }),
    };
  });
}

/**
 * Answers per version and failures, per second of send time from `start`.
 *
 * @example
 * ```ts
 * for (const b of perSecond(records, loadStart)) console.log(b.s, b.answers, b.failed);
 * ```
 */
export function perSecond(records: readonly AnswerRecord[], start: number): SecondBucket[] {
  const buckets: {
    answers: Record<string, number>;
    failed: number;
    histogram: ReturnType<typeof createHistogram>;
  }[] = [];
  for (const r of records) {
    const s = Math.max(0, Math.floor((r.sentAt - start) / 1000));
    while (buckets.length <= s)
      buckets.push({ answers: {}, failed: 0, histogram: createHistogram() });
    const b = buckets[s]!;
    if (r.answer === undefined) b.failed++;
    else {
      b.answers[r.answer] = (b.answers[r.answer] ?? 0) + 1;
      b.histogram.record(Math.max(1, Math.round(r.latencyMs * 1e6)));
    }
  }
  return buckets.map(({ answers, failed, histogram }, s) => {
    const any = Object.keys(answers).length > 0;
    return {
      s,
      answers,
      failed,
      p50Ms: any ? Number((histogram.percentile(50) / 1e6).toFixed(1)) : 0,
      p99Ms: any ? Number((histogram.percentile(99) / 1e6).toFixed(1)) : 0,
    };
  });
}

/**
 * From `since` to the moment every one of `instances` reported applying `version` (or a newer
 * one); undefined when one never did.
 *
 * @example
 * ```ts
 * applyAllMs(reports, ['fe-1', 'fe-2'], 4, publishedAt); // 7
 * ```
 */
export function applyAllMs(
  reports: readonly { readonly instance: string; readonly version: number; readonly at: number }[],
  instances: readonly string[],
  version: number,
  since: number,
): number | undefined {
  let last = since;
  for (const instance of instances) {
    const first = reports.find(
      (r) => r.instance === instance && r.version >= version && r.at >= since,
    );
    if (!first) return undefined;
    last = Math.max(last, first.at);
  }
  return instances.length > 0 ? last - since : undefined;
}

/** Text of answers by version, most first: `dt@1 980, lr@0 3`. */
export function versionsText(byVersion: Readonly<Record<string, number>>): string {
  const parts = Object.entries(byVersion).sort((a, b) => b[1] - a[1]);
  return parts.length > 0 ? parts.map(([v, n]) => `${v} ${n}`).join(', ') : 'none';
}
