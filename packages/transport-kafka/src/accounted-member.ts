import type { DeliveryAccount } from './delivery-account.js';
import type { TrackedMember } from './transport-members.js';

/**
 * What every Kafka group member (either client's) answers from its {@link DeliveryAccount}: the
 * commit of what was acknowledged, and what it acknowledged ahead of a commit. A member extends
 * it, sets `account` in its constructor and adds how it joins, reads and leaves.
 *
 * @example
 * ```ts
 * class MyMember extends AccountedMember {
 *   protected readonly account = new DeliveryAccount(accountOptions);
 *   readonly groupId = 'rendezvous.model:dt@1';
 *   start(): void {}
 *   async stop(): Promise<void> {}
 * }
 * ```
 */
export abstract class AccountedMember implements TrackedMember {
  /** The member's account of what it delivered and what was acknowledged. */
  protected abstract readonly account: DeliveryAccount;
  /** The group this member belongs to. */
  abstract readonly groupId: string;
  /** Joins the group and starts delivering. */
  abstract start(): void;
  /** Commits what was acknowledged and leaves the group. Idempotent. */
  abstract stop(): Promise<void>;

  /** Set by a voluntary rejoin (a longer topic list): the next join keeps what is held. */
  protected carryOver = false;

  /** The consumer is rebuilt: keep what is held for a voluntary rejoin (`keepHolding`), else drop it. */
  protected rebuilt(keepHolding: boolean): void {
    this.carryOver = keepHolding;
    if (keepHolding) this.account.unpaused();
    else this.account.restart();
  }

  /** Commits what was acknowledged; resolves when that commit has finished (or failed). */
  commitNow(): Promise<void> {
    return this.account.commitNow();
  }

  /**
   * How many offsets in `[from, to)` of `topic`'s `partition` this member acknowledged that
   * no commit covers yet: they follow an offset it still holds (commits are a contiguous prefix).
   */
  ackedAhead(topic: string, partition: number, from: number, to: number): number {
    return this.account.ackedAhead(topic, partition, from, to);
  }
}
