import type { ActivePolicy } from './active-policy.js';
import type { Clock } from './clock.js';
import { DeadlineExceededError, NoUsableScoreError, type RendezvousError } from './errors.js';
import type { RequestHooks } from './instrumentation.js';
import type { Mailbox } from './mailbox.js';
import type { ModelRef } from './model-ref.js';
import type { PolicyDecision, RendezvousPolicy } from './policy.js';
import type { Decision, RendezvousResult } from './result.js';
import type { Json } from './wire/json.js';
import type { ScoreEnvelope } from './wire/score.js';

/**
 * What a {@link PendingRequest} needs from its front end.
 */
export interface PendingRequestHost<I = Json, O = Json> {
  /** The policy new requests start with (each keeps the one it started with), and its version. */
  activePolicy(): ActivePolicy;
  readonly clock: Clock;
  /**
   * Model versions alive now; with `asOf` (the request's start), only those live since then or
   * earlier (see `ModelRegistry.live`): a version that joined later is not waited for.
   */
  live(asOf?: number): readonly ModelRef[];
  /** Reason given when the deadline passes with no model live and no score. */
  readonly noLiveModel: string;
  /** Called once, when the request is decided (`error` unset: answered). */
  decided(request: PendingRequest<I, O>, error: RendezvousError | undefined): void;
  /** Called once, when the mailbox closes, with the final record (late scores included). */
  closed(request: PendingRequest<I, O>, result: RendezvousResult<I, O> | undefined): void;
  /**
   * Whether anyone reads the final record (a `results$` subscriber, `publishResults`). When
   * false, `closed` gets the decision record as is: no record with the late scores is built.
   * Absent: always built.
   */
  recordWanted?(): boolean;
}

/** What became of a score given to {@link PendingRequest.score}. */
type ScoreOutcome = 'duplicate' | 'late' | 'evaluated';

/**
 * One request at the front end, from publish to the closing of its mailbox. It owns its
 * {@link Mailbox} and timers, and moves one way only: `open` (undecided) → `decided` (the
 * caller has its answer or error; late scores are still recorded) → `closed` (every awaited
 * model reported, or the deadline passed). Its promise settles exactly once, by the deadline.
 *
 * While `open`, its deadline timer keeps the process alive, so a caller awaiting only this
 * request sees it settle; once decided, waiting for late scores does not.
 *
 * @example
 * ```ts
 * const pending = new PendingRequest(host, box, resolve, reject);
 * pending.score(score); // evaluates the policy, or records a late score
 * ```
 */
export class PendingRequest<I = Json, O = Json> {
  /** The decision record, once decided. */
  result: RendezvousResult<I, O> | undefined;
  /** The policy this request started with: a later `setPolicy` does not change it. */
  readonly policy: RendezvousPolicy;
  readonly policyVersion: number | undefined;
  private closedFlag = false;

  constructor(
    private readonly host: PendingRequestHost<I, O>,
    readonly box: Mailbox<I>,
    private readonly resolve: (result: RendezvousResult<I, O>) => void,
    private readonly reject: (error: Error) => void,
    /** The instrumentation's hooks of this request, if any (already guarded against throws). */
    private readonly hooks?: RequestHooks,
  ) {
    ({ policy: this.policy, version: this.policyVersion } = host.activePolicy());
    const delay = box.deadline - host.clock.now();
    box.deadlineTimer = host.clock.setTimeout(() => this.onDeadline(), delay, { keepAlive: true });
  }

  get state(): 'open' | 'decided' | 'closed' {
    if (this.closedFlag) return 'closed';
    return this.box.decided ? 'decided' : 'open';
  }

  /** Takes a score for this request. */
  score(score: ScoreEnvelope): ScoreOutcome {
    const now = this.host.clock.now();
    if (this.closedFlag || !this.box.add(score, now)) {
      this.hooks?.score?.(score, 'duplicate', now);
      return 'duplicate';
    }
    if (this.box.decided) {
      this.hooks?.score?.(score, 'late', now);
      if (this.box.complete()) this.close();
      return 'late';
    }
    this.hooks?.score?.(score, 'evaluated', now);
    this.evaluate('score');
    return 'evaluated';
  }

  /** Fails the request now (its publish failed) and closes it: no model can answer. */
  fail(error: RendezvousError, reason: string, trigger: Decision['trigger']): void {
    if (this.box.decided) return;
    this.settle(undefined, error, this.decision(reason, trigger));
    this.close();
  }

  /** The `decidedBy` record of this request's policy (name and version). */
  decision(reason: string, trigger: Decision['trigger']): Decision {
    const { policy, policyVersion } = this;
    return policyVersion === undefined
      ? { policy: policy.name, reason, trigger }
      : { policy: policy.name, policyVersion, reason, trigger };
  }

  /** Asks the policy again; a no-op once decided. */
  evaluate(trigger: Decision['trigger']): void {
    const box = this.box;
    if (box.decided || this.closedFlag) return;
    // Node fires a timer against its cached loop time, so `Date.now()` can still be a few ms
    // short of the time the timer was set for. A deadline or wake-up timer means that time has
    // come: never evaluate it as "not yet", or the request would wait with no timer left.
    let now = this.host.clock.now();
    if (trigger === 'deadline') now = Math.max(now, box.deadline);
    else if (trigger === 'wake' && box.wakeAt !== undefined) now = Math.max(now, box.wakeAt);
    const live = this.host.live(box.startedAt);
    const { policy } = this;
    let decision: PolicyDecision;
    try {
      decision = policy.decide({
        requestId: box.requestId,
        startedAt: box.startedAt,
        deadline: box.deadline,
        now,
        scores: box.scores,
        live,
        random: box.random,
      });
    } catch (error) {
      decision = {
        action: 'fail',
        reason: `policy threw: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    const decidedBy = (reason: string): Decision => this.decision(reason, trigger);
    const requestId = box.requestId;
    if (decision.action === 'answer') {
      this.settle(decision, undefined, decidedBy(decision.reason));
    } else if (decision.action === 'fail') {
      const error = new NoUsableScoreError(decision.reason, { requestId });
      this.settle(undefined, error, decidedBy(decision.reason));
    } else if (now >= box.deadline) {
      const reason =
        live.length === 0 && box.scores.length === 0
          ? this.host.noLiveModel
          : (decision.reason ?? 'no usable score before the deadline');
      const waited = now - box.startedAt;
      const error = new DeadlineExceededError(`deadline exceeded: ${reason}`, waited, {
        requestId,
      });
      this.settle(undefined, error, decidedBy(reason));
    } else {
      const wakeAt = decision.wakeAt;
      if (wakeAt !== undefined && wakeAt < box.deadline && wakeAt !== box.wakeAt) {
        box.wakeTimer?.cancel();
        box.wakeAt = wakeAt;
        box.wakeTimer = this.host.clock.setTimeout(() => this.evaluate('wake'), wakeAt - now);
      }
      return;
    }
    if (box.complete() || now >= box.deadline) this.close();
  }

  /** Closes the mailbox: no more late scores; emits the final record once. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    const box = this.box;
    box.clearTimers();
    const wanted = this.hooks?.closed !== undefined || this.host.recordWanted?.() !== false;
    const result =
      wanted && this.result && box.late.length > 0
        ? { ...this.result, late: box.lateCandidates() as RendezvousResult<I, O>['late'] }
        : this.result;
    this.host.closed(this, result);
    this.hooks?.closed?.(result as RendezvousResult | undefined);
  }

  private onDeadline(): void {
    if (this.box.decided) this.close();
    else this.evaluate('deadline');
  }

  private settle(
    answer: Extract<PolicyDecision, { action: 'answer' }> | undefined,
    error: RendezvousError | undefined,
    decidedBy: Decision,
  ): void {
    const box = this.box;
    const clock = this.host.clock;
    box.decided = true;
    box.wakeTimer?.cancel();
    box.wakeTimer = undefined;
    const live = this.host.live(box.startedAt);
    box.awaited = live;
    const now = clock.now();
    // Decided: the caller has its answer, so waiting for late scores must not keep the process
    // alive. Swap the keep-alive deadline timer for a plain one that closes the mailbox.
    box.deadlineTimer?.cancel();
    box.deadlineTimer =
      box.deadline > now ? clock.setTimeout(() => this.close(), box.deadline - now) : undefined;
    const candidates = box.candidates(live) as RendezvousResult<I, O>['candidates'];
    const { requestId, input, startedAt } = box;
    const latencyMs = now - startedAt;
    // One literal, no spread (this runs on every request); the outcome's own property is added
    // last, so each outcome keeps one shape with the keys in the order they always had.
    const result: Mutable<RendezvousResult<I, O>> = {
      requestId,
      input,
      candidates,
      late: [],
      decidedBy,
      startedAt,
      decidedAt: now,
      latencyMs,
      status: answer ? 'answered' : 'failed',
    };
    let err: RendezvousError | undefined;
    if (answer) {
      const { model, output } = answer.score;
      result.chosen = { model, output: output as O, latencyMs: box.latencyOf(model) };
    } else {
      err =
        error ??
        new DeadlineExceededError('deadline exceeded', now - box.startedAt, {
          requestId: box.requestId,
        });
      result.error = { code: err.code, message: err.message };
    }
    this.result = result;
    if (err) this.reject(err);
    else this.resolve(result);
    this.host.decided(this, err);
    this.hooks?.decided?.(result as RendezvousResult);
  }
}

/** `T` with its own properties writable (a record built in steps before it is handed out). */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
