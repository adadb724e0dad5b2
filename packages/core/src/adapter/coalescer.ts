/**
 * How a {@link Coalescer} sends.
 *
 * @typeParam T - One item: a message, an ack, or nothing (a request for "one more round").
 */
export interface CoalescerOptions<T> {
  /**
   * Sends one batch, in the order the items were added. Resolves with an array of one outcome
   * per item (`undefined` for success, the error otherwise), or with anything that is not an
   * array when every item succeeded; throws (or rejects) to fail the whole batch.
   */
  readonly run: (batch: readonly T[]) => Promise<unknown>;
  /**
   * How many of the waiting items the next batch takes (at least one is taken, however large).
   * Default: all of them.
   */
  readonly take?: (waiting: readonly T[]) => number;
  /**
   * When an idle coalescer starts a batch: at once (`'call'`, the default: no added latency) or
   * in a microtask (`'microtask'`: whatever the same tick adds goes together).
   */
  readonly start?: 'call' | 'microtask';
}

interface Settler {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One batch in flight at a time, the way Nagle's algorithm does it: with nothing in flight an
 * item goes at once; what arrives while a batch is in flight waits and goes in the next batch,
 * together. A broker that answers one request per connection at a time is then paid one request
 * per round trip rather than one per item, and nothing waits on a timer. Each `add` settles
 * with its own item's outcome, exactly once.
 *
 * Used for Kafka produce requests and offset commits and for Redis `XACK`s.
 *
 * @example
 * ```ts
 * const acks = new Coalescer<string>({ run: async (ids) => void (await redis.xack(key, group, ...ids)) });
 * await acks.add('1700000000000-0');
 * ```
 */
export class Coalescer<T> {
  private readonly items: T[] = [];
  private readonly settlers: Settler[] = [];
  private inFlight = false;
  private scheduled = false;

  constructor(private readonly options: CoalescerOptions<T>) {}

  /** Items waiting for the next batch (not counting the batch in flight). */
  get waiting(): number {
    return this.items.length;
  }

  /** Adds one item; settles once the batch that carries it has. */
  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.items.push(item);
      this.settlers.push({ resolve, reject });
      if (this.options.start !== 'microtask') this.pump();
      else if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    if (this.inFlight || this.items.length === 0) return;
    const wanted = this.options.take?.(this.items) ?? this.items.length;
    const n = Math.min(this.items.length, Math.max(1, Math.floor(wanted) || 1));
    const batch = this.items.splice(0, n);
    const settlers = this.settlers.splice(0, n);
    this.inFlight = true;
    let sent: Promise<unknown>;
    try {
      sent = this.options.run(batch);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent
      .then(
        (outcomes) => {
          for (const [i, s] of settlers.entries()) {
            const error = Array.isArray(outcomes) ? outcomes[i] : undefined;
            if (error === undefined) s.resolve();
            else s.reject(error);
          }
        },
        (error: unknown) => {
          for (const s of settlers) s.reject(error);
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.pump();
      });
  }
}
