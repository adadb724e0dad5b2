import type { Subscriber } from 'rxjs';
import type { Delivery } from '../transport.js';

/**
 * What reads a group's stream for one `consume()` subscriber: a transport's member (a pull
 * loop, a group consumer), which stops when the subscriber leaves.
 */
export interface GroupMember {
  /** Stops reading; resolves once the member has handed back what it held. */
  stop(): Promise<void>;
}

/**
 * The members of a transport's consumer groups in this process, one a `consume()` subscriber.
 * A member whose subscriber leaves stops, and `close()` waits for that stop too, so a transport
 * closes only once every member has handed its deliveries back.
 *
 * @example
 * ```ts
 * const members = new GroupMembers<PullMember>();
 * // in consume(): members.add(subscriber, member); return () => members.leave(subscriber);
 * // in close():
 * await settleWithin(members.close(), 3000);
 * ```
 */
export class GroupMembers<M extends GroupMember> {
  private readonly members = new Map<Subscriber<Delivery>, M>();
  private readonly stopping = new Set<Promise<void>>();

  /** Adds the member that reads for `subscriber`. */
  add(subscriber: Subscriber<Delivery>, member: M): void {
    this.members.set(subscriber, member);
  }

  /** `subscriber` left: its member (if it has one yet) stops, and `close()` will wait for it. */
  leave(subscriber: Subscriber<Delivery>): void {
    const member = this.members.get(subscriber);
    this.members.delete(subscriber);
    if (member) this.keep(member.stop());
  }

  /** Ends every subscriber with `error` (each leaves through its teardown, as usual). */
  fail(error: unknown): void {
    for (const subscriber of [...this.members.keys()]) subscriber.error(error);
  }

  /**
   * Stops every member and completes its subscriber (the transport is closing); resolves, or
   * rejects as `Promise.all` does, once they and every member that left before have stopped.
   */
  close(): Promise<unknown> {
    const stops: Promise<void>[] = [];
    for (const [subscriber, member] of this.members) {
      stops.push(member.stop());
      subscriber.complete();
    }
    this.members.clear();
    return Promise.all([...stops, ...this.stopping]);
  }

  private keep(p: Promise<void>): void {
    this.stopping.add(p);
    p.then(
      () => this.stopping.delete(p),
      () => this.stopping.delete(p),
    );
  }
}
