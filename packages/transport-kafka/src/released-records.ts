import type { Clock, Timer } from '@rendezvous-ml/core';

/**
 * A record handed back by `Delivery.release`, as the member needs it to deliver it again.
 */
export interface ReleasedRecord {
  /** The member's generation when it was delivered: a later rebalance makes it stale. */
  readonly generation: number;
  readonly partitionKey: string;
  readonly offset: number;
  readonly content: {
    readonly source: string;
    readonly id: string;
    readonly payload: string;
    readonly key?: string;
  };
}

/**
 * The records one group member handed back, until it delivers them again. Kafka has no
 * per-message redelivery: the offset stays uncommitted (so a crash or a new owner reads it
 * again), and the member itself re-emits the record once its delay has passed and it has a
 * prefetch credit for it. A record whose delay has passed is *due*: it takes the next free
 * credit, before anything new is fetched.
 *
 * @example
 * ```ts
 * const released = new ReleasedRecords(systemClock, () => member.drainReleased());
 * released.hold(record, 500); // due in 500 ms; then `onDue` runs
 * released.takeDue(); // the record, once due
 * ```
 */
export class ReleasedRecords {
  private readonly waiting = new Map<ReleasedRecord, Timer>();
  private due: ReleasedRecord[] = [];
  private draining: NodeJS.Immediate | undefined;

  /** `onDue` runs (in a later macrotask) whenever records became due. */
  constructor(
    private readonly clock: Clock,
    private readonly onDue: () => void,
  ) {}

  /** Records that are due and wait for a prefetch credit. */
  get dueCount(): number {
    return this.due.length;
  }

  /**
   * Holds `record` for `delayMs`. A record without delay is due at once: it keeps the credit
   * it gave back, so a fetch cannot take it first.
   */
  hold(record: ReleasedRecord, delayMs: number): void {
    if (!(delayMs > 0)) {
      this.due.push(record);
      this.signal();
      return;
    }
    const timer = this.clock.setTimeout(() => {
      if (!this.waiting.delete(record)) return;
      this.due.push(record);
      this.onDue();
    }, delayMs);
    this.waiting.set(record, timer);
  }

  /** The oldest due record, removed. */
  takeDue(): ReleasedRecord | undefined {
    return this.due.shift();
  }

  /** Drops every record of a partition not in `partitionKeys` (revoked: its new owner reads it). */
  keepOnly(partitionKeys: ReadonlySet<string>): void {
    for (const [record, timer] of this.waiting) {
      if (partitionKeys.has(record.partitionKey)) continue;
      timer.cancel();
      this.waiting.delete(record);
    }
    this.due = this.due.filter((r) => partitionKeys.has(r.partitionKey));
  }

  /** Drops everything (a rebalance or a stop: reading restarts at the committed offsets). */
  clear(): void {
    for (const timer of this.waiting.values()) timer.cancel();
    this.waiting.clear();
    this.due = [];
    clearImmediate(this.draining);
    this.draining = undefined;
  }

  private signal(): void {
    this.draining ??= setImmediate(() => {
      this.draining = undefined;
      this.onDue();
    });
  }
}
