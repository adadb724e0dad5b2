import {
  type Clock,
  type Delivery,
  type RendezvousResult,
  resolveStreams,
} from '@rendezvous-ml/core';
import { DeadLetters } from '@rendezvous-ml/core/transport';
import { decodeResult } from '@rendezvous-ml/core/wire';
import type { Subscription } from 'rxjs';
import type { ResultsStreamSource } from './scorecard-options.js';

/**
 * Counters of a scorecard reading the results stream.
 *
 * @example
 * ```ts
 * const { read, duplicates, deadLettered } = scorecard.streamStats();
 * ```
 */
export interface ResultsStreamStats {
  /** Deliveries read and acknowledged as valid results. */
  readonly read: number;
  /** Redelivered results already counted (skipped). */
  readonly duplicates: number;
  /** Invalid results sent to the dead letter. */
  readonly deadLettered: number;
  /** Invalid results acknowledged without a dead letter (the dead-letter stream kept failing). */
  readonly dropped: number;
  /** Valid results the scorecard could not count (a user `agree` or `features` threw). */
  readonly failed: number;
}

const REMEMBERED_IDS = 10_000;
const DEAD_LETTER_ATTEMPTS = 5;
const DEAD_LETTER_RETRY_MS = 1_000;

/**
 * Reads the results stream as a member of its own group. Every delivery ends at once in an ack
 * (valid, duplicate, or dead-lettered) or, when the dead letter cannot be written, in a release
 * with a delay (then an ack after a few attempts): the reader never holds a delivery. A
 * {@link Scorecard} with `resultsStream` reads through one; other readers of results (a rollout)
 * use it directly.
 *
 * @example
 * ```ts
 * const reader = new ResultsStreamReader({ transport, group: 'rollout' }, systemClock, (r) => count(r));
 * await reader.start();
 * // ...
 * await reader.stop();
 * ```
 */
export class ResultsStreamReader {
  private readonly stream: string;
  private readonly group: string;
  private readonly deadLetters: DeadLetters;
  private subscription: Subscription | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly recent = new Set<string>();
  private readonly order: string[] = [];
  private next = 0;
  private readonly counters = { read: 0, duplicates: 0, deadLettered: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly source: ResultsStreamSource,
    clock: Clock,
    private readonly onResult: (result: RendezvousResult) => void,
  ) {
    const streams = resolveStreams('results stream reader', source.streams, {
      results: { option: 'stream', value: source.stream },
      deadLetter: { option: 'deadLetterStream', value: source.deadLetterStream },
    });
    this.stream = streams.results;
    this.group = source.group ?? 'scorecard';
    this.deadLetters = new DeadLetters(
      source.transport,
      streams.deadLetter,
      `scorecard ${this.group}`,
      clock,
    );
  }

  async start(): Promise<void> {
    await this.source.transport.ensureGroup(this.stream, this.group);
    const consumer =
      this.source.consumer ?? `${this.group}-${Math.random().toString(36).slice(2, 8)}`;
    this.subscription = this.source.transport
      .consume(this.stream, {
        group: this.group,
        consumer,
        ...(this.source.prefetch ? { prefetch: this.source.prefetch } : {}),
      })
      .subscribe({ next: (d) => this.track(this.handle(d)), error: () => undefined });
  }

  stats(): ResultsStreamStats {
    return { ...this.counters };
  }

  /** Leaves the group and waits for the deliveries being settled. */
  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async handle(d: Delivery): Promise<void> {
    const decoded = decodeResult(d.payload);
    if (decoded.ok) {
      const { v: _v, ...result } = decoded.value;
      if (this.remember(result.requestId)) {
        this.counters.read++;
        try {
          this.onResult(result);
        } catch {
          this.counters.failed++; // a fault in the user's callbacks never holds the delivery
        }
      } else this.counters.duplicates++;
      await d.ack().catch(() => undefined); // redelivered later, then skipped as a duplicate
      return;
    }
    if (await this.deadLetters.trySend(d, decoded.error)) {
      this.counters.deadLettered++;
      await d.ack().catch(() => undefined);
    } else if (d.deliveryCount < DEAD_LETTER_ATTEMPTS) {
      await d.release({ delayMs: DEAD_LETTER_RETRY_MS }).catch(() => undefined);
    } else {
      this.counters.dropped++;
      await d.ack().catch(() => undefined);
    }
  }

  /** Remembers the last ids read; `false` when `id` is among them (a redelivery). */
  private remember(id: string): boolean {
    if (this.recent.has(id)) return false;
    if (this.order.length < REMEMBERED_IDS) this.order.push(id);
    else {
      this.recent.delete(this.order[this.next]!);
      this.order[this.next] = id;
      this.next = (this.next + 1) % REMEMBERED_IDS;
    }
    this.recent.add(id);
    return true;
  }
}
