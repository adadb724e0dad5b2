/** How one request ended, as the caller saw it. */
export type Outcome =
  | { readonly ok: true; readonly id?: string; readonly model: string; readonly version?: string }
  | { readonly ok: false; readonly id?: string; readonly code: string };

interface Tracked {
  readonly sentAt: number;
  /** performance.now() at send, for sub-millisecond latencies. */
  readonly t0: number;
  /** ms from send to settlement (performance clock). */
  elapsedMs?: number;
  settledAt?: number;
  outcome?: Outcome;
  hung: boolean;
}

/** Counts of a load run. */
export interface LoadSummary {
  readonly sent: number;
  readonly answered: number;
  /** Typed failures, by error code. */
  readonly failed: Readonly<Record<string, number>>;
  /** Requests with no settlement by their deadline + the margin. */
  readonly hung: number;
  /** Hung requests that settled later after all (still counted as hung). */
  readonly settledLate: number;
}

/** The error code of a rejection: a `RendezvousError`'s `code`, else the error's name. */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? `UNTYPED:${error.name}` : 'UNTYPED';
}

/**
 * Tracks every request of a scenario to its settlement. A request that has not settled by its
 * deadline plus `marginMs` is counted as hung at that moment and never waited for again, so a
 * scenario can never hang on the system it tests.
 *
 * @example
 * ```ts
 * const tracker = new SettlementTracker();
 * tracker.track(1000, () => call(i));
 * await tracker.drain(); // bounded: every request settles or is declared hung
 * ```
 */
export class SettlementTracker {
  private readonly all: Tracked[] = [];
  private open = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly marginMs = 1000) {}

  /** Starts `attempt` now and tracks it against `deadlineMs`. */
  track(deadlineMs: number, attempt: () => Promise<Outcome>): void {
    const t: Tracked = { sentAt: Date.now(), t0: performance.now(), hung: false };
    this.all.push(t);
    this.open++;
    const timer = setTimeout(() => {
      if (t.outcome) return;
      t.hung = true;
      this.close();
    }, deadlineMs + this.marginMs);
    const settle = (outcome: Outcome): void => {
      if (t.outcome) return;
      t.outcome = outcome;
      t.settledAt = Date.now();
      t.elapsedMs = performance.now() - t.t0;
      if (t.hung) return;
      clearTimeout(timer);
      this.close();
    };
    let promise: Promise<Outcome>;
    try {
      promise = attempt();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(settle, (error: unknown) => settle({ ok: false, code: codeOf(error) }));
  }

  private close(): void {
    this.open--;
    if (this.open === 0) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once every tracked request has settled or been declared hung (bounded). */
  drain(): Promise<void> {
    if (this.open === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Counts over the requests sent in `[from, to)` (default: all). */
  summary(from = 0, to = Number.POSITIVE_INFINITY): LoadSummary {
    const failed: Record<string, number> = {};
    let answered = 0;
    let hung = 0;
    let settledLate = 0;
    let sent = 0;
    for (const t of this.all) {
      if (t.sentAt < from || t.sentAt >= to) continue;
      sent++;
      if (t.hung) {
        hung++;
        if (t.outcome) settledLate++;
      } else if (t.outcome?.ok) answered++;
      else if (t.outcome) failed[t.outcome.code] = (failed[t.outcome.code] ?? 0) + 1;
    }
    return { sent, answered, failed, hung, settledLate };
  }

  /** Ids of the requests answered (not hung), for the archive checks. */
  answeredIds(from = 0, to = Number.POSITIVE_INFINITY): Set<string> {
    const ids = new Set<string>();
    for (const t of this.all)
      if (t.sentAt >= from && t.sentAt < to && !t.hung && t.outcome?.ok && t.outcome.id)
        ids.add(t.outcome.id);
    return ids;
  }

  /**
   * The answered ids of the requests sent before `t`, and whether all of those requests have
   * settled (or been declared hung) yet.
   */
  sentBefore(t: number): { readonly ids: Set<string>; readonly settled: boolean } {
    const settled = this.all.every((r) => r.sentAt >= t || r.hung || r.outcome !== undefined);
    return { ids: this.answeredIds(0, t), settled };
  }

  /**
   * Time from `since` to the first good answer to a request sent at or after `since`, or null
   * if none came. `good` narrows what counts (e.g. answered by the right model).
   */
  recoveryMs(since: number, good: (o: Outcome) => boolean = (o) => o.ok): number | null {
    let first: number | undefined;
    for (const t of this.all) {
      if (t.sentAt < since || t.hung || !t.outcome || !good(t.outcome)) continue;
      if (t.settledAt !== undefined && (first === undefined || t.settledAt < first))
        first = t.settledAt;
    }
    return first === undefined ? null : first - since;
  }

  /** The `q` quantile (0..1) of the time to settle of the requests that ended with `code`, ms. */
  quantileMs(code: string, q: number, from = 0, to = Number.POSITIVE_INFINITY): number | null {
    const xs = this.all
      .filter(
        (t) =>
          t.sentAt >= from &&
          t.sentAt < to &&
          !t.hung &&
          t.outcome &&
          !t.outcome.ok &&
          t.outcome.code === code,
      )
      .map((t) => t.elapsedMs ?? 0)
      .sort((a, b) => a - b);
    if (xs.length === 0) return null;
    return xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
  }

  /** The outcomes of the first `n` requests sent at or after `since`, in send order. */
  firstOutcomes(since: number, n: number): (Outcome | 'hung')[] {
    return this.all
      .filter((t) => t.sentAt >= since)
      .slice(0, n)
      .map((t) => (t.hung || !t.outcome ? 'hung' : t.outcome));
  }
}
