import { ConnectionLostError, type OutgoingMessage } from '@rendezvous-ml/core';
// The file, not the package: its index imports vitest, which cannot load outside a test run.
import { DelegatingTransport } from '../../packages/test-kit/src/delegating-transport.js';
import { sleep } from './steady-load.js';

/**
 * A transport that forwards everything to `inner`, except that `reply()` rejects (with a
 * retryable `ConnectionLostError`, as a lost connection would) while a fault window is open.
 * The member stays alive: its heartbeats and deliveries go on.
 *
 * @example
 * ```ts
 * const t = new FaultyTransport(new RedisTransport({ url }));
 * await t.failRepliesFor(3000); // resolves when the window closes
 * ```
 */
export class FaultyTransport extends DelegatingTransport {
  private repliesFailUntil = 0;
  /** Replies refused by the fault. */
  refusedReplies = 0;

  /** Makes every `reply()` reject for the next `ms`; resolves when that window has closed. */
  failRepliesFor(ms: number): Promise<void> {
    this.repliesFailUntil = Date.now() + ms;
    return sleep(ms);
  }

  override reply(address: string, message: OutgoingMessage): Promise<void> {
    if (Date.now() < this.repliesFailUntil) {
      this.refusedReplies++;
      return Promise.reject(new ConnectionLostError('chaos: the reply path is down'));
    }
    return this.inner.reply(address, message);
  }
}
