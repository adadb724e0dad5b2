import type { Subscription } from 'rxjs';
import { decodeControlMessage } from '../control/control-messages.js';
import { RendezvousError, toRendezvousError } from '../errors.js';
import type { ModelRef } from '../model-ref.js';
import type { Transport } from '../transport.js';

/**
 * Listens on the control channel for a `retire` message addressed to one model version
 * (name@version, every instance) and calls `onRetire` once. Other control messages, other
 * versions and invalid payloads are ignored. Listening is best effort, like heartbeats: a
 * transport whose `listen` throws is reported through `onError`, and the worker serves on.
 *
 * @example
 * ```ts
 * const listener = new RetireListener(transport, 'control', { name: 'dt', version: '1' },
 *   () => void worker.stop(), (e) => log.warn(e));
 * listener.start();
 * listener.stop();
 * ```
 */
export class RetireListener {
  private subscription: Subscription | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly channel: string,
    private readonly model: ModelRef,
    private readonly onRetire: (ts: number) => void,
    private readonly onError: (error: RendezvousError) => void,
  ) {}

  /** Starts listening (idempotent). Never throws. */
  start(): void {
    if (this.subscription) return;
    try {
      this.subscription = this.transport.listen(this.channel).subscribe({
        next: (incoming) => {
          const decoded = decodeControlMessage(incoming.payload);
          const message = decoded.ok ? decoded.value : undefined;
          if (message?.kind !== 'retire' || !this.subscription) return;
          if (message.model.name !== this.model.name) return;
          if (message.model.version !== this.model.version) return;
          this.stop();
          this.onRetire(message.ts);
        },
        error: () => undefined, // a dead control channel: the worker can still be stopped directly
      });
    } catch (error) {
      const cause = toRendezvousError(error, 'CONNECTION_LOST', true);
      const message = `cannot listen on the control channel "${this.channel}" (${cause.message}): this worker will not hear "retire"; stop it with worker.stop()`;
      this.onError(new RendezvousError(cause.code, message, { retryable: true, cause }));
    }
  }

  /** Stops listening. */
  stop(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    subscription?.unsubscribe();
  }
}
