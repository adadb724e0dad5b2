import type { Subscription } from 'rxjs';
import type { Clock, Timer } from '../clock.js';
import type { Transport } from '../transport.js';
import { decodeHeartbeat, encodeHeartbeat, type Heartbeat } from '../wire/heartbeat.js';
import type { ModelIdentity } from '../wire/model-identity.js';
import { WIRE_VERSION } from '../wire/version.js';

/**
 * The heartbeats of one worker instance: `alive` every `intervalMs` and at once when a front end
 * probes, `leaving` when it stops. Sending never throws nor rejects (a heartbeat is best effort,
 * even when `broadcast` throws synchronously or the transport is closed), so no timer callback or
 * fire-and-forget promise can fail unhandled.
 *
 * @example
 * ```ts
 * const beats = new WorkerHeartbeats(transport, 'heartbeats', model, 1000, clock);
 * beats.start();
 * beats.stop();
 * await beats.leaving();
 * ```
 */
export class WorkerHeartbeats {
  private timer: Timer | undefined;
  private probes: Subscription | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly channel: string,
    private readonly model: ModelIdentity,
    private readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}

  /** Beats now and every `intervalMs`, and answers probes, until {@link stop}. */
  start(): void {
    this.probes = this.transport.listen(this.channel).subscribe({
      next: (m) => {
        const hb = decodeHeartbeat(m.payload);
        if (hb.ok && hb.value.kind === 'probe' && this.probes) void this.send('alive');
      },
      error: () => undefined,
    });
    const beat = (): void => {
      void this.send('alive');
      this.timer = this.clock.setTimeout(beat, this.intervalMs);
    };
    beat();
  }

  /** Stops beating and answering probes. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.probes?.unsubscribe();
    this.probes = undefined;
  }

  /** Says that this instance leaves, so front ends stop waiting for it. Never rejects. */
  leaving(): Promise<void> {
    return this.send('leaving');
  }

  private send(kind: 'alive' | 'leaving'): Promise<void> {
    const hb: Heartbeat = {
      v: WIRE_VERSION,
      kind,
      model: this.model,
      intervalMs: this.intervalMs,
      ts: this.clock.now(),
    };
    try {
      return this.transport.broadcast(this.channel, encodeHeartbeat(hb)).catch(() => undefined);
    } catch {
      return Promise.resolve();
    }
  }
}
