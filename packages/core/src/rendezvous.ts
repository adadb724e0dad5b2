import { type Observable, Subject, type Subscription } from 'rxjs';
import { buildRequest, type RequestInstrumentation } from './build-request.js';
import { type Clock, systemClock } from './clock.js';
import { combineInstrumentation } from './combine-instrumentation.js';
import { DeadLetters } from './dead-letters.js';
import {
  InvalidInputError,
  OverloadedError,
  type RendezvousError,
  toRendezvousError,
} from './errors.js';
import { Lifecycle } from './lifecycle.js';
import { LivePolicy } from './live-policy.js';
import { Mailbox } from './mailbox.js';
import { ModelRegistry } from './model-registry.js';
import { PendingRequest, type PendingRequestHost } from './pending-request.js';
import type { RendezvousPolicy } from './policy.js';
import type { PolicySpec } from './policy-spec.js';
import { type Rejection, Rejections } from './rejections.js';
import {
  checkRendezvousOptions,
  type RendezvousOptions,
  type RequestOptions,
} from './rendezvous-options.js';
import { notRunningError } from './rendezvous-state.js';
import { type RendezvousStats, zeroCounters } from './rendezvous-stats.js';
import type { RendezvousResult } from './result.js';
import { ResultPublisher } from './result-publisher.js';
import { type RetryOptions, retryWithBackoff } from './retry.js';
import { ReturnAddress } from './return-address.js';
import { resolveStreams } from './stream-names.js';
import type { IncomingMessage, StreamNames, Transport } from './transport.js';
import type { Json } from './wire/json.js';
import { decodeScoreMessage } from './wire/score.js';

export type { RendezvousOptions, RequestOptions } from './rendezvous-options.js';
export type { RendezvousStats } from './rendezvous-stats.js';

/** Default model discovery window of `start()`, in ms (see `RendezvousOptions.discoveryMs`). */
const DEFAULT_DISCOVERY_MS = 300;

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
 * await rendezvous.stop();
 * ```
 */
export class Rendezvous<I = Json, O = Json> {
  private readonly transport: Transport;
  private readonly livePolicy: LivePolicy;
  private readonly deadlineMs: number;
  private readonly maxInFlight: number;
  private readonly discoveryMs: number;
  private readonly streams: StreamNames;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly publishRetry: Omit<RetryOptions, 'until' | 'clock'>;
  private readonly deadLetters: DeadLetters;
  /** Undefined without `instrumentation`: then no hook object is built per request. */
  private readonly instrumented: RequestInstrumentation | undefined;
  private readonly entries = new Map<string, PendingRequest<I, O>>();
  private readonly host: PendingRequestHost<I, O>;
  private readonly results = new Subject<RendezvousResult<I, O>>();
  private readonly counters = zeroCounters();
  private readonly rejected = new Rejections();
  /** With `publishResults`: publishes final results; `stop()` waits for it. */
  private readonly publisher: ResultPublisher | undefined;
  private undecided = 0;
  private seq = 0;
  private readonly returnAddress: ReturnAddress;
  private subscriptions: Subscription[] = [];
  private readonly lifecycle = new Lifecycle('rendezvous', 'Rendezvous');
  private drained: (() => void) | undefined;

  /** This instance's name; request ids start with it. */
  readonly instanceId: string;
  /** The live model registry this front end waits on. */
  readonly registry: ModelRegistry;
  /**
   * One record per decided request, emitted when its mailbox closes: once every model alive at
   * the decision has reported, or at the deadline. Includes late scores. Completes on `stop()`.
   */
  readonly results$: Observable<RendezvousResult<I, O>> = this.results.asObservable();
  /**
   * Every score and heartbeat this front end received and could not use, with the reason (a
   * foreign worker's mistakes show here; scores are also dead-lettered). Completes on `stop()`.
   */
  readonly rejections$: Observable<Rejection> = this.rejected.rejections$;

  constructor(options: RendezvousOptions) {
    checkRendezvousOptions(options);
    this.transport = options.transport;
    this.deadlineMs = options.deadlineMs ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 10_000;
    this.discoveryMs = options.discoveryMs ?? DEFAULT_DISCOVERY_MS;
    this.streams = resolveStreams('rendezvous', options.streams);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.publishRetry = options.publishRetry ?? {};
    const resultRetry = options.resultPublishRetry ?? {};
    this.publisher = options.publishResults
      ? new ResultPublisher(this.transport, this.streams.results, resultRetry, this.clock)
      : undefined;
    this.instanceId = options.instanceId ?? `fe-${Math.random().toString(36).slice(2, 10)}`;
    const instrumentation = combineInstrumentation(options.instrumentation);
    const activePolicy = () => this.livePolicy.active;
    const frontEnd = this.instanceId;
    this.instrumented = instrumentation && { instrumentation, frontEnd, activePolicy };
    this.livePolicy = new LivePolicy(options.policy, options.control, {
      ...{ transport: this.transport, clock: this.clock, instance: this.instanceId },
      channel: this.streams.control,
    });
    this.host = {
      activePolicy,
      clock: this.clock,
      live: (asOf) => this.registry.live(asOf),
      noLiveModel: `no model is live: no worker of any model answered a probe or sent a heartbeat on "${this.streams.heartbeats}"; start a ModelWorker on the same transport and stream names${this.transport.capabilities.multiProcess ? '' : ` (the ${this.transport.name} transport is in-process: give the workers this transport instance, or transports sharing its broker)`}`,
      decided: (_pending, error) => this.onDecided(error),
      closed: (pending, result) => this.onClosed(pending, result),
      recordWanted: () => this.publisher !== undefined || this.results.observed,
    };
    this.deadLetters = new DeadLetters(
      this.transport,
      this.streams.deadLetter,
      `rendezvous ${this.instanceId}`,
      this.clock,
    );
    this.returnAddress = new ReturnAddress(this.transport, this.clock, (m) => this.onReply(m));
    this.registry = new ModelRegistry({
      transport: this.transport,
      channel: this.streams.heartbeats,
      clock: this.clock,
      rejections: this.rejected,
      ...(options.missedHeartbeats === undefined
        ? {}
        : { missedHeartbeats: options.missedHeartbeats }),
    });
  }

  /**
   * Replaces the policy for new requests; requests in flight keep theirs. A {@link PolicySpec}
   * is validated whole first (`ConfigurationError`, nothing changed). With `control`, reported.
   *
   * @example
   * ```ts
   * rendezvous.setPolicy({ policy: 'split', weights: { 'dt@2': 0.1, 'dt@1': 0.9 } }, { version: 2 });
   * ```
   */
  setPolicy(policy: RendezvousPolicy | PolicySpec, options: { version?: number } = {}): void {
    this.livePolicy.set(policy, options.version);
  }

  /**
   * The policy new requests start with, and its version (`undefined` if never given one).
   *
   * @example
   * ```ts
   * rendezvous.policy(); // { name: 'split(dt@2:0.1,dt@1:0.9)', version: 2 }
   * ```
   */
  policy(): { readonly name: string; readonly version: number | undefined } {
    const { policy, version } = this.livePolicy.active;
    return { name: policy.name, version };
  }

  /**
   * Opens the return address, starts tracking live models and discovers the ones already
   * running: it resolves once the `discoveryMs` window is over, so the first request waits for
   * every live model version. Calls made while a start is in progress share it. If it fails
   * (the broker is not up yet), the front end is back where it was and `start()` may be called
   * again. If `stop()` is called before it finishes, it resolves and the front end stays
   * stopped. A stopped front end cannot start again (rejects with `NotStartedError`).
   */
  start(): Promise<void> {
    return this.lifecycle.start(() => this.open());
  }

  private async open(): Promise<void> {
    await this.returnAddress.open();
    if (this.lifecycle.stopRequested) return; // stop() won: it releases the address
    this.subscriptions.push(
      this.registry.changes$.subscribe((change) => {
        if (change.kind === 'left') for (const p of this.entries.values()) p.evaluate('registry');
      }),
    );
    this.registry.start();
    // stop() ends both windows at once. With `control`, it adopts what the others run.
    await Promise.all([
      this.registry.discover(this.discoveryMs),
      this.livePolicy.start(this.discoveryMs),
    ]);
  }

  /**
   * Publishes a request to every model and resolves with the policy's choice.
   * Rejects with `DeadlineExceededError`, `NoUsableScoreError`, `OverloadedError`,
   * `TransportClosedError` or `InvalidInputError`.
   */
  request(input: I, options: RequestOptions = {}): Promise<RendezvousResult<I, O>> {
    const state = this.lifecycle.state;
    if (state !== 'running') return Promise.reject(notRunningError(state));
    if (this.returnAddress.lost) return Promise.reject(this.returnAddress.lost);
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
    const replyTo = this.returnAddress.address;
    const meta = options.meta ?? {};
    const { envelopes } = this.transport.capabilities; // true: sealed, not encoded
    const fields = { id, now, deadlineMs, replyTo, input, meta, envelopes };
    const built = buildRequest(fields, this.instrumented);
    if (built instanceof InvalidInputError) return Promise.reject(built);
    const { envelope, message, hooks } = built;
    const box = new Mailbox<I>(id, input, now, envelope.deadline, this.random());
    return new Promise<RendezvousResult<I, O>>((resolve, reject) => {
      const pending = new PendingRequest<I, O>(this.host, box, resolve, reject, hooks);
      this.entries.set(id, pending);
      this.undecided++;
      retryWithBackoff(() => this.transport.publish(this.streams.requests, message), {
        ...this.publishRetry,
        until: envelope.deadline,
        clock: this.clock,
      }).catch((error: unknown) => {
        const reason = `publish failed: ${error instanceof Error ? error.message : String(error)}`;
        pending.fail(toRendezvousError(error, 'CONNECTION_LOST', true), reason, 'publish-failed');
      });
    });
  }

  /** Counters for metrics. */
  stats(): RendezvousStats {
    return {
      ...this.counters,
      inFlight: this.undecided,
      openMailboxes: this.entries.size,
      resultsPublished: this.publisher?.published ?? 0,
      resultPublishFailures: this.publisher?.failures ?? 0,
      replyChannelLosses: this.returnAddress.losses,
      invalidHeartbeats: this.rejected.count('heartbeat'),
    };
  }

  /**
   * Graceful shutdown: refuses new requests, waits for the ones in flight to be decided
   * (bounded by their deadlines), emits their results (and, with `publishResults`, waits until
   * they are published), completes `results$` and releases the return address. Wins over a
   * `start()` in progress (its discovery window ends at once). The transport itself stays open;
   * close it after. Idempotent.
   */
  stop(): Promise<void> {
    return this.lifecycle.stop(
      (was) => this.shutdown(was === 'running'),
      () => {
        this.livePolicy.stop();
        this.registry.stop();
      },
    );
  }

  /**
   * The former name of {@link Rendezvous.stop}: components are started and stopped, resources
   * (a transport, a sink) are closed.
   *
   * @deprecated Use `stop()`; `close()` will be removed in the next minor version.
   */
  close(): Promise<void> {
    return this.stop();
  }

  private async shutdown(wasRunning: boolean): Promise<void> {
    if (wasRunning && this.undecided > 0)
      await new Promise<void>((resolve) => (this.drained = resolve));
    for (const pending of [...this.entries.values()]) pending.close();
    await this.publisher?.drain();
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    this.livePolicy.stop();
    this.registry.stop();
    await this.returnAddress.close();
    this.results.complete();
    this.rejected.complete();
  }

  private onReply(message: IncomingMessage): void {
    const decoded = decodeScoreMessage(message);
    if (!decoded.ok) {
      this.counters.invalidScores++;
      this.rejected.report('score', message.payload, decoded.error, this.clock.now());
      void this.deadLetters.send(message, decoded.error);
      return;
    }
    const score = decoded.value;
    const pending = this.entries.get(score.requestId);
    if (!pending) {
      this.counters.orphanScores++;
      return;
    }
    const outcome = pending.score(score);
    if (outcome === 'duplicate') this.counters.duplicateScores++;
    else if (outcome === 'late') this.counters.lateScores++;
  }

  private onDecided(error: RendezvousError | undefined): void {
    this.undecided--;
    if (!error) this.counters.answered++;
    else {
      this.counters.failed++;
      if (error.code === 'DEADLINE_EXCEEDED') this.counters.deadlineExceeded++;
    }
    if (this.undecided === 0 && this.drained) {
      const done = this.drained;
      this.drained = undefined;
      done();
    }
  }

  private onClosed(
    pending: PendingRequest<I, O>,
    result: RendezvousResult<I, O> | undefined,
  ): void {
    if (!this.entries.delete(pending.box.requestId) || !result) return;
    this.publisher?.publish(result);
    this.results.next(result);
  }
}
