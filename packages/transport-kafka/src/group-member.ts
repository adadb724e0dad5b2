import {
  type Delivery,
  type ReleaseOptions,
  systemClock,
  TransportClosedError,
} from '@rendezvous-ml/core';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { ConsumerLifecycle } from './consumer-lifecycle.js';
import { FetchOutbox } from './fetch-outbox.js';
import type { GroupMemberOptions } from './group-member-options.js';
import { OffsetCommitter } from './offset-committer.js';
import { PartitionLedger } from './partition-ledger.js';
import { type ReleasedRecord, ReleasedRecords } from './released-records.js';

const key = (topic: string, partition: number): string => `${topic}|${partition}`;

/**
 * One member of a consumer group: the kafkajs consumer behind one `consume()` subscription.
 *
 * - Reads with `eachBatch`, emits each message as a {@link Delivery}, and advances kafkajs's
 *   fetch position past what it emitted, heartbeating after every batch.
 * - Commits only acknowledged offsets: per partition, the contiguous acknowledged prefix, in
 *   one coalesced commit in flight at a time. `ack()` resolves after the commit that follows it.
 * - Holds at most `prefetch` unacknowledged deliveries: past that it pauses its topics and
 *   resumes on ack or release.
 * - `release({ delayMs })` frees the credit at once and keeps the offset uncommitted; the member
 *   emits the record again (higher `deliveryCount`) after `delayMs`, before anything new. If the
 *   partition is revoked meanwhile, the re-emission is dropped: the new owner reads the record
 *   from the committed offset.
 * - After a rebalance, reading restarts at the committed offsets, so what was delivered but
 *   not acknowledged comes again; acks of deliveries from before the rebalance are ignored.
 * - Its kafkajs consumer is started, rebuilt after a crash and stopped by a
 *   {@link ConsumerLifecycle}; this class keeps the account of what it delivered.
 * - `stop()` commits what was acknowledged, then leaves the group, so the survivors get the
 *   unacknowledged rest at once (no session timeout to wait for).
 *
 * @example
 * ```ts
 * const member = new GroupMember(options);
 * member.start();
 * // later
 * await member.stop();
 * ```
 */
export class GroupMember {
  private generation = 0;
  private ledgers = new Map<string, PartitionLedger>();
  private held = 0;
  private paused = false;
  private stopped: Promise<void> | undefined;
  private readonly lifecycle: ConsumerLifecycle;
  private readonly outbox = new FetchOutbox<Delivery>(
    (d) => this.options.subscriber.next(d),
    (generation) => generation === this.generation && !this.lifecycle.stopping,
  );
  private readonly released: ReleasedRecords;
  private readonly committer: OffsetCommitter;
  /** Set by a voluntary rejoin (new topics): the next join keeps what is held. */
  private carryOver = false;

  constructor(private readonly options: GroupMemberOptions) {
    this.lifecycle = new ConsumerLifecycle(options, {
      onJoin: (assignment) => this.onJoin(assignment),
      onBatch: (consumer, payload) => this.onBatch(consumer, payload),
      onRestart: (keepHolding) => this.onRestart(keepHolding),
      beforeRejoin: () => {
        this.pause();
        return this.committer.commitNow();
      },
    });
    this.released = new ReleasedRecords(options.clock ?? systemClock, () => this.drainReleased());
    this.committer = new OffsetCommitter(
      () => ({
        consumer: this.lifecycle.consumer,
        generation: this.generation,
        ledgers: this.ledgers,
      }),
      (generation) => generation === this.generation,
      (partitionKey, offset) =>
        options.redeliveries.committed(`${options.groupId}|${partitionKey}`, offset),
      (message, error) => options.log(`${message} (${options.groupId})`, error),
    );
  }

  /** Joins the group and starts delivering. */
  start(): void {
    this.lifecycle.start();
  }

  /** Re-reads the topic list now and rejoins if it grew (the reply tap after a new return address). */
  refresh(): void {
    this.lifecycle.refresh();
  }

  /** The group this member belongs to. */
  get groupId(): string {
    return this.options.groupId;
  }

  /** Commits what was acknowledged; resolves when that commit has finished (or failed). */
  commitNow(): Promise<void> {
    return this.committer.commitNow();
  }

  /**
   * How many offsets in `[from, to)` of `topic`'s `partition` this member acknowledged that
   * no commit covers yet: they follow an offset it still holds (commits are a contiguous prefix).
   */
  ackedAhead(topic: string, partition: number, from: number, to: number): number {
    return this.ledgers.get(key(topic, partition))?.ackedBetween(from, to) ?? 0;
  }

  /** Commits what was acknowledged and leaves the group. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.lifecycle.halt();
      this.outbox.cancel();
      this.released.clear();
      await this.lifecycle.settle();
      await this.committer.commitNow();
      this.generation++;
      await this.lifecycle.leave();
    })();
    return this.stopped;
  }

  /** The consumer is rebuilt: keep what is held for a voluntary rejoin, else drop it. */
  private onRestart(keepHolding: boolean): void {
    if (keepHolding) {
      this.carryOver = true;
      this.paused = false;
    } else {
      this.carryOver = false;
      this.generation++;
      this.resetHolding();
    }
  }

  private onJoin(assignment: Record<string, number[]>): void {
    if (this.carryOver) {
      // First join after a voluntary rejoin: keep the ledgers of the partitions still ours.
      this.carryOver = false;
      const kept = new Map<string, PartitionLedger>();
      for (const [topic, partitions] of Object.entries(assignment)) {
        for (const partition of partitions) {
          const k = key(topic, partition);
          const ledger = this.ledgers.get(k);
          if (ledger) kept.set(k, ledger);
        }
      }
      this.ledgers = kept;
      this.released.keepOnly(new Set(kept.keys()));
      this.held = [...kept.values()].reduce((n, l) => n + l.outstanding(), 0);
      return;
    }
    // kafkajs restarts reading at the committed offsets after every join: what we held is stale.
    this.generation++;
    this.resetHolding();
  }

  private resetHolding(): void {
    this.ledgers = new Map();
    this.released.clear();
    this.held = 0;
    if (this.paused) this.resume();
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const generation = this.generation;
    const partitionKey = key(batch.topic, batch.partition);
    const source = this.options.sourceOf(batch.topic);
    let complete = true;
    const queue: { ts: number; item: Delivery }[] = [];
    for (const message of batch.messages) {
      if (
        this.lifecycle.stopping ||
        consumer !== this.lifecycle.consumer ||
        generation !== this.generation ||
        !isRunning() ||
        isStale()
      ) {
        complete = false;
        break;
      }
      if (this.full()) {
        this.pause();
        complete = false;
        break;
      }
      const offset = Number(message.offset);
      let ledger = this.ledgers.get(partitionKey);
      if (!ledger) {
        ledger = new PartitionLedger();
        this.ledgers.set(partitionKey, ledger);
      }
      if (ledger.lastDelivered !== undefined && offset <= ledger.lastDelivered) {
        resolveOffset(message.offset); // held from before a voluntary rejoin: not again
        continue;
      }
      ledger.delivered(offset);
      this.held++;
      resolveOffset(message.offset);
      const k = message.key?.toString();
      // A tombstone (null value) is passed on as an empty payload: the core dead-letters it.
      const content = {
        source,
        id: `${batch.partition}-${message.offset}`,
        payload: message.value?.toString() ?? '',
        ...(k === undefined ? {} : { key: k }),
      };
      queue.push({
        ts: Number(message.timestamp),
        item: this.delivery({ generation, partitionKey, offset, content }),
      });
    }
    if (queue.length > 0) this.outbox.enqueue(generation, queue);
    if (complete && batch.messages.length === 0 && !batch.isEmpty())
      resolveOffset(batch.lastOffset());
    if (isRunning() && !this.lifecycle.stopping) await heartbeat();
  }

  /** Whether the member holds (or owes due redeliveries) all the deliveries it may hold. */
  private full(): boolean {
    return this.held + this.released.dueCount >= this.options.prefetch;
  }

  /** A delivery of `record`, counted; a released handle's later ack or release does nothing. */
  private delivery(record: ReleasedRecord): Delivery {
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

  private release(record: ReleasedRecord, delayMs: number): void {
    if (this.stopped && !this.lifecycle.consumer) return; // left: the group reads it again
    if (record.generation !== this.generation) return; // read again after the rebalance
    if (!this.ledgers.get(record.partitionKey)?.release(record.offset)) return;
    this.held--;
    this.released.hold(record, delayMs);
    if (this.paused && !this.full()) this.resume();
  }

  /** Emits the due released records while there is credit for them. */
  private drainReleased(): void {
    while (!this.lifecycle.stopping && this.held < this.options.prefetch) {
      const record = this.released.takeDue();
      if (!record) break;
      if (record.generation !== this.generation) continue;
      if (!this.ledgers.get(record.partitionKey)?.redelivered(record.offset)) continue;
      this.held++;
      this.options.subscriber.next(this.delivery(record));
    }
    if (this.paused && !this.full()) this.resume();
  }

  private ack(generation: number, partitionKey: string, offset: number): Promise<void> {
    if (this.options.isClosed()) return Promise.reject(new TransportClosedError());
    if (this.stopped && !this.lifecycle.consumer) return Promise.resolve(); // left: the group reads it again
    if (generation !== this.generation) return Promise.resolve(); // redelivered after a rebalance
    const ledger = this.ledgers.get(partitionKey);
    if (!ledger?.ack(offset)) return Promise.resolve();
    this.held--;
    if (this.released.dueCount > 0) this.drainReleased();
    else if (this.paused && !this.full()) this.resume();
    return this.committer.commitNow();
  }

  private pause(): void {
    const consumer = this.lifecycle.consumer;
    if (this.paused || !consumer) return;
    this.paused = true;
    try {
      consumer.pause(this.lifecycle.topics.map((topic) => ({ topic })));
    } catch {
      this.paused = false;
    }
  }

  private resume(): void {
    this.paused = false;
    try {
      this.lifecycle.consumer?.resume(this.lifecycle.topics.map((topic) => ({ topic })));
    } catch {
      // not running yet: nothing is paused
    }
  }
}
