import { type Observable, Subject, type Subscription } from 'rxjs';
import { type Clock, systemClock, type Timer } from '../clock.js';
import { ConfigurationError, NotStartedError } from '../errors.js';
import { Lifecycle } from '../lifecycle.js';
import type { ModelRef } from '../model-ref.js';
import { type PolicySpec, policyFromSpec } from '../policy-spec.js';
import { resolveStreams } from '../stream-names.js';
import type { StreamNames, Transport } from '../transport.js';
import { WIRE_VERSION } from '../wire/version.js';
import {
  type AppliedMessage,
  type ControlMessage,
  decodeControlMessage,
  encodeControlMessage,
  type PolicyMessage,
  type RejectedMessage,
} from './control-messages.js';

/**
 * What one front end reported. In `frontEnds()` and `PublishReport.applied`: the policy it runs
 * and its version. In `PublishReport.rejected`: the version it refused, why (`reason`), and the
 * policy it keeps running.
 */
export interface FrontEndReport {
  readonly instance: string;
  readonly version: number | undefined;
  readonly policy: string;
  /** When the controller heard it (its clock, ms). */
  readonly at: number;
  /** Why the version was refused (rejected reports only). */
  readonly reason?: string;
}

/**
 * What {@link PolicyController.publish} saw.
 *
 * @example
 * ```ts
 * const report: PublishReport = await controller.publish({ policy: 'first' });
 * if (report.rejected.length > 0) console.error(report.rejected[0]?.reason);
 * ```
 */
export interface PublishReport {
  readonly version: number;
  readonly applied: readonly FrontEndReport[];
  readonly rejected: readonly FrontEndReport[];
  readonly elapsedMs: number;
}

/**
 * Options of {@link PolicyController}.
 *
 * @example
 * ```ts
 * const opts: PolicyControllerOptions = { transport, streams: { control: 'control' }, queryMs: 300 };
 * ```
 */
export interface PolicyControllerOptions {
  readonly transport: Transport;
  /** Stream names, as every component takes them: `control` is used. Default `DEFAULT_STREAMS`. */
  readonly streams?: Partial<StreamNames>;
  /** @deprecated Use `streams: { control }`. */
  readonly channel?: string;
  readonly clock?: Clock;
  /** Name of this controller in its queries. Default: random. */
  readonly instance?: string;
  /** How long `start()` listens for answers to its query, in ms. Default 300. */
  readonly queryMs?: number;
  /**
   * A front end not heard from for this long (ms) is no longer listed by `frontEnds()` nor
   * waited for by `publish()`. Default 15 000: three of a front end's default report intervals.
   */
  readonly staleMs?: number;
}

/**
 * Options of {@link PolicyController.publish}.
 *
 * @example
 * ```ts
 * await controller.publish(spec, { waitMs: 5000, expect: 2 });
 * ```
 */
export interface PublishOptions {
  /** Longest wait for the front ends' reports, in ms. Default 2000. */
  readonly waitMs?: number;
  /** How many front ends must report (applied or rejected) before `publish` resolves. Default: every front end known. */
  readonly expect?: number;
  /** The version to publish. Default: one above the highest version seen. */
  readonly version?: number;
}

/**
 * Publishes policy specs on the control channel and collects what every front end reports.
 * `start()` asks the front ends what they run, so the next version is one above the highest
 * in use; `publish()` validates the whole spec first (nothing is sent for an invalid one),
 * sends it and waits until the expected front ends have reported it applied or rejected.
 *
 * @example
 * ```ts
 * const controller = new PolicyController({ transport });
 * await controller.start();
 * const report = await controller.publish({ policy: 'split', weights: { 'dt@2': 0.1, 'dt@1': 0.9 } });
 * console.log(report.version, report.applied.map((r) => r.instance));
 * await controller.retire({ name: 'dt', version: '1' });
 * await controller.stop();
 * ```
 */
export class PolicyController {
  private readonly transport: Transport;
  private readonly channel: string;
  private readonly clock: Clock;
  private readonly instance: string;
  private readonly queryMs: number;
  private readonly staleMs: number;
  private readonly reports = new Map<string, FrontEndReport>();
  private readonly events = new Subject<PolicyMessage | AppliedMessage | RejectedMessage>();
  private subscription: Subscription | undefined;
  private readonly lifecycle = new Lifecycle('PolicyController', 'PolicyController');
  /** The highest version seen; 0 before any (so the first published is 1). */
  private highest = 0;
  private readonly waits = new Set<() => void>();

  /** Every `policy`, `applied` and `rejected` message seen on the channel. Completes on `stop()`. */
  readonly events$: Observable<PolicyMessage | AppliedMessage | RejectedMessage> =
    this.events.asObservable();

  constructor(options: PolicyControllerOptions) {
    this.transport = options.transport;
    this.channel = resolveStreams('PolicyController', options.streams, {
      control: { option: 'channel', value: options.channel },
    }).control;
    this.clock = options.clock ?? systemClock;
    this.instance = options.instance ?? `ctl-${Math.random().toString(36).slice(2, 10)}`;
    this.queryMs = options.queryMs ?? 300;
    this.staleMs = options.staleMs ?? 15_000;
  }

  /** The highest policy version seen (published, applied or rejected), or `undefined`. */
  get version(): number | undefined {
    return this.highest > 0 ? this.highest : undefined;
  }

  /**
   * Listens and queries the front ends (three times within `queryMs`, as a subscription may
   * become active late); resolves at the end of that window, having learnt the current version
   * and the front ends that answered.
   */
  start(): Promise<void> {
    return this.lifecycle.start(() => this.join());
  }

  private async join(): Promise<void> {
    this.subscription = this.transport.listen(this.channel).subscribe({
      next: (m) => this.onMessage(m.payload),
      error: () => undefined,
    });
    this.lifecycle.enterRunning(); // publish() may be called from here on
    const step = this.queryMs / 3;
    try {
      for (let i = 0; i < 3 && this.lifecycle.running; i++) {
        await this.send({
          v: WIRE_VERSION,
          kind: 'query',
          instance: this.instance,
          ts: this.clock.now(),
        });
        if (step > 0) await this.sleep(step);
      }
    } catch (error) {
      // Not started after all: stop listening, so that start() can be called again.
      this.subscription?.unsubscribe();
      this.subscription = undefined;
      throw error;
    }
  }

  /**
   * The last report of each front end heard from (on apply, on query or periodically) within
   * `staleMs`.
   */
  frontEnds(): readonly FrontEndReport[] {
    const since = this.clock.now() - this.staleMs;
    return [...this.reports.values()].filter((r) => r.at >= since);
  }

  /**
   * Validates `spec` whole (a `ConfigurationError` naming its JSON pointer, and nothing sent),
   * publishes it with the next version and waits, at most `waitMs`, until `expect` front ends
   * have reported that version applied (or a newer one) or rejected.
   */
  async publish(spec: PolicySpec, options: PublishOptions = {}): Promise<PublishReport> {
    if (!this.lifecycle.running)
      throw new NotStartedError(
        this.lifecycle.stopRequested
          ? 'PolicyController is stopped: create a new PolicyController to publish again'
          : 'PolicyController is not started: call `await controller.start()` first',
      );
    policyFromSpec(spec);
    const version = options.version ?? this.highest + 1;
    if (!Number.isInteger(version) || version <= this.highest)
      throw new ConfigurationError(
        `publish(): version must be an integer above ${this.highest} (the highest seen); omit it to use the next one`,
      );
    const waitMs = options.waitMs ?? 2000;
    const expect = options.expect ?? this.frontEnds().length;
    this.highest = version;
    const started = this.clock.now();
    const applied = new Map<string, FrontEndReport>();
    const rejected = new Map<string, FrontEndReport>();
    let wake: () => void = () => undefined;
    const collecting = this.events$.subscribe((m) => {
      if (m.kind === 'applied' && m.version !== undefined && m.version >= version) {
        applied.set(m.instance, this.reports.get(m.instance)!);
        rejected.delete(m.instance);
      } else if (m.kind === 'rejected' && m.version === version)
        rejected.set(m.instance, {
          instance: m.instance,
          version,
          policy: m.policy ?? '',
          at: this.clock.now(),
          reason: m.reason,
        });
      else return;
      if (expect > 0 && applied.size + rejected.size >= expect) wake();
    });
    try {
      const done = new Promise<void>((resolve) => (wake = resolve));
      await this.send({ v: WIRE_VERSION, kind: 'policy', version, spec, ts: this.clock.now() });
      await Promise.race([done, this.sleep(waitMs)]);
    } finally {
      collecting.unsubscribe();
    }
    return {
      version,
      applied: [...applied.values()],
      rejected: [...rejected.values()],
      elapsedMs: this.clock.now() - started,
    };
  }

  /** Tells the workers of `model` (one name@version) to drain and leave. */
  async retire(model: ModelRef): Promise<void> {
    if (!model || typeof model.name !== 'string' || typeof model.version !== 'string')
      throw new ConfigurationError('retire(): pass a model reference { name, version }');
    await this.send({
      v: WIRE_VERSION,
      kind: 'retire',
      model: { name: model.name, version: model.version },
      ts: this.clock.now(),
    });
  }

  /**
   * Stops listening; waits in progress (a `start()`'s query window, a `publish()`'s wait for
   * reports) end at once. Idempotent; a stopped controller cannot start again.
   */
  stop(): Promise<void> {
    const stopping = this.lifecycle.stop(async () => {
      this.subscription?.unsubscribe();
      this.subscription = undefined;
      this.events.complete();
    });
    // Every wait ends now: a start's query window (the stop awaits that start) or a publish().
    for (const wake of [...this.waits]) wake();
    return stopping;
  }

  private onMessage(payload: string): void {
    const decoded = decodeControlMessage(payload);
    if (!decoded.ok || decoded.value === undefined) return;
    const m: ControlMessage = decoded.value;
    if (m.kind === 'query' || m.kind === 'retire') return;
    if (m.version !== undefined && m.version > this.highest) this.highest = m.version;
    if (m.kind === 'applied')
      this.reports.set(m.instance, {
        instance: m.instance,
        version: m.version,
        policy: m.policy,
        at: this.clock.now(),
      });
    this.events.next(m);
  }

  private send(message: ControlMessage): Promise<void> {
    return this.transport.broadcast(this.channel, encodeControlMessage(message));
  }

  /** Waits `ms` on the clock; ends early on `stop()`. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: Timer | undefined;
      const wake = (): void => {
        timer?.cancel();
        this.waits.delete(wake);
        resolve();
      };
      this.waits.add(wake);
      timer = this.clock.setTimeout(wake, ms, { keepAlive: true });
    });
  }
}
