import { type Observable, Subject, type Subscription } from 'rxjs';
import { type Clock, systemClock } from './clock.js';
import { DeadLetters } from './dead-letters.js';
import {
  decodeScore,
  encodeEnvelope,
  type Json,
  type RequestEnvelope,
  type ResultEnvelope,
  WIRE_VERSION,
} from './envelopes.js';
import {
  DeadlineExceededError,
  InvalidInputError,
  NotStartedError,
  NoUsableScoreError,
  OverloadedError,
  type RendezvousError,
  TransportClosedError,
  toRendezvousError,
} from './errors.js';
import { Mailbox } from './mailbox.js';
import { ModelRegistry } from './model-registry.js';
import type { PolicyDecision, RendezvousPolicy } from './policy.js';
import { checkRendezvousOptions, type RendezvousOptions } from './rendezvous-options.js';
import type { Decision, RendezvousResult } from './result.js';
import { type RetryOptions, retryWithBackoff } from './retry.js';
import {
  DEFAULT_STREAMS,
  type IncomingMessage,
  type ReplyChannel,
  type StreamNames,
  type Transport,
} from './transport.js';

export type { RendezvousOptions } from './rendezvous-options.js';

/**
 * Options of one {@link Rendezvous.request} call.
 *
 * @example
 * ```ts
 * await rendezvous.request(input, { deadlineMs: 250, meta: { traceparent } });
 * ```
 */
export interface RequestOptions {
  /** Deadline of this request, in ms from now. */
  readonly deadlineMs?: number;
  /** Request id; must be unique among requests in flight. Default: generated. */
  readonly id?: string;
  /** String metadata carried to every model (trace context, tenant...). */
  readonly meta?: Readonly<Record<string, string>>;
}

/**
 * Counters of a front end, for metrics.
 *
 * @example
 * ```ts
 * const { inFlight, answered } = rendezvous.stats();
 * ```
 */
export interface RendezvousStats {
  /** Undecided requests. */
  readonly inFlight: number;
  /** Mailboxes still open (undecided, or decided and waiting for late scores). */
  readonly openMailboxes: number;
  readonly answered: number;
  readonly failed: number;
  readonly deadlineExceeded: number;
  readonly overloaded: number;
  readonly lateScores: number;
  /** Scores for requests this instance no longer (or never) had. */
  readonly orphanScores: number;
  /** Second scores from the same model version (redeliveries). */
  readonly duplicateScores: number;
  /** Replies that were not valid score envelopes (sent to the dead letter). */
  readonly invalidScores: number;
  /** Results published to the results stream (with `publishResults`). */
  readonly resultsPublished: number;
  /** Results that could not be published, after retries (with `publishResults`). */
  readonly resultPublishFailures: number;
}

interface Entry<I, O> {
  readonly box: Mailbox<I>;
  resolve(result: RendezvousResult<I, O>): void;
  reject(error: Error): void;
  result?: RendezvousResult<I, O>;
}

/** Default model discovery window of `start()`, in ms (see `RendezvousOptions.discoveryMs`). */
const DEFAULT_DISCOVERY_MS = 300;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The front end: publishes each request, keeps one {@link Mailbox} per request, drops each score
 * into its mailbox by request id, and lets the {@link RendezvousPolicy} decide when and with
 * which score to answer.
 *
 * @example
 * ```ts
 * const rendezvous = new Rendezvous({ transport, policy: latestVersion(), deadlineMs: 1000 });
 * await rendezvous.start();
 * const result = await rendezvous.request({ sepalLength: 5.1, sepalWidth: 3.5, petalLength: 1.4, petalWidth: 0.2 });
 * console.log(result.chosen?.model.name, result.chosen?.output);
 * await rendezvous.close();
 * ```
 */
export class Rendezvous<I = Json, O = Json> {
  private readonly transport: Transport;
  private readonly policy: RendezvousPolicy;
  private readonly deadlineMs: number;
  private readonly maxInFlight: number;
  private readonly discoveryMs: number;
  private readonly streams: StreamNames;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly publishRetry: Omit<RetryOptions, 'until' | 'clock'>;
  private readonly deadLetters: DeadLetters;
  private readonly entries = new Map<string, Entry<I, O>>();
  private readonly results = new Subject<RendezvousResult<I, O>>();
  private readonly counters: Mutable<Omit<RendezvousStats, 'inFlight' | 'openMailboxes'>> = {
    answered: 0,
    failed: 0,
    deadlineExceeded: 0,
    overloaded: 0,
    lateScores: 0,
    orphanScores: 0,
    duplicateScores: 0,
    invalidScores: 0,
    resultsPublished: 0,
    resultPublishFailures: 0,
  };
  private readonly publishResults: boolean;
  private readonly resultPublishRetry: Omit<RetryOptions, 'until' | 'clock'>;
  /** Result publishes in progress; `close()` waits for them. */
  private readonly publishing = new Set<Promise<void>>();
  private undecided = 0;
  private seq = 0;
  private channel: ReplyChannel | undefined;
  private subscriptions: Subscription[] = [];
  /**
   * new → starting → running → closing → closed. A failed start goes back to `new` (start()
   * may be called again); close() from any state wins over a start in progress.
   */
  private state: 'new' | 'starting' | 'running' | 'closing' | 'closed' = 'new';
  /** The start in progress, shared by concurrent start() calls. */
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  /** This instance's name; request ids start with it. */
  readonly instanceId: string;
  /** The live model registry this front end waits on. */
  readonly registry: ModelRegistry;
  /**
   * One record per decided request, emitted when its mailbox closes: once every model alive at
   * the decision has reported, or at the deadline. Includes late scores. Completes on `close()`.
   */
  readonly results$: Observable<RendezvousResult<I, O>> = this.results.asObservable();

  constructor(options: RendezvousOptions) {
    checkRendezvousOptions(options);
    this.transport = options.transport;
    this.policy = options.policy;
    this.deadlineMs = options.deadlineMs ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 10_000;
    this.discoveryMs = options.discoveryMs ?? DEFAULT_DISCOVERY_MS;
    this.streams = { ...DEFAULT_STREAMS, ...options.streams };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.publishRetry = options.publishRetry ?? {};
    this.publishResults = options.publishResults ?? false;
    this.resultPublishRetry = options.resultPublishRetry ?? {};
    this.instanceId = options.instanceId ?? `fe-${Math.random().toString(36).slice(2, 10)}`;
    this.deadLetters = new DeadLetters(
      this.transport,
      this.streams.deadLetter,
      `rendezvous ${this.instanceId}`,
      this.clock,
    );
    this.registry = new ModelRegistry({
      transport: this.transport,
      channel: this.streams.heartbeats,
      clock: this.clock,
      ...(options.missedHeartbeats === undefined
        ? {}
        : { missedHeartbeats: options.missedHeartbeats }),
    });
  }

  /**
   * Opens the return address, starts tracking live models and discovers the ones already
   * running: it resolves once the `discoveryMs` window is over, so the first request waits for
   * every live model version. Calls made while a start is in progress share it. If it fails
   * (the broker is not up yet), the front end is back where it was and `start()` may be called
   * again. If `close()` is called before it finishes, it resolves and the front end stays closed.
   */
  start(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'starting';
      const starting = this.open().finally(() => {
        if (this.starting === starting) this.starting = undefined;
      });
      this.starting = starting;
    }
    return this.starting ?? Promise.resolve();
  }

  private async open(): Promise<void> {
    let channel: ReplyChannel;
    try {
      channel = await this.transport.openReplyChannel();
    } catch (error) {
      if (this.state !== 'starting') return; // closed meanwhile: close() wins
      this.state = 'new';
      throw error;
    }
    if (this.state !== 'starting') {
      // close() was called while the channel was opening: release it and stay closed.
      await channel.close().catch(() => undefined);
      return;
    }
    this.channel = channel;
    this.subscriptions.push(
      this.channel.messages.subscribe({ next: (m) => this.onReply(m), error: () => undefined }),
      this.registry.changes$.subscribe((change) => {
        if (change.kind === 'left')
          for (const e of this.entries.values()) this.evaluate(e, 'registry');
      }),
    );
    this.registry.start();
    // close() during the window stops the registry, which ends the window at once.
    await this.registry.discover(this.discoveryMs);
    if (this.state === 'starting') this.state = 'running';
  }

  /**
   * Publishes a request to every model and resolves with the policy's choice.
   * Rejects with `DeadlineExceededError`, `NoUsableScoreError`, `OverloadedError`,
   * `TransportClosedError` or `InvalidInputError`.
   */
  request(input: I, options: RequestOptions = {}): Promise<RendezvousResult<I, O>> {
    if (this.state !== 'running') return Promise.reject(this.notRunning());
    if (this.undecided >= this.maxInFlight) {
      this.counters.overloaded++;
      return Promise.reject(new OverloadedError(this.maxInFlight));
    }
    const deadlineMs = options.deadlineMs ?? this.deadlineMs;
    if (!(deadlineMs > 0) || !Number.isFinite(deadlineMs)) {
      return Promise.reject(
        new InvalidInputError(`deadlineMs must be a positive finite number, got ${deadlineMs}`),
      );
    }
    const id = options.id ?? `${this.instanceId}-${(++this.seq).toString(36)}`;
    if (this.entries.has(id))
      return Promise.reject(new InvalidInputError(`request id ${id} is already in flight`));
    const now = this.clock.now();
    const envelope: RequestEnvelope<I> = {
      v: WIRE_VERSION,
      id,
      ts: now,
      deadline: now + deadlineMs,
      replyTo: this.channel!.address,
      input,
      meta: options.meta ?? {},
    };
    let payload: string;
    try {
      payload = encodeEnvelope(envelope);
      if (input === undefined) throw new Error('input is undefined');
    } catch (cause) {
      return Promise.reject(
        new InvalidInputError('request input must be JSON-serialisable', { cause }),
      );
    }
    const box = new Mailbox<I>(id, input, now, envelope.deadline, this.random());
    return new Promise<RendezvousResult<I, O>>((resolve, reject) => {
      const entry: Entry<I, O> = { box, resolve, reject };
      this.entries.set(id, entry);
      this.undecided++;
      // The deadline timer keeps the process alive: a caller awaiting only this request must
      // see it settle, whatever else (nothing, maybe) keeps the event loop running.
      box.deadlineTimer = this.clock.setTimeout(() => this.onDeadline(entry), deadlineMs, {
        keepAlive: true,
      });
      retryWithBackoff(() => this.transport.publish(this.streams.requests, { key: id, payload }), {
        ...this.publishRetry,
        until: envelope.deadline,
        clock: this.clock,
      }).catch((error: unknown) => {
        if (box.decided) return;
        this.settle(entry, undefined, toRendezvousError(error, 'CONNECTION_LOST', true), {
          policy: this.policy.name,
          reason: `publish failed: ${error instanceof Error ? error.message : String(error)}`,
          trigger: 'publish-failed',
        });
        this.finish(entry);
      });
    });
  }

  /** Counters for metrics. */
  stats(): RendezvousStats {
    return { ...this.counters, inFlight: this.undecided, openMailboxes: this.entries.size };
  }

  /**
   * Graceful shutdown: refuses new requests, waits for the ones in flight to be decided
   * (bounded by their deadlines), emits their results (and, with `publishResults`, waits until
   * they are published), completes `results$` and releases the return address. The transport
   * itself stays open; close it after.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private notRunning(): RendezvousError {
    if (this.state === 'new')
      return new NotStartedError(
        'rendezvous is not started: call `await rendezvous.start()` before `request()`',
      );
    if (this.state === 'starting')
      return new NotStartedError(
        'rendezvous is still starting (discovering live models): wait for `await rendezvous.start()` before `request()`',
      );
    return new TransportClosedError('rendezvous is closed');
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'closing';
    if (wasRunning && this.undecided > 0)
      await new Promise<void>((resolve) => (this.drained = resolve));
    for (const entry of [...this.entries.values()]) this.finish(entry);
    while (this.publishing.size > 0) await Promise.all(this.publishing);
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    this.registry.stop();
    await this.channel?.close().catch(() => undefined);
    this.results.complete();
    this.state = 'closed';
  }

  private onReply(message: IncomingMessage): void {
    const decoded = decodeScore(message.payload);
    if (!decoded.ok) {
      this.counters.invalidScores++;
      void this.deadLetters.send(message, decoded.error);
      return;
    }
    const score = decoded.value;
    const entry = this.entries.get(score.requestId);
    if (!entry) {
      this.counters.orphanScores++;
      return;
    }
    const box = entry.box;
    if (!box.add(score, this.clock.now())) {
      this.counters.duplicateScores++;
      return;
    }
    if (box.decided) {
      this.counters.lateScores++;
      if (box.complete()) this.finish(entry);
      return;
    }
    this.evaluate(entry, 'score');
  }

  private onDeadline(entry: Entry<I, O>): void {
    if (entry.box.decided) this.finish(entry);
    else this.evaluate(entry, 'deadline');
  }

  private evaluate(entry: Entry<I, O>, trigger: Decision['trigger']): void {
    const box = entry.box;
    if (box.decided) return;
    // Node fires a timer against its cached loop time, so `Date.now()` can still be a few ms
    // short of the time the timer was set for. A deadline or wake-up timer means that time has
    // come: never evaluate it as "not yet", or the request would wait with no timer left.
    let now = this.clock.now();
    if (trigger === 'deadline') now = Math.max(now, box.deadline);
    else if (trigger === 'wake' && box.wakeAt !== undefined) now = Math.max(now, box.wakeAt);
    const live = this.registry.live();
    let decision: PolicyDecision;
    try {
      decision = this.policy.decide({
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
    const decidedBy = (reason: string): Decision => ({ policy: this.policy.name, reason, trigger });
    if (decision.action === 'answer') {
      this.settle(entry, decision, undefined, decidedBy(decision.reason));
    } else if (decision.action === 'fail') {
      this.settle(
        entry,
        undefined,
        new NoUsableScoreError(decision.reason, { requestId: box.requestId }),
        decidedBy(decision.reason),
      );
    } else if (now >= box.deadline) {
      const reason =
        live.length === 0 && box.scores.length === 0
          ? `no model is live: no worker of any model answered a probe or sent a heartbeat on "${this.streams.heartbeats}"; start a ModelWorker on the same transport and stream names`
          : (decision.reason ?? 'no usable score before the deadline');
      const error = new DeadlineExceededError(`deadline exceeded: ${reason}`, now - box.startedAt, {
        requestId: box.requestId,
      });
      this.settle(entry, undefined, error, decidedBy(reason));
    } else if (
      decision.wakeAt !== undefined &&
      decision.wakeAt < box.deadline &&
      decision.wakeAt !== box.wakeAt
    ) {
      box.wakeTimer?.cancel();
      box.wakeAt = decision.wakeAt;
      box.wakeTimer = this.clock.setTimeout(
        () => this.evaluate(entry, 'wake'),
        decision.wakeAt - now,
      );
      return;
    } else {
      return;
    }
    if (box.complete() || now >= box.deadline) this.finish(entry);
  }

  private settle(
    entry: Entry<I, O>,
    answer: Extract<PolicyDecision, { action: 'answer' }> | undefined,
    error: RendezvousError | undefined,
    decidedBy: Decision,
  ): void {
    const box = entry.box;
    box.decided = true;
    box.wakeTimer?.cancel();
    box.wakeTimer = undefined;
    const live = this.registry.live();
    box.awaited = live;
    const now = this.clock.now();
    // Decided: the caller has its answer, so waiting for late scores must not keep the process
    // alive. Swap the keep-alive deadline timer for a plain one that closes the mailbox.
    box.deadlineTimer?.cancel();
    box.deadlineTimer =
      box.deadline > now
        ? this.clock.setTimeout(() => this.finish(entry), box.deadline - now)
        : undefined;
    const candidates = box.candidates(live) as RendezvousResult<I, O>['candidates'];
    const base = {
      requestId: box.requestId,
      input: box.input,
      candidates,
      late: [],
      decidedBy,
      startedAt: box.startedAt,
      decidedAt: now,
      latencyMs: now - box.startedAt,
    };
    this.undecided--;
    if (answer) {
      this.counters.answered++;
      const latencyMs = box.latencyOf(answer.score.model);
      entry.result = {
        ...base,
        status: 'answered',
        chosen: { model: answer.score.model, output: answer.score.output as O, latencyMs },
      };
      entry.resolve(entry.result);
    } else {
      this.counters.failed++;
      if (error?.code === 'DEADLINE_EXCEEDED') this.counters.deadlineExceeded++;
      const err =
        error ??
        new DeadlineExceededError('deadline exceeded', now - box.startedAt, {
          requestId: box.requestId,
        });
      entry.result = { ...base, status: 'failed', error: { code: err.code, message: err.message } };
      entry.reject(err);
    }
    if (this.undecided === 0 && this.drained) {
      const done = this.drained;
      this.drained = undefined;
      done();
    }
  }

  private finish(entry: Entry<I, O>): void {
    const box = entry.box;
    if (!this.entries.delete(box.requestId)) return;
    box.clearTimers();
    if (!entry.result) return;
    const result =
      box.late.length > 0
        ? { ...entry.result, late: box.lateCandidates() as RendezvousResult<I, O>['late'] }
        : entry.result;
    if (this.publishResults) this.publish(result);
    this.results.next(result);
  }

  /** Publishes a final result to the results stream; failures are counted, never thrown. */
  private publish(result: RendezvousResult<I, O>): void {
    let payload: string;
    try {
      const envelope: ResultEnvelope<I, O> = { v: WIRE_VERSION, ...result };
      payload = encodeEnvelope(envelope);
    } catch {
      this.counters.resultPublishFailures++;
      return;
    }
    const key = result.requestId;
    const done: Promise<void> = retryWithBackoff(
      () => this.transport.publish(this.streams.results, { key, payload }),
      { ...this.resultPublishRetry, clock: this.clock },
    ).then(
      () => {
        this.counters.resultsPublished++;
      },
      () => {
        this.counters.resultPublishFailures++;
      },
    );
    const tracked = done.finally(() => this.publishing.delete(tracked));
    this.publishing.add(tracked);
  }
}
