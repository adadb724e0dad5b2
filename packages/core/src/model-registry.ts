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
    this.transport
      .broadcast(this.channel, JSON.stringify({ v: 1, kind: 'probe', ts: this.clock.now() }))
      .catch(() => undefined);
  }

  /** Model versions that are alive now. The array is replaced, never mutated. */
  live(): readonly ModelRef[] {
    return this.snapshot;
  }

  /** Stops listening and forgets every model. */
  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    for (const timers of this.instances.values()) for (const t of timers.values()) t.cancel();
    this.instances.clear();
    this.models.clear();
    this.snapshot = [];
    this.changes.complete();
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
