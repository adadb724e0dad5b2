import type { Subscription } from 'rxjs';
import type { ActivePolicy } from '../active-policy.js';
import { type Clock, systemClock, type Timer } from '../clock.js';
import { ConfigurationError } from '../errors.js';
import type { PolicySpec } from '../policy-spec.js';
import { type ProbeWindow, probeWindow } from '../probe-window.js';
import { DEFAULT_STREAMS, type Transport } from '../transport.js';
import { WIRE_VERSION } from '../wire/version.js';
import {
  type ControlMessage,
  decodeControlMessage,
  encodeControlMessage,
  type PolicyMessage,
} from './control-messages.js';

/**
 * What a {@link FrontEndControl} needs from its front end.
 */
export interface FrontEndControlHost {
  /** The front end's instance id, named in its reports. */
  readonly instance: string;
  /** The policy new requests start with now. */
  current(): ActivePolicy;
  /**
   * Replaces the policy for new requests, or throws a `ConfigurationError` (an invalid spec)
   * having changed nothing.
   */
  apply(spec: PolicySpec, version: number): void;
}

/**
 * Options of {@link FrontEndControl}.
 *
 * @example
 * ```ts
 * const opts: FrontEndControlOptions = { transport, host, channel: 'control', reportIntervalMs: 5000 };
 * ```
 */
export interface FrontEndControlOptions {
  readonly transport: Transport;
  readonly host: FrontEndControlHost;
  /** The control channel (broadcast). Default `DEFAULT_STREAMS.control`. */
  readonly channel?: string;
  readonly clock?: Clock;
  /** How often the front end reports what it runs (an `applied` message). Default 5000 ms. */
  readonly reportIntervalMs?: number;
}

/**
 * A front end's side of the control channel. It applies a published `policy` only when its
 * version is higher than the one it runs (at an equal version, only a different spec whose JSON
 * text sorts higher, so that front ends converge when two controllers collide), and reports `applied` (or `rejected`, for an invalid
 * spec, which is never applied, not even in part). It answers a `query` with the policy it runs
 * (re-sending its spec and version) and an `applied` report, and reports `applied` periodically,
 * so a controller sees every front end. When it starts, it asks (`query`) and adopts the highest
 * version answered. `Rendezvous` runs one when `control` is set in its options.
 *
 * @example
 * ```ts
 * const control = new FrontEndControl({ transport, host });
 * await control.start(300); // asks, and adopts the highest version answered within 300 ms
 * control.stop();
 * ```
 */
export class FrontEndControl {
  private readonly transport: Transport;
  private readonly host: FrontEndControlHost;
  private readonly channel: string;
  private readonly clock: Clock;
  private readonly reportIntervalMs: number;
  private subscription: Subscription | undefined;
  private reportTimer: Timer | undefined;
  private window: ProbeWindow | undefined;
  private stopped = false;
  private lastCatchUp: number | undefined;

  constructor(options: FrontEndControlOptions) {
    this.transport = options.transport;
    this.host = options.host;
    this.channel = options.channel ?? DEFAULT_STREAMS.control;
    this.clock = options.clock ?? systemClock;
    this.reportIntervalMs = options.reportIntervalMs ?? 5000;
    if (!(this.reportIntervalMs > 0) || !Number.isFinite(this.reportIntervalMs))
      throw new ConfigurationError(
        `control.reportIntervalMs must be a positive finite number of ms, got ${this.reportIntervalMs}`,
      );
  }

  /**
   * Starts listening and asks what the other front ends run: it queries at once and twice more
   * within `windowMs` (a broadcast subscription may become active only after the first query, as
   * a Redis SUBSCRIBE does), and resolves at the end of the window (at once for 0, or on
   * {@link stop}). Every answer with a higher version is applied as it comes, so by then the
   * front end runs the highest version answered.
   */
  start(windowMs: number): Promise<void> {
    if (this.subscription || this.stopped) return Promise.resolve();
    this.subscription = this.transport.listen(this.channel).subscribe({
      next: (message) => this.onMessage(message.payload),
      error: () => {
        // Connection problems surface through the transport's own calls; until it is back,
        // this front end keeps the policy it runs.
      },
    });
    this.query();
    this.scheduleReport();
    if (!(windowMs > 0)) return Promise.resolve();
    const window = probeWindow(
      this.clock,
      3,
      windowMs / 3,
      () => this.query(),
      () => {
        if (this.window === window) this.window = undefined;
      },
    );
    this.window = window;
    return window.ended;
  }

  /** Broadcasts an `applied` report of what the front end runs now (best effort). */
  report(): void {
    if (!this.subscription) return;
    const { policy, version } = this.host.current();
    this.send({
      v: WIRE_VERSION,
      kind: 'applied',
      instance: this.host.instance,
      ...(version === undefined ? {} : { version }),
      policy: policy.name,
      ts: this.clock.now(),
    });
  }

  /** Stops listening and reporting (ending a start window at once). */
  stop(): void {
    this.stopped = true;
    this.window?.done();
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.reportTimer?.cancel();
    this.reportTimer = undefined;
  }

  private onMessage(payload: string): void {
    const decoded = decodeControlMessage(payload);
    // An invalid control message cannot be acted on and has no reply address: ignore it. A
    // front end must keep serving with the policy it runs.
    if (!decoded.ok || decoded.value === undefined) return;
    const message: ControlMessage = decoded.value;
    if (message.kind === 'policy') this.onPolicy(message);
    else if (message.kind === 'query' && message.instance !== this.host.instance) this.answer();
    else if (message.kind === 'applied' && message.instance !== this.host.instance)
      this.catchUp(message.version);
  }

  /**
   * Another front end runs a higher version than this one: this one missed a broadcast (they
   * are best effort). Ask for it, at most once per second; any front end that runs it answers.
   * Periodic reports make a lagging front end converge within `reportIntervalMs`.
   */
  private catchUp(version: number | undefined): void {
    const running = this.host.current().version;
    if (version === undefined || (running !== undefined && version <= running)) return;
    const now = this.clock.now();
    if (this.lastCatchUp !== undefined && now - this.lastCatchUp < 1000) return;
    this.lastCatchUp = now;
    this.query();
  }

  private onPolicy(message: PolicyMessage): void {
    const running = this.host.current();
    if (!this.supersedes(message, running)) return;
    try {
      this.host.apply(message.spec, message.version);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.send({
        v: WIRE_VERSION,
        kind: 'rejected',
        instance: this.host.instance,
        version: message.version,
        reason,
        policy: running.policy.name,
        ts: this.clock.now(),
      });
      return;
    }
    this.report();
  }

  /**
   * A higher version supersedes the running one. So does, at the same version, a different spec
   * whose JSON text sorts higher: two controllers that published the same version at once must
   * not leave the front ends split for ever, each on whichever message reached it first; with
   * this rule, every front end ends on the same one whatever the order of arrival.
   */
  private supersedes(message: PolicyMessage, running: ActivePolicy): boolean {
    if (running.version === undefined || message.version > running.version) return true;
    if (message.version < running.version || running.spec === undefined) return false;
    let text: string | undefined;
    try {
      text = JSON.stringify(message.spec);
    } catch {
      return false;
    }
    return text !== undefined && text > JSON.stringify(running.spec);
  }

  /** A query: re-send the versioned spec this front end runs, then report. */
  private answer(): void {
    const { version, spec } = this.host.current();
    if (version !== undefined && spec !== undefined)
      this.send({ v: WIRE_VERSION, kind: 'policy', version, spec, ts: this.clock.now() });
    this.report();
  }

  private query(): void {
    this.send({
      v: WIRE_VERSION,
      kind: 'query',
      instance: this.host.instance,
      ts: this.clock.now(),
    });
  }

  private scheduleReport(): void {
    this.reportTimer = this.clock.setTimeout(() => {
      if (!this.subscription) return;
      this.report();
      this.scheduleReport();
    }, this.reportIntervalMs);
  }

  private send(message: ControlMessage): void {
    let payload: string;
    try {
      payload = encodeControlMessage(message);
    } catch {
      return; // a spec that came from the wire re-encodes; nothing else here can fail
    }
    this.transport.broadcast(this.channel, payload).catch(() => undefined);
  }
}
