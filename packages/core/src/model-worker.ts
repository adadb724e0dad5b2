import { type Observable, Subject } from 'rxjs';
import { type Clock, systemClock } from './clock.js';
import { type CombinedInstrumentation, combineInstrumentation } from './combine-instrumentation.js';
import { DeadLetters } from './dead-letters.js';
import { RendezvousError, toRendezvousError } from './errors.js';
import { Lifecycle } from './lifecycle.js';
import { modelKey } from './model-ref.js';
import { resolveStreams } from './stream-names.js';
import type { Delivery, StreamNames, Transport } from './transport.js';
import type { Decoded } from './wire/decoded.js';
import type { Json } from './wire/json.js';
import type { ModelIdentity } from './wire/model-identity.js';
import { decodeRequestMessage, type RequestEnvelope } from './wire/request.js';
import { type Answering, answer } from './worker/answer.js';
import { DeliverySettler } from './worker/delivery-settler.js';
import { GroupMembership } from './worker/group-membership.js';
import type { ModelWorkerOptions } from './worker/model-worker-options.js';
import {
  type BudgetedPrediction,
  isThenable,
  predictWithinBudget,
} from './worker/predict-within-budget.js';
import { RetireListener } from './worker/retire-listener.js';
import { validateWorkerOptions } from './worker/validate-worker-options.js';
import { WaitingQueue } from './worker/waiting-queue.js';
import { zeroWorkerCounters } from './worker/worker-counters.js';
import type { ModelWorkerStats, WorkerEvent } from './worker/worker-event.js';
import { WorkerHeartbeats } from './worker/worker-heartbeats.js';

export type { ModelWorkerOptions, PredictContext } from './worker/model-worker-options.js';
export type { ModelWorkerStats, WorkerEvent } from './worker/worker-event.js';

/** A delivery and what the worker read from it on arrival. */
interface Job {
  readonly delivery: Delivery;
  readonly request: Decoded<RequestEnvelope>;
  readonly receivedAt: number;
}

/**
 * Serves one model version: consumes the requests stream in the group `model:<name>@<version>`
 * (so every version sees every request and instances of a version share them), predicts with a
 * concurrency limit, sends each score to the request's return address, then acknowledges.
 *
 * Every delivery ends, within a bounded time, in an ack (scored, skipped, expired or
 * dead-lettered) or a `release` (a score that could not be sent, handed back for redelivery):
 * a worker that is alive never holds a request for ever.
 *
 * @example
 * ```ts
 * const worker = new ModelWorker({ transport, model: { name: 'dt', version: '1' }, predict: (x: number[]) => tree.predict([x])[0]! });
 * await worker.start();
 * // ...
 * await worker.stop(); // finishes what it started, then leaves the group
 * ```
 */
export class ModelWorker<I = Json, O = Json> {
  readonly model: ModelIdentity;
  private readonly transport: Transport;
  /** Everything a prediction needs but its request. */
  private readonly prediction: Omit<BudgetedPrediction<I, O>, 'request'>;
  private readonly concurrency: number;
  private readonly maxDeliveries: number;
  private readonly streams: StreamNames;
  private readonly clock: Clock;
  private readonly deadLetters: DeadLetters;
  /** Undefined without `instrumentation`: then no hook object is built per prediction. */
  private readonly instrumentation: CombinedInstrumentation | undefined;
  private readonly events = new Subject<WorkerEvent>();
  private readonly counters = zeroWorkerCounters();
  private readonly lifecycle: Lifecycle;
  private readonly heartbeats: WorkerHeartbeats;
  private readonly membership: GroupMembership;
  private readonly waiting: WaitingQueue<Job>;
  private readonly settler: DeliverySettler;
  /** What {@link answer} needs of this worker. */
  private readonly answering: Answering;
  /** With `retirable` (the default): drains on a `retire` message for this version. */
  private readonly retire: RetireListener | undefined;
  /** Jobs in progress, with or without a slot; `stop()` waits until it is 0. */
  private pending = 0;
  private idle: (() => void) | undefined;

  /** Events of this worker. Completes on `stop()`. */
  readonly events$: Observable<WorkerEvent> = this.events.asObservable();

  constructor(options: ModelWorkerOptions<I, O>) {
    validateWorkerOptions(options);
    this.transport = options.transport;
    const { name, version, instance } = options.model;
    this.model = {
      name,
      version,
      instance: instance ?? `${name}-${version}-${Math.random().toString(36).slice(2, 8)}`,
    };
    this.concurrency = options.concurrency ?? 8;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.streams = resolveStreams('model worker', options.streams);
    this.clock = options.clock ?? systemClock;
    this.lifecycle = new Lifecycle(`worker ${modelKey(this.model)}`, 'ModelWorker');
    const { predict, parseInput, predictTimeoutMs } = options;
    this.prediction = { predict, parseInput, predictTimeoutMs, clock: this.clock };
    this.instrumentation = combineInstrumentation(options.instrumentation);
    this.waiting = new WaitingQueue(this.clock);
    this.settler = new DeliverySettler(this.clock, options.replyRetry ?? {}, (e) =>
      this.emitError(e),
    );
    this.answering = {
      ...{ transport: this.transport, settler: this.settler, clock: this.clock },
      ...{ model: this.model, counters: this.counters },
      event: (e) => this.events.next(e),
    };
    this.heartbeats = new WorkerHeartbeats(
      this.transport,
      this.streams.heartbeats,
      this.model,
      options.heartbeatIntervalMs ?? 1000,
      this.clock,
    );
    this.membership = new GroupMembership(
      this.transport,
      this.streams.requests,
      { group: this.group, consumer: this.model.instance, prefetch: this.concurrency * 2 },
      this.heartbeats,
      this.clock,
      {
        deliver: (delivery) => this.admit(delivery),
        error: (error) => this.events.next({ type: 'error', error }),
      },
      `worker ${modelKey(this.model)} (${this.model.instance})`,
    );
    this.deadLetters = new DeadLetters(
      this.transport,
      this.streams.deadLetter,
      `worker ${modelKey(this.model)}`,
      this.clock,
    );
    const { control } = this.streams;
    const retire = (ts: number) => void this.drain('retire', ts);
    if (options.retirable !== false)
      this.retire = new RetireListener(this.transport, control, this.model, retire, (e) =>
        this.emitError(e),
      );
  }

  /** The consumer group of this model version. */
  get group(): string {
    return `model:${modelKey(this.model)}`;
  }

  /**
   * Joins the group, starts heartbeats and answers front-end probes. Calling it again while it
   * runs returns the same promise. If it fails, nothing was joined and it can be called again.
   * If `stop()` is called meanwhile, the stop wins: this resolves and the worker never joins.
   * A stopped worker cannot start again (rejects with `NotStartedError`).
   */
  start(): Promise<void> {
    return this.lifecycle.start(() => this.join());
  }

  /** Counters for metrics. */
  stats(): ModelWorkerStats {
    return {
      ...this.counters,
      deadLettered: this.deadLetters.count,
      consumerLosses: this.membership.lostCount,
    };
  }

  /**
   * Graceful stop (a drain), in this order: announces `leaving` at once (front ends stop waiting
   * for this instance; if it was its version's last one, their requests in flight are decided
   * again without it), takes no new requests, waits for the predictions it started (each at most
   * until its time budget ends, see {@link ModelWorkerOptions}) and their score sends, then
   * leaves the group. Requests it had received but not started stay unacknowledged and go to
   * another member. A `retire` message for this version on the control channel does the same.
   * Calling it again returns the same promise.
   */
  stop(): Promise<void> {
    return this.drain('stop');
  }

  private drain(reason: 'stop' | 'retire', retireTs?: number): Promise<void> {
    // admit() takes nothing new from the call on; a start in progress settles first.
    return this.lifecycle.stop((was) => this.leave(was === 'running', reason, retireTs));
  }

  /** A failure (ensureGroup, or a consume that throws) leaves nothing joined: retryable. */
  private async join(): Promise<void> {
    await this.transport.ensureGroup(this.streams.requests, this.group);
    // Before subscribing, as a transport may deliver synchronously; false if stop() won.
    if (!this.lifecycle.enterRunning()) return;
    // Heartbeats start here, after ensureGroup resolved: a front end that sees this instance
    // at t can count on it receiving every request published after t.
    this.membership.join();
    this.retire?.start();
  }

  private async leave(wasRunning: boolean, reason: 'stop' | 'retire', retireTs?: number) {
    this.retire?.stop();
    if (wasRunning) {
      this.waiting.clear(); // not started: left unacknowledged, redelivered to another member
      const inFlight = this.pending;
      this.events.next({
        type: 'draining',
        reason,
        inFlight,
        ...(retireTs === undefined ? {} : { retireTs }),
      });
      // `leaving` goes out first; not awaited yet, so a slow broadcast cannot hold the drain.
      const announced = this.membership.drain();
      if (this.pending > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      this.membership.leave();
      await announced;
      await this.heartbeats.leaving(); // again: an `alive` sent just before may arrive after
    }
    this.events.complete();
  }

  /**
   * Runs a delivery now if a concurrency slot is free, or queues it until one frees or its
   * deadline passes. The queue is bounded by the transport's prefetch (twice the concurrency).
   */
  private admit(delivery: Delivery): void {
    if (!this.lifecycle.running) return; // left unacknowledged: redelivered to another member
    const job: Job = {
      delivery,
      request: decodeRequestMessage(delivery),
      receivedAt: this.clock.now(),
    };
    const deadline = job.request.ok ? job.request.value.deadline : undefined;
    if (this.counters.active < this.concurrency) this.run(job, true);
    else if (deadline !== undefined && job.receivedAt >= deadline) this.run(job, false);
    else this.waiting.push(job, deadline, (expired) => this.run(expired, false));
  }

  /** Handles a job; with `slot`, it holds a concurrency slot until it ends. Never rejects. */
  private run(job: Job, slot: boolean): void {
    this.pending++;
    if (slot) this.counters.active++;
    const done = (): void => this.finished(slot);
    let handled: Promise<void>;
    try {
      handled = this.handle(job);
    } catch (error) {
      handled = Promise.reject(error);
    }
    handled.then(done, (error: unknown) => {
      this.emitError(error);
      done();
    });
  }

  private finished(slot: boolean): void {
    this.pending--;
    if (slot) {
      this.counters.active--;
      const next = this.lifecycle.running ? this.waiting.shift() : undefined;
      if (next) {
        this.run(next, true);
        return;
      }
    }
    if (this.pending === 0 && this.idle) {
      const resolve = this.idle;
      this.idle = undefined;
      resolve();
    }
  }

  /**
   * The fast path: no async frame. A synchronous `predict` goes decode → predict → score →
   * reply → ack on the reply's promise chain alone; an asynchronous one adds its own promise.
   */
  private handle({ delivery, request: decoded, receivedAt }: Job): Promise<void> {
    if (!decoded.ok) return this.deadLetter(delivery, decoded.error);
    if (delivery.deliveryCount > this.maxDeliveries) {
      const why = `delivered ${delivery.deliveryCount} times (max ${this.maxDeliveries})`;
      return this.deadLetter(delivery, new RendezvousError('REDELIVERY_LIMIT', why));
    }
    const request = decoded.value;
    const startedAt = this.clock.now();
    if (startedAt >= request.deadline) {
      this.counters.skippedExpired++;
      this.events.next({ type: 'skipped', requestId: request.id, reason: 'deadline' });
      return this.settler.ack(delivery);
    }
    const hooks = this.instrumentation?.prediction({
      requestId: request.id,
      model: this.model,
      meta: request.meta,
      receivedAt,
      startedAt,
      deliveryCount: delivery.deliveryCount,
    });
    const outcome = predictWithinBudget({ ...this.prediction, request, hooks });
    const answered = { delivery, request, hooks, receivedAt, startedAt };
    return isThenable(outcome)
      ? outcome.then((o) => answer(this.answering, answered, o))
      : answer(this.answering, answered, outcome);
  }

  private async deadLetter(delivery: Delivery, error: RendezvousError): Promise<void> {
    await this.deadLetters.send(delivery, error);
    this.events.next({ type: 'dead-lettered', id: delivery.id, reason: error.message });
    await this.settler.ack(delivery);
  }

  private emitError(error: unknown): void {
    this.events.next({ type: 'error', error: toRendezvousError(error, 'CONNECTION_LOST', true) });
  }
}
