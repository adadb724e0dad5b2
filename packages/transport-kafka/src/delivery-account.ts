import {
  type Clock,
  type Delivery,
  type ReleaseOptions,
  systemClock,
  TransportClosedError,
} from '@rendezvous-ml/core';
import { type CommitTarget, OffsetCommitter } from './offset-committer.js';
import { PartitionLedger } from './partition-ledger.js';
import type { RedeliveryCounter } from './redelivery-counter.js';
import { type ReleasedRecord, ReleasedRecords } from './released-records.js';

/**
 * The key of a partition in the account: `topic|partition`.
 *
 * @example
 * ```ts
 * partitionKeyOf('rendezvous.requests', 3); // 'rendezvous.requests|3'
 * ```
 */
export const partitionKeyOf = (topic: string, partition: number): string => `${topic}|${partition}`;

/**
 * What a {@link DeliveryAccount} needs from the member it keeps the account of: where
 * deliveries go, how to stop and restart fetching, and what commits.
 */
export interface DeliveryAccountOptions {
  readonly groupId: string;
  readonly prefetch: number;
  readonly redeliveries: RedeliveryCounter;
  /** Emits a delivery (a redelivery of a released record; fetched ones go through the member). */
  readonly emit: (delivery: Delivery) => void;
  /** Stops fetching; returns false when the client is not running (nothing to pause). */
  readonly pause: () => boolean;
  readonly resume: () => void;
  /** The client that commits now, if one runs. */
  readonly committer: () => CommitTarget | undefined;
  /** Whether the member is stopping: no redelivery from then on. */
  readonly stopping: () => boolean;
  /** Whether the member has left its group: acks and releases then do nothing. */
  readonly left: () => boolean;
  readonly isClosed: () => boolean;
  readonly log: (message: string, error?: unknown) => void;
  readonly clock?: Clock;
}

/**
 * The account one consumer-group member keeps of what it delivered, whatever the Kafka client:
 * per partition a {@link PartitionLedger}, the records handed back by `release` until they are
 * due again, the prefetch credit (fetching pauses at `prefetch` held deliveries and resumes on
 * ack or release), and the commits of the acknowledged prefix. A *generation* ends at each
 * rebalance: reading restarts at the committed offsets, so acks and releases of deliveries from
 * an older generation are ignored.
 *
 * @example
 * ```ts
 * const account = new DeliveryAccount(options);
 * if (account.admit(partitionKeyOf(topic, 0), 5) === 'deliver')
 *   emit(account.delivery({ generation: account.generation, partitionKey, offset: 5, content }));
 * ```
 */
export class DeliveryAccount {
  private gen = 0;
  private ledgers = new Map<string, PartitionLedger>();
  private held = 0;
  private paused = false;
  private readonly released: ReleasedRecords;
  private readonly committer: OffsetCommitter;

  constructor(private readonly options: DeliveryAccountOptions) {
    this.released = new ReleasedRecords(options.clock ?? systemClock, () => this.drainReleased());
    this.committer = new OffsetCommitter(
      () => ({
        consumer: options.committer(),
        generation: this.gen,
        ledgers: this.ledgers,
      }),
      (generation) => generation === this.gen,
      (partitionKey, offset) =>
        options.redeliveries.committed(`${options.groupId}|${partitionKey}`, offset),
      (message, error) => options.log(`${message} (${options.groupId})`, error),
    );
  }

  /** The current generation: deliveries are tagged with it. */
  get generation(): number {
    return this.gen;
  }

  /** Commits what was acknowledged; resolves when that commit has finished (or failed). */
  commitNow(): Promise<void> {
    return this.committer.commitNow();
  }

  /** Acknowledged offsets in `[from, to)` that no commit covers yet (after an offset still held). */
  ackedAhead(topic: string, partition: number, from: number, to: number): number {
    return this.ledgers.get(partitionKeyOf(topic, partition))?.ackedBetween(from, to) ?? 0;
  }

  /**
   * Takes a fetched offset into the account: `'deliver'` (now held), `'skip'` (held from before
   * a voluntary rejoin: not again) or `'full'` (no credit: fetching is paused; read it later).
   */
  admit(partitionKey: string, offset: number): 'deliver' | 'skip' | 'full' {
    if (this.full()) {
      this.pause();
      return 'full';
    }
    let ledger = this.ledgers.get(partitionKey);
    if (!ledger) {
      ledger = new PartitionLedger();
      this.ledgers.set(partitionKey, ledger);
    }
    if (ledger.lastDelivered !== undefined && offset <= ledger.lastDelivered) return 'skip';
    ledger.delivered(offset);
    this.held++;
    return 'deliver';
  }

  /** A new generation: what was held is stale (read again from the committed offsets). */
  restart(): void {
    this.gen++;
    this.ledgers = new Map();
    this.released.clear();
    this.held = 0;
    if (this.paused) this.resume();
  }

  /** A voluntary rejoin kept these partitions: keep their ledgers, drop the others. */
  keepOnly(partitionKeys: ReadonlySet<string>): void {
    const kept = new Map<string, PartitionLedger>();
    for (const k of partitionKeys) {
      const ledger = this.ledgers.get(k);
      if (ledger) kept.set(k, ledger);
    }
    this.ledgers = kept;
    this.released.keepOnly(new Set(kept.keys()));
    this.held = [...kept.values()].reduce((n, l) => n + l.outstanding(), 0);
  }

  /** First step of the member's stop: nothing released is delivered again. */
  stopRedelivering(): void {
    this.released.clear();
  }

  /** Last step of the member's stop, after its final commit: later acks belong to no generation. */
  retire(): void {
    this.gen++;
  }

  /** Fetching was restarted by the client (a new consumer): nothing is paused any more. */
  unpaused(): void {
    this.paused = false;
  }

  /** A delivery of `record`, counted; a released handle's later ack or release does nothing. */
  delivery(record: ReleasedRecord): Delivery {
    const { generation, partitionKey, offset, content } = record;
    let state: 'held' | 'acked' | 'released' = 'held';
    return {
      ...content,
      deliveryCount: this.options.redeliveries.next(
        `${this.options.groupId}|${partitionKey}`,
        offset,
      ),
      ack: () => {
        if (state === 'released' && !this.options.isClosed()) return Promise.resolve();
        state = 'acked';
        return this.ack(generation, partitionKey, offset);
      },
      release: (options?: ReleaseOptions) => {
        if (this.options.isClosed()) return Promise.reject(new TransportClosedError());
        if (state !== 'held') return Promise.resolve();
        state = 'released';
        this.release(record, options?.delayMs ?? 0);
        return Promise.resolve();
      },
    };
  }

  /** Whether the member holds (or owes due redeliveries) all the deliveries it may hold. */
  private full(): boolean {
    return this.held + this.released.dueCount >= this.options.prefetch;
  }

  private release(record: ReleasedRecord, delayMs: number): void {
    if (this.options.left()) return; // left: the group reads it again
    if (record.generation !== this.gen) return; // read again after the rebalance
    if (!this.ledgers.get(record.partitionKey)?.release(record.offset)) return;
    this.held--;
    this.released.hold(record, delayMs);
    if (this.paused && !this.full()) this.resume();
  }

  /** Emits the due released records while there is credit for them. */
  private drainReleased(): void {
    while (!this.options.stopping() && this.held < this.options.prefetch) {
      const record = this.released.takeDue();
      if (!record) break;
      if (record.generation !== this.gen) continue;
      if (!this.ledgers.get(record.partitionKey)?.redelivered(record.offset)) continue;
      this.held++;
      this.options.emit(this.delivery(record));
    }
    if (this.paused && !this.full()) this.resume();
  }

  private ack(generation: number, partitionKey: string, offset: number): Promise<void> {
    if (this.options.isClosed()) return Promise.reject(new TransportClosedError());
    if (this.options.left()) return Promise.resolve(); // left: the group reads it again
    if (generation !== this.gen) return Promise.resolve(); // redelivered after a rebalance
    const ledger = this.ledgers.get(partitionKey);
    if (!ledger?.ack(offset)) return Promise.resolve();
    this.held--;
    if (this.released.dueCount > 0) this.drainReleased();
    else if (this.paused && !this.full()) this.resume();
    return this.committer.commitNow();
  }

  /** Stops fetching (the member holds `prefetch` deliveries). */
  pause(): void {
    if (this.paused) return;
    this.paused = this.options.pause();
  }

  private resume(): void {
    this.paused = false;
    this.options.resume();
  }
}
