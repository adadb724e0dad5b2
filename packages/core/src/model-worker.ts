import { type Observable, Subject, type Subscription } from 'rxjs';
import { type Clock, systemClock, type Timer } from './clock.js';
import { DeadLetters } from './dead-letters.js';
import {
  decodeRequest,
  encodeEnvelope,
  type Json,
  type ModelIdentity,
  type RequestEnvelope,
  type ScoreEnvelope,
  WIRE_VERSION,
} from './envelopes.js';
import { ConfigurationError, PredictError, RendezvousError, toRendezvousError } from './errors.js';
import type { Heartbeat } from './heartbeat.js';
import { decodeHeartbeat } from './heartbeat.js';
import { modelKey } from './model-ref.js';
import { type RetryOptions, retryWithBackoff } from './retry.js';
import { DEFAULT_STREAMS, type Delivery, type StreamNames, type Transport } from './transport.js';

/**
 * What `predict` receives besides the input.
 *
 * @example
 * ```ts
 * predict: (input, ctx) => (ctx.signal.aborted ? 0 : model.predict(input))
 * ```
 */
export interface PredictContext {
  readonly requestId: string;
  /** Absolute deadline of the request (clock ms). */
  readonly deadline: number;
  readonly meta: Readonly<Record<string, string>>;
  /** Aborted when the prediction times out. */
  readonly signal: AbortSignal;
}

/**
 * Options of {@link ModelWorker}.
 *
 * @example
 * ```ts
 * const opts: ModelWorkerOptions<number[], number> = {
 *   transport, model: { name: 'dt', version: '1' }, predict: (x) => tree.predict([x])[0]!, concurrency: 8,
 * };
 * ```
 */
export interface ModelWorkerOptions<I = Json, O = Json> {
  readonly transport: Transport;
  /** The model version this worker serves; `instance` defaults to a random name. */
  readonly model: { readonly name: string; readonly version: string; readonly instance?: string };
  /** Scores one input. A throw, a rejection or a timeout becomes an error score. */
  readonly predict: (input: I, context: PredictContext) => O | Promise<O>;
  /** Checks and converts the wire input; a throw becomes an `INVALID_INPUT` error score. */
  readonly parseInput?: (input: Json) => I;
  /** Predictions running at once. Default 8. */
  readonly concurrency?: number;
  /** A prediction slower than this becomes a `PREDICT_TIMEOUT` error score. Default: none. */
  readonly predictTimeoutMs?: number;
  /** A request delivered more than this many times goes to the dead letter. Default 5. */
  readonly maxDeliveries?: number;
  /** Heartbeat period. Default 1000 ms. */
  readonly heartbeatIntervalMs?: number;
  /** Retries of a failed score send. */
  readonly replyRetry?: Omit<RetryOptions, 'clock'>;
  readonly streams?: Partial<StreamNames>;
  readonly clock?: Clock;
}

/**
 * Something that happened in a worker, for logs and metrics.
 *
 * @example
 * ```ts
 * worker.events$.subscribe((e) => e.type === 'error' && log.warn(e.error));
 * ```
 */
export type WorkerEvent =
  | {
      readonly type: 'scored';
      readonly requestId: string;
      readonly ok: boolean;
      readonly durationMs: number;
    }
  | { readonly type: 'skipped'; readonly requestId: string; readonly reason: 'deadline' }
  | { readonly type: 'dead-lettered'; readonly id: string; readonly reason: string }
  | { readonly type: 'error'; readonly error: RendezvousError };

/**
 * Counters of a worker, for metrics.
 *
 * @example
 * ```ts
 * expect(worker.stats().skippedExpired).toBe(1);
 * ```
 */
export interface ModelWorkerStats {
  readonly active: number;
  readonly scored: number;
  readonly failedPredictions: number;
  /** Requests already past their deadline, acknowledged without predicting. */
  readonly skippedExpired: number;
  readonly deadLettered: number;
  /** Scores that could not be sent (the request stays unacknowledged and is redelivered). */
  readonly replyFailures: number;
}

/**
 * Serves one model version: consumes the requests stream in the group `model:<name>@<version>`
 * (so every version sees every request and instances of a version share them), predicts with a
 * concurrency limit, sends each score to the request's return address, then acknowledges.
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
  private readonly predictFn: (input: I, context: PredictContext) => O | Promise<O>;
  private readonly parseInput: ((input: Json) => I) | undefined;
  private readonly concurrency: number;
  private readonly predictTimeoutMs: number | undefined;
  private readonly maxDeliveries: number;
  private readonly heartbeatIntervalMs: number;
  private readonly replyRetry: Omit<RetryOptions, 'clock'>;
  private readonly streams: StreamNames;
  private readonly clock: Clock;
  private readonly deadLetters: DeadLetters;
  private readonly events = new Subject<WorkerEvent>();
  private readonly counters = {
    active: 0,
    scored: 0,
    failedPredictions: 0,
    skippedExpired: 0,
    replyFailures: 0,
  };
  private consumer: Subscription | undefined;
  private probes: Subscription | undefined;
  private heartbeatTimer: Timer | undefined;
  private stopping = false;
  private waiting: (Delivery | undefined)[] = [];
  private waitingHead = 0;
  private idle: (() => void) | undefined;

  /** Events of this worker. Completes on `stop()`. */
  readonly events$: Observable<WorkerEvent> = this.events.asObservable();

  constructor(options: ModelWorkerOptions<I, O>) {
    this.transport = options.transport;
    this.model = {
      name: options.model.name,
      version: options.model.version,
      instance:
        options.model.instance ??
        `${options.model.name}-${options.model.version}-${Math.random().toString(36).slice(2, 8)}`,
    };
    if (!this.model.name || !this.model.version)
      throw new ConfigurationError('model.name and model.version are required');
    this.predictFn = options.predict;
    this.parseInput = options.parseInput;
    this.concurrency = options.concurrency ?? 8;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1)
      throw new ConfigurationError('concurrency must be a positive integer');
    this.predictTimeoutMs = options.predictTimeoutMs;
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
    this.replyRetry = options.replyRetry ?? {};
    this.streams = { ...DEFAULT_STREAMS, ...options.streams };
    this.clock = options.clock ?? systemClock;
    this.deadLetters = new DeadLetters(
      this.transport,
      this.streams.deadLetter,
      `worker ${modelKey(this.model)}`,
      this.clock,
    );
  }

  /** The consumer group of this model version. */
  get group(): string {
    return `model:${modelKey(this.model)}`;
  }

  /** Joins the group, starts heartbeats and answers front-end probes. */
  async start(): Promise<void> {
    if (this.consumer) return;
    this.stopping = false;
    await this.transport.ensureGroup(this.streams.requests, this.group);
    this.consumer = this.transport
      .consume(this.streams.requests, {
        group: this.group,
        consumer: this.model.instance,
        prefetch: this.concurrency * 2,
      })
      .subscribe({
        next: (delivery) => this.admit(delivery),
        error: (error: unknown) =>
          this.events.next({
            type: 'error',
            error: toRendezvousError(error, 'CONNECTION_LOST', true),
          }),
      });
    this.probes = this.transport.listen(this.streams.heartbeats).subscribe({
      next: (m) => {
        const hb = decodeHeartbeat(m.payload);
        if (!(hb instanceof Error) && hb.kind === 'probe') void this.heartbeat('alive');
      },
      error: () => undefined,
    });
    const beat = (): void => {
      void this.heartbeat('alive');
      this.heartbeatTimer = this.clock.setTimeout(beat, this.heartbeatIntervalMs);
    };
    beat();
  }

  /** Counters for metrics. */
  stats(): ModelWorkerStats {
    return { ...this.counters, deadLettered: this.deadLetters.count };
  }

  /**
   * Graceful stop: takes no new requests, finishes the predictions it started (sending and
   * acknowledging their scores), announces that it leaves, then leaves the group. Requests it
   * had received but not started stay unacknowledged and go to another member.
   */
  async stop(): Promise<void> {
    if (!this.consumer || this.stopping) return;
    this.stopping = true;
    this.heartbeatTimer?.cancel();
    this.waiting = []; // not started: left unacknowledged, redelivered to another member
    this.waitingHead = 0;
    if (this.counters.active > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    this.consumer.unsubscribe();
    this.consumer = undefined;
    this.probes?.unsubscribe();
    await this.heartbeat('leaving');
    this.events.complete();
  }

  private heartbeat(kind: 'alive' | 'leaving'): Promise<void> {
    const hb: Heartbeat = {
      v: WIRE_VERSION,
      kind,
      model: this.model,
      intervalMs: this.heartbeatIntervalMs,
      ts: this.clock.now(),
    };
    return this.transport
      .broadcast(this.streams.heartbeats, JSON.stringify(hb))
      .catch(() => undefined);
  }

  /**
   * Runs a delivery now if a concurrency slot is free, or queues it. The queue is bounded by the
   * transport's prefetch (twice the concurrency), so it never grows without limit. A counter and
   * a small FIFO are used instead of `mergeMap`, whose per-delivery inner subscriptions and
   * linear removal showed up in profiles.
   */
  private admit(delivery: Delivery): void {
    if (this.stopping) return; // left unacknowledged: redelivered to another member
    if (this.counters.active < this.concurrency) this.run(delivery);
    else this.waiting.push(delivery);
  }

  private run(delivery: Delivery): void {
    this.counters.active++;
    this.process(delivery).then(
      () => this.release(),
      (error: unknown) => {
        this.events.next({
          type: 'error',
          error: toRendezvousError(error, 'CONNECTION_LOST', true),
        });
        this.release();
      },
    );
  }

  private release(): void {
    this.counters.active--;
    const next = this.stopping ? undefined : this.waiting[this.waitingHead];
    if (next) {
      this.waiting[this.waitingHead++] = undefined;
      if (this.waitingHead === this.waiting.length) {
        this.waiting = [];
        this.waitingHead = 0;
      }
      this.run(next);
      return;
    }
    if (this.counters.active === 0 && this.idle) {
      const done = this.idle;
      this.idle = undefined;
      done();
    }
  }

  private async process(delivery: Delivery): Promise<void> {
    const receivedAt = this.clock.now();
    const decoded = decodeRequest(delivery.payload);
    if (!decoded.ok) return this.deadLetter(delivery, decoded.error);
    if (delivery.deliveryCount > this.maxDeliveries) {
      return this.deadLetter(
        delivery,
        new RendezvousError(
          'REDELIVERY_LIMIT',
          `delivered ${delivery.deliveryCount} times (max ${this.maxDeliveries})`,
        ),
      );
    }
    const request = decoded.value;
    if (receivedAt >= request.deadline) {
      this.counters.skippedExpired++;
      this.events.next({ type: 'skipped', requestId: request.id, reason: 'deadline' });
      await delivery.ack();
      return;
    }
    const score = await this.score(request, receivedAt);
    try {
      await retryWithBackoff(
        () =>
          this.transport.reply(request.replyTo, {
            key: request.id,
            payload: encodeEnvelope(score),
          }),
        {
          clock: this.clock,
          ...this.replyRetry,
        },
      );
    } catch (error) {
      this.counters.replyFailures++;
      this.events.next({ type: 'error', error: toRendezvousError(error, 'CONNECTION_LOST', true) });
      return; // not acknowledged: it will be delivered again
    }
    await delivery.ack();
    this.counters.scored++;
    this.events.next({
      type: 'scored',
      requestId: request.id,
      ok: score.ok,
      durationMs: score.finishedAt - score.startedAt,
    });
  }

  private async deadLetter(delivery: Delivery, error: RendezvousError): Promise<void> {
    await this.deadLetters.send(delivery, error);
    this.events.next({ type: 'dead-lettered', id: delivery.id, reason: error.message });
    await delivery.ack();
  }

  private async score(request: RequestEnvelope, receivedAt: number): Promise<ScoreEnvelope> {
    const startedAt = this.clock.now();
    const base = {
      v: WIRE_VERSION,
      requestId: request.id,
      model: this.model,
      receivedAt,
      startedAt,
    } as const;
    try {
      const output = await this.predictWithTimeout(request);
      return { ...base, finishedAt: this.clock.now(), ok: true, output: output as Json };
    } catch (error) {
      this.counters.failedPredictions++;
      const e =
        error instanceof RendezvousError
          ? error
          : new PredictError(
              'PREDICT_FAILED',
              error instanceof Error ? error.message : String(error),
              { cause: error },
            );
      return {
        ...base,
        finishedAt: this.clock.now(),
        ok: false,
        error: { code: e.code, message: e.message },
      };
    }
  }

  private predictWithTimeout(request: RequestEnvelope): Promise<O> {
    // The AbortController is created only if predict reads `signal` (it costs an allocation
    // and listeners on the hot path).
    let controller: AbortController | undefined;
    const context: PredictContext = {
      requestId: request.id,
      deadline: request.deadline,
      meta: request.meta,
      get signal(): AbortSignal {
        controller ??= new AbortController();
        return controller.signal;
      },
    };
    const run = async (): Promise<O> => {
      let input: I;
      try {
        input = this.parseInput ? this.parseInput(request.input) : (request.input as I);
      } catch (error) {
        throw new RendezvousError(
          'INVALID_INPUT',
          error instanceof Error ? error.message : String(error),
          { cause: error },
        );
      }
      return this.predictFn(input, context);
    };
    const timeoutMs = this.predictTimeoutMs;
    if (timeoutMs === undefined) return run();
    return new Promise<O>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        controller?.abort();
        reject(new PredictError('PREDICT_TIMEOUT', `predict took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      run().then(
        (v) => {
          timer.cancel();
          resolve(v);
        },
        (e: unknown) => {
          timer.cancel();
          reject(e);
        },
      );
    });
  }
}
