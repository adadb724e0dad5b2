import { type Observable, Subject, type Subscription } from 'rxjs';
import { type Clock, systemClock, type Timer } from './clock.js';
import { decodeHeartbeat } from './heartbeat.js';
import { type ModelRef, modelKey } from './model-ref.js';
import { DEFAULT_STREAMS, type Transport } from './transport.js';

/**
 * Options of {@link ModelRegistry}.
 *
 * @example
 * ```ts
 * const opts: ModelRegistryOptions = { transport, missedHeartbeats: 3 };
 * ```
 */
export interface ModelRegistryOptions {
  readonly transport: Transport;
  /** Heartbeat channel. Default `heartbeats`. */
  readonly channel?: string;
  /** An instance is silent after this many heartbeat intervals without one. Default 3. */
  readonly missedHeartbeats?: number;
  readonly clock?: Clock;
}

/**
 * A change in the set of live model versions.
 *
 * @example
 * ```ts
 * registry.changes$.subscribe((c) => console.log(c.kind, c.model));
 * ```
 */
export interface RegistryChange {
  readonly kind: 'joined' | 'left';
  readonly model: ModelRef;
}

/**
 * The live model registry: which model versions have at least one worker instance that sent a
 * heartbeat recently. The front end waits only for these.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry({ transport });
 * registry.start();
 * registry.live(); // [{ name: 'dt', version: '1' }, ...]
 * ```
 */
export class ModelRegistry {
  private readonly transport: Transport;
  private readonly channel: string;
  private readonly missed: number;
  private readonly clock: Clock;
  /** model key → instance → expiry timer */
  private readonly instances = new Map<string, Map<string, Timer>>();
  private readonly models = new Map<string, ModelRef>();
  private snapshot: readonly ModelRef[] = [];
  private readonly changes = new Subject<RegistryChange>();
  private subscription: Subscription | undefined;
  private discovery: { timer: Timer | undefined; done: () => void } | undefined;

  /** Joins and departures of model versions. */
  readonly changes$: Observable<RegistryChange> = this.changes.asObservable();

  constructor(options: ModelRegistryOptions) {
    this.transport = options.transport;
    this.channel = options.channel ?? DEFAULT_STREAMS.heartbeats;
    this.missed = options.missedHeartbeats ?? 3;
    this.clock = options.clock ?? systemClock;
  }

  /** Starts listening, and asks running workers to announce themselves. */
  start(): void {
    if (this.subscription) return;
    this.subscription = this.transport.listen(this.channel).subscribe({
      next: (message) => {
        const hb = decodeHeartbeat(message.payload);
        if (hb instanceof Error || hb.kind === 'probe') return;
        if (hb.kind === 'alive') this.alive(hb.model, hb.intervalMs * this.missed);
        else this.gone(modelKey(hb.model), hb.model.instance);
      },
      error: () => {
        // The transport reports connection problems through its own calls; a dead channel
        // just means models age out.
      },
    });
    this.probe();
  }

  /**
   * Model discovery: probes again `probes - 1` times, evenly within `windowMs` of now, and
   * resolves at the end of the window (at once for `windowMs` 0, or when {@link stop} is called).
   * Call it after {@link start}, whose probe is the first. Re-probing matters because a `listen`
   * subscription may become active only after the first probe (a Redis SUBSCRIBE in flight), so
   * the workers' first answers can be lost. The window's timer keeps the process alive.
   */
  discover(windowMs: number, probes = 3): Promise<void> {
    if (!(windowMs > 0) || !this.subscription) return Promise.resolve();
    this.discovery?.done();
    const step = windowMs / Math.max(1, probes);
    return new Promise<void>((resolve) => {
      const state: { timer: Timer | undefined; done: () => void } = {
        timer: undefined,
        done: () => {
          state.timer?.cancel();
          if (this.discovery === state) this.discovery = undefined;
          resolve();
        },
      };
      this.discovery = state;
      let sent = 1;
      const next = (): void => {
        if (sent >= probes) {
          state.done();
          return;
        }
        sent++;
        this.probe();
        state.timer = this.clock.setTimeout(next, step, { keepAlive: true });
      };
      state.timer = this.clock.setTimeout(next, step, { keepAlive: true });
    });
  }

  /** Model versions that are alive now. The array is replaced, never mutated. */
  live(): readonly ModelRef[] {
    return this.snapshot;
  }

  /** Stops listening (ending any discovery window) and forgets every model. */
  stop(): void {
    this.discovery?.done();
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    for (const timers of this.instances.values()) for (const t of timers.values()) t.cancel();
    this.instances.clear();
    this.models.clear();
    this.snapshot = [];
    this.changes.complete();
  }

  /** Asks every running worker to announce itself at once (best effort). */
  private probe(): void {
    this.transport
      .broadcast(this.channel, JSON.stringify({ v: 1, kind: 'probe', ts: this.clock.now() }))
      .catch(() => undefined);
  }

  private alive(model: ModelRef & { instance: string }, ttlMs: number): void {
    const key = modelKey(model);
    let timers = this.instances.get(key);
    if (!timers) {
      timers = new Map();
      this.instances.set(key, timers);
    }
    timers.get(model.instance)?.cancel();
    timers.set(
      model.instance,
      this.clock.setTimeout(() => this.gone(key, model.instance), ttlMs),
    );
    if (!this.models.has(key)) {
      const ref = { name: model.name, version: model.version };
      this.models.set(key, ref);
      this.snapshot = [...this.models.values()];
      this.changes.next({ kind: 'joined', model: ref });
    }
  }

  private gone(key: string, instance: string): void {
    const timers = this.instances.get(key);
    if (!timers) return;
    timers.get(instance)?.cancel();
    timers.delete(instance);
    if (timers.size > 0) return;
    this.instances.delete(key);
    const ref = this.models.get(key);
    this.models.delete(key);
    this.snapshot = [...this.models.values()];
    if (ref) this.changes.next({ kind: 'left', model: ref });
  }
}
