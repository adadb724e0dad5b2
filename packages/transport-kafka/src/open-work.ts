import { TransportClosedError } from '@rendezvous-ml/core';
import { Observable, type Subscriber } from 'rxjs';

/**
 * What a transport has open: its subscriptions, which `close()` completes, and its background
 * work (a member leaving its group, a reader stopping), which `close()` waits for.
 *
 * @example
 * ```ts
 * const work = new OpenWork();
 * const messages = work.track<string>((subscriber) => () => undefined);
 * work.keep(reader.stop());
 * work.close();
 * await work.settle();
 * ```
 */
export class OpenWork {
  private readonly open = new Set<Subscriber<never>>();
  private readonly pending = new Set<Promise<unknown>>();
  private isClosed = false;

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * An observable that calls `attach` for each subscriber (its result is the teardown), fails at
   * once with `TransportClosedError` after `close()`, and is completed by `close()`.
   */
  track<T>(attach: (subscriber: Subscriber<T>) => () => void): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.isClosed) {
        subscriber.error(new TransportClosedError());
        return undefined;
      }
      const detach = attach(subscriber);
      this.open.add(subscriber as Subscriber<never>);
      return () => {
        this.open.delete(subscriber as Subscriber<never>);
        detach();
      };
    });
  }

  /** Background work `settle()` waits for; its failure is ignored. */
  keep(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined);
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Marks the transport closed and completes every open subscription. */
  close(): void {
    this.isClosed = true;
    for (const s of [...this.open]) s.complete();
    this.open.clear();
  }

  /** Resolves once no background work is left, including work started meanwhile. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
