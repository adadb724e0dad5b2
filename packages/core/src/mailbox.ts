import type { Timer } from './clock.js';
import type { ModelRef } from './model-ref.js';
import type { Candidate } from './result.js';
import type { Json } from './wire/json.js';
import type { ScoreEnvelope } from './wire/score.js';

/**
 * The state of one in-flight request at the front end: the scores it has received, its timers,
 * and whether it has been decided. The front end keeps mailboxes in a map by request id, so a
 * score is dispatched in O(1) whatever the number of requests in flight.
 *
 * @example
 * ```ts
 * const box = new Mailbox('r1', { x: 1 }, 0, 1000, 0.5);
 * box.add(score, 3); // returns false for a duplicate from the same model version
 * ```
 */
export class Mailbox<I = Json> {
  /** Scores in arrival order, before the decision. */
  readonly scores: ScoreEnvelope[] = [];
  /** Scores that arrived after the decision. */
  readonly late: ScoreEnvelope[] = [];
  /**
   * Arrival time (clock ms) of each score, with its model version. A request hears from a few
   * versions: a scan of this array costs less than a map and the key strings it needs.
   */
  private readonly arrivals: { readonly model: ModelRef; readonly at: number }[] = [];
  /** Models alive when the request was decided; the mailbox closes once all of them reported. */
  awaited: readonly ModelRef[] = [];
  decided = false;
  deadlineTimer: Timer | undefined;
  wakeTimer: Timer | undefined;
  wakeAt: number | undefined;

  constructor(
    readonly requestId: string,
    readonly input: I,
    readonly startedAt: number,
    readonly deadline: number,
    readonly random: number,
  ) {}

  /** Records a score; returns `false` if this model version already reported (a redelivery). */
  add(score: ScoreEnvelope, now: number): boolean {
    if (this.arrival(score.model)) return false;
    this.arrivals.push({ model: score.model, at: now });
    (this.decided ? this.late : this.scores).push(score);
    return true;
  }

  /** Whether every awaited model has reported. */
  complete(): boolean {
    for (const m of this.awaited) if (!this.arrival(m)) return false;
    return true;
  }

  /** Candidates for the result: every score received before the decision, and awaited models still pending. */
  candidates(live: readonly ModelRef[]): Candidate[] {
    const out: Candidate[] = this.scores.map((s) => this.candidate(s));
    for (const m of live) if (!this.arrival(m)) out.push({ model: m, status: 'pending' });
    return out;
  }

  /** Time from the request's start to the arrival of `model`'s score, in ms. */
  latencyOf(model: ModelRef): number {
    return (this.arrival(model)?.at ?? this.startedAt) - this.startedAt;
  }

  /** The arrival of `model`'s version (same name and version, as `modelKey` compares). */
  private arrival(model: ModelRef): { readonly at: number } | undefined {
    for (const a of this.arrivals)
      if (a.model.name === model.name && a.model.version === model.version) return a;
    return undefined;
  }

  lateCandidates(): Candidate[] {
    return this.late.map((s) => this.candidate(s));
  }

  /** Cancels both timers. */
  clearTimers(): void {
    this.deadlineTimer?.cancel();
    this.wakeTimer?.cancel();
    this.deadlineTimer = undefined;
    this.wakeTimer = undefined;
    this.wakeAt = undefined;
  }

  private candidate(s: ScoreEnvelope): Candidate {
    const latencyMs = this.latencyOf(s.model);
    return s.ok
      ? { model: s.model, status: 'ok', output: s.output, latencyMs }
      : { model: s.model, status: 'error', error: s.error, latencyMs };
  }
}
