/**
 * Where a group member collects the deliveries of one fetch before it emits them. kafkajs hands
 * over the partitions of one fetch one after the other, in partition order. Emitting them in the
 * next macrotask, merged by timestamp (each partition's own order kept), delivers what was
 * fetched together in the order it was published.
 *
 * @example
 * ```ts
 * const outbox = new FetchOutbox<Delivery>((d) => subscriber.next(d), (g) => g === member.generation);
 * outbox.enqueue(generation, [{ ts: 1, item: delivery }]);
 * ```
 */
export class FetchOutbox<T> {
  private generation = 0;
  private queues: { ts: number; item: T }[][] = [];
  private flushing: NodeJS.Immediate | undefined;

  /** `isCurrent(generation)` false at flush time drops the fetch (read again after a rejoin). */
  constructor(
    private readonly emit: (item: T) => void,
    private readonly isCurrent: (generation: number) => boolean,
  ) {}

  /** Adds one partition's deliveries, in offset order. */
  enqueue(generation: number, queue: { ts: number; item: T }[]): void {
    if (this.generation !== generation) {
      this.generation = generation;
      this.queues = [];
    }
    this.queues.push(queue);
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** Drops what was not emitted yet. */
  cancel(): void {
    clearImmediate(this.flushing);
    this.flushing = undefined;
    this.queues = [];
  }

  private flush(): void {
    this.flushing = undefined;
    const queues = this.queues;
    this.queues = [];
    if (!this.isCurrent(this.generation)) return;
    const heads = queues.map(() => 0);
    for (;;) {
      let best = -1;
      for (let q = 0; q < queues.length; q++) {
        const entry = queues[q]![heads[q]!];
        if (entry && (best < 0 || entry.ts < queues[best]![heads[best]!]!.ts)) best = q;
      }
      if (best < 0) return;
      const entry = queues[best]![heads[best]!]!;
      heads[best]!++;
      this.emit(entry.item);
    }
  }
}
