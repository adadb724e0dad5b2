/**
 * A fixed-capacity FIFO: pushing past `capacity` drops the oldest item, so a time series kept
 * in it never grows beyond `capacity` points however long the process runs.
 *
 * @example
 * ```ts
 * const last3 = new RingBuffer<number>(3);
 * for (const n of [1, 2, 3, 4]) last3.push(n);
 * last3.toArray(); // [2, 3, 4]
 * ```
 */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  /** Items held (at most `capacity`). */
  get size(): number {
    return this.count;
  }

  /** Appends `item`, dropping the oldest one when full. */
  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The newest item, or `undefined` when empty. */
  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.start + this.count - 1) % this.capacity];
  }

  /** The items, oldest first (a copy). */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++)
      out.push(this.items[(this.start + i) % this.capacity] as T);
    return out;
  }
}
