/**
 * What one member delivered from one partition and which of it was acknowledged. Kafka stores
 * one committed offset per partition, so only the contiguous acknowledged prefix can be
 * committed: an acknowledged message after an unacknowledged one waits until the gap closes.
 * A released message (handed back by `Delivery.release`) stays unacknowledged, so the commit
 * stops before it and a crash delivers it again; it is not held by the member until redelivered.
 *
 * @example
 * ```ts
 * const ledger = new PartitionLedger();
 * ledger.delivered(5); ledger.delivered(6);
 * ledger.ack(6); ledger.commitOffset(); // undefined: 5 is still pending
 * ledger.ack(5); ledger.commitOffset(); // 7
 * ledger.delivered(7); ledger.release(7); // true: handed back, 8 cannot be committed before it
 * ledger.redelivered(7); ledger.ack(7); ledger.commitOffset(); // 8
 * ```
 */
export class PartitionLedger {
  private readonly pending: number[] = [];
  private head = 0;
  private readonly acked = new Set<number>();
  /** Pending offsets handed back by `release` and not redelivered yet. */
  private readonly released = new Set<number>();
  /** Next offset to commit (one past the acknowledged prefix), once anything was acknowledged. */
  private ackedUpTo: number | undefined;
  /** The offset most recently committed. */
  committed: number | undefined;
  /** The highest offset delivered so far. */
  lastDelivered: number | undefined;

  /** Records a delivery; offsets arrive in increasing order. */
  delivered(offset: number): void {
    this.pending.push(offset);
    this.lastDelivered = offset;
  }

  /** How many delivered offsets the member holds: neither acknowledged nor released. */
  outstanding(): number {
    return this.pending.length - this.head - this.acked.size - this.released.size;
  }

  /**
   * Marks `offset` acknowledged; returns false if the member did not hold it (a duplicate ack,
   * or an ack of a released offset before its redelivery).
   */
  ack(offset: number): boolean {
    if (!this.holds(offset)) return false;
    this.acked.add(offset);
    while (this.head < this.pending.length && this.acked.has(this.pending[this.head]!)) {
      const o = this.pending[this.head++]!;
      this.acked.delete(o);
      this.ackedUpTo = o + 1;
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    return true;
  }

  /**
   * Hands `offset` back: it stays uncommitted, and the member no longer holds it. Returns false
   * if the member did not hold it (already acknowledged or released).
   */
  release(offset: number): boolean {
    if (!this.holds(offset)) return false;
    this.released.add(offset);
    return true;
  }

  /** The member holds `offset` again (redelivered it); returns false if it was not released. */
  redelivered(offset: number): boolean {
    return this.released.delete(offset);
  }

  private holds(offset: number): boolean {
    if (this.acked.has(offset) || this.released.has(offset)) return false;
    for (let i = this.head; i < this.pending.length; i++)
      if (this.pending[i] === offset) return true;
    return false;
  }

  /** How many offsets in `[from, to)` are acknowledged but not committable yet (after a gap). */
  ackedBetween(from: number, to: number): number {
    let n = 0;
    for (const o of this.acked) if (o >= from && o < to) n++;
    return n;
  }

  /** The offset to commit now, or undefined if nothing new is committable. */
  commitOffset(): number | undefined {
    if (this.ackedUpTo === undefined) return undefined;
    if (this.committed !== undefined && this.ackedUpTo <= this.committed) return undefined;
    return this.ackedUpTo;
  }
}
