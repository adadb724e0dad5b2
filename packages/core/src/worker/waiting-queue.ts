import type { Clock, Timer } from '../clock.js';

interface Entry<T> {
  readonly item: T;
  timer: Timer | undefined;
  expired: boolean;
}

/**
 * The FIFO of deliveries a worker received while every slot was busy. Each entry may expire at
 * its request's deadline, so a request is acknowledged then rather than when a slot frees (which,
 * behind slow predictions, may be much later). A head index is used instead of `Array.shift`
 * (linear) or `mergeMap` (an inner subscription per delivery), which showed up in profiles.
 *
 * @example
 * ```ts
 * const queue = new WaitingQueue<Job>(clock);
 * queue.push(job, request.deadline, (j) => skip(j));
 * const next = queue.shift();
 * ```
 */
export class WaitingQueue<T> {
  private entries: (Entry<T> | undefined)[] = [];
  private head = 0;
  private expired = 0;

  constructor(private readonly clock: Clock) {}

  /** Appends `item`; at `expiresAt` (if given) it leaves the queue and `onExpire` runs. */
  push(item: T, expiresAt: number | undefined, onExpire: (item: T) => void): void {
    const entry: Entry<T> = { item, timer: undefined, expired: false };
    if (expiresAt !== undefined) {
      entry.timer = this.clock.setTimeout(() => {
        entry.expired = true;
        this.expired++;
        // Behind long predictions, expired entries could pile up: drop them once they are most.
        if (this.expired > 64 && this.expired * 2 > this.entries.length - this.head) this.compact();
        onExpire(item);
      }, expiresAt - this.clock.now());
    }
    this.entries.push(entry);
  }

  /** The oldest item that has not expired, removed from the queue. */
  shift(): T | undefined {
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head];
      this.entries[this.head++] = undefined;
      if (entry?.expired) this.expired--;
      if (this.head === this.entries.length) this.clear();
      if (entry && !entry.expired) {
        entry.timer?.cancel();
        return entry.item;
      }
    }
    return undefined;
  }

  /** Empties the queue and cancels the expiry timers. */
  clear(): void {
    for (let i = this.head; i < this.entries.length; i++) this.entries[i]?.timer?.cancel();
    this.entries = [];
    this.head = 0;
    this.expired = 0;
  }

  private compact(): void {
    this.entries = this.entries.slice(this.head).filter((e) => e !== undefined && !e.expired);
    this.head = 0;
    this.expired = 0;
  }
}
