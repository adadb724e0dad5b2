import { type ActivePolicy, toActivePolicy } from './active-policy.js';
import type { Clock } from './clock.js';
import { FrontEndControl } from './control/front-end-control.js';
import type { RendezvousPolicy } from './policy.js';
import type { PolicySpec } from './policy-spec.js';
import type { RendezvousOptions } from './rendezvous-options.js';
import type { Transport } from './transport.js';

/**
 * A front end's replaceable policy: the one new requests start with (each request keeps the
 * one it started with), and, with `RendezvousOptions.control`, the {@link FrontEndControl}
 * that applies published specs to it and reports it.
 *
 * @example
 * ```ts
 * const live = new LivePolicy(first(), undefined, { transport, clock, instance: 'fe-1', channel: 'control' });
 * live.set({ policy: 'latestVersion' }, 2);
 * live.active.version; // 2
 * ```
 */
export class LivePolicy {
  private current: ActivePolicy;
  private readonly control: FrontEndControl | undefined;

  constructor(
    initial: RendezvousPolicy,
    control: RendezvousOptions['control'],
    context: {
      readonly transport: Transport;
      readonly clock: Clock;
      readonly instance: string;
      /** The default control channel (`streams.control`). */
      readonly channel: string;
    },
  ) {
    this.current = { policy: initial, version: undefined, spec: undefined };
    const c = control === true ? {} : control || undefined;
    this.control = c
      ? new FrontEndControl({
          transport: context.transport,
          channel: c.channel ?? context.channel,
          clock: context.clock,
          ...(c.reportIntervalMs === undefined ? {} : { reportIntervalMs: c.reportIntervalMs }),
          host: {
            instance: context.instance,
            current: () => this.current,
            apply: (spec, version) => {
              this.current = toActivePolicy(spec, version);
            },
          },
        })
      : undefined;
  }

  /** The policy new requests start with now. */
  get active(): ActivePolicy {
    return this.current;
  }

  /**
   * Replaces it, all checks first (a `ConfigurationError` changes nothing), and reports the
   * change on the control channel when there is one.
   */
  set(policy: RendezvousPolicy | PolicySpec, version: number | undefined): void {
    this.current = toActivePolicy(policy, version);
    this.control?.report();
  }

  /** Starts the control (if any): asks the other front ends, adopting within `windowMs`. */
  start(windowMs: number): Promise<void> {
    return this.control?.start(windowMs) ?? Promise.resolve();
  }

  /** Stops the control (if any). */
  stop(): void {
    this.control?.stop();
  }
}
