import { type Observable, Subject, type Subscription } from 'rxjs';
import { type Clock, systemClock, type Timer } from './clock.js';
import { type ModelRef, modelKey } from './model-ref.js';
import { type ProbeWindow, probeWindow } from './probe-window.js';
import type { Rejections } from './rejections.js';
import { DEFAULT_STREAMS, type Transport } from './transport.js';
import { decodeHeartbeat, encodeHeartbeat } from './wire/heartbeat.js';
import { WIRE_VERSION } from './wire/version.js';

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
  /** Where heartbeats that break the protocol are reported (see `Rendezvous.rejections$`). */
  readonly rejections?: Rejections;
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
 * heartbeat recently, and since when (this front end's clock) each has been live. The front end
 * waits only for these.
 *
 * "Live since": a version is first seen when the first heartbeat of any of its instances
 * arrives; that time is kept while at least one instance stays alive, and starts again when the
 * version leaves (its last instance said `leaving` or went silent) and comes back. A worker sends
 * its first heartbeat only once its consumer group is positioned (`ensureGroup` resolved), so a
 * version seen at `t` receives every request published after `t`. A request that started
 * before a version was seen may never reach it (its group began after the request): the front
 * end asks {@link ModelRegistry.live} `asOf` the request's start, and never waits for it.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry({ transport });
 * registry.start();
 * registry.live(); // [{ name: 'dt', version: '1' }, ...]
 * registry.live(request.startedAt); // only the versions live since the request started
 * ```
 */
export class ModelRegistry {
  private readonly transport: Transport;
  private readonly channel: string;
  private readonly missed: number;
  private readonly clock: Clock;
  private readonly rejections: Rejections | undefined;
  /** model key → instance → expiry timer */
  private readonly instances = new Map<string, Map<string, Timer>>();
  private readonly models = new Map<string, ModelRef>();
  /** model key → when (clock ms) the version was first seen, since it last joined */
  private readonly since = new Map<string, number>();
  private snapshot: readonly ModelRef[] = [];
  /** The latest `since` of the live versions: `live(asOf)` at or after it is the snapshot. */
  private newestSince = Number.NEGATIVE_INFINITY;
  private readonly changes = new Subject<RegistryChange>();
  private subscription: Subscription | undefined;
  private discovery: ProbeWindow | undefined;

  /** Joins and departures of model versions. */
  readonly changes$: Observable<RegistryChange> = this.changes.asObservable();

  constructor(options: ModelRegistryOptions) {
    this.transport = options.transport;
    this.channel = options.channel ?? DEFAULT_STREAMS.heartbeats;
    this.missed = options.missedHeartbeats ?? 3;
    this.clock = options.clock ?? systemClock;
    this.rejections = options.rejections;
  }

  /** Starts listening, and asks running workers to announce themselves. */
  start(): void {
    if (this.subscription) return;
    this.subscription = this.transport.listen(this.channel).subscribe({
      next: (message) => {
        const decoded = decodeHeartbeat(message.payload);
        if (!decoded.ok) {
          this.rejections?.report('heartbeat', message.payload, decoded.error, this.clock.now());
          return;
        }
        const hb = decoded.value;
        if (hb.kind === 'probe') return;
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
    const discovery = probeWindow(
      this.clock,
      probes,
      windowMs / Math.max(1, probes),
      () => this.probe(),
      () => {
        if (this.discovery === discovery) this.discovery = undefined;
      },
    );
    this.discovery = discovery;
    return discovery.ended;
  }

  /**
   * Model versions that are alive now. With `asOf` (clock ms, such as a request's start), only
   * those also live since `asOf` or earlier: a version first seen after `asOf` may never have
   * received a request published then, so nobody should wait for it. The array is replaced,
   * never mutated.
   *
   * @example
   * ```ts
   * registry.live(); // every live version
   * registry.live(box.startedAt); // the versions a request started then can get scores from
   * ```
   */
  live(asOf?: number): readonly ModelRef[] {
    if (asOf === undefined || asOf >= this.newestSince) return this.snapshot;
    return this.snapshot.filter((m) => (this.since.get(modelKey(m)) ?? 0) <= asOf);
  }

  /**
   * When (clock ms) `model` was first seen since it last joined, or `undefined` if it is not live.
   *
   * @example
   * ```ts
   * registry.firstSeen({ name: 'dt', version: '2' }); // 1733050000000
   * ```
   */
  firstSeen(model: ModelRef): number | undefined {
    return this.since.get(modelKey(model));
  }

  /** Stops listening (ending any discovery window) and forgets every model. */
  stop(): void {
    this.discovery?.done();
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    for (const timers of this.instances.values()) for (const t of timers.values()) t.cancel();
    this.instances.clear();
    this.models.clear();
    this.since.clear();
    this.newestSince = Number.NEGATIVE_INFINITY;
    this.snapshot = [];
    this.changes.complete();
  }

  /** Asks every running worker to announce itself at once (best effort). */
  private probe(): void {
    this.transport
      .broadcast(
        this.channel,
        encodeHeartbeat({ v: WIRE_VERSION, kind: 'probe', ts: this.clock.now() }),
      )
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
      const now = this.clock.now();
      this.models.set(key, ref);
      this.since.set(key, now);
      this.newestSince = Math.max(this.newestSince, now);
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
    this.since.delete(key);
    this.newestSince = Math.max(Number.NEGATIVE_INFINITY, ...this.since.values());
    this.snapshot = [...this.models.values()];
    if (ref) this.changes.next({ kind: 'left', model: ref });
  }
}
