import {
  type Delivery,
  type ReleaseOptions,
  systemClock,
  TransportClosedError,
} from '@rendezvous-ml/core';
import type { Consumer, EachBatchPayload } from 'kafkajs';
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
 * - A consumer that kafkajs does not restart after a crash is rebuilt here.
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
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private generation = 0;
  private ledgers = new Map<string, PartitionLedger>();
  private held = 0;
  private paused = false;
  private topicList: readonly string[] = [];
  private stopping = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private readonly outbox = new FetchOutbox<Delivery>(
    (d) => this.options.subscriber.next(d),
    (generation) => generation === this.generation && !this.stopping,
  );
  private readonly released: ReleasedRecords;
  private readonly committer: OffsetCommitter;
  /** The broker's id of the current consumer in the group, from its last join. */
  private memberId: string | undefined;
  /** Set by a voluntary rejoin (new topics): the next join keeps what is held. */
  private carryOver = false;

  constructor(private readonly options: GroupMemberOptions) {
    this.released = new ReleasedRecords(options.clock ?? systemClock, () => this.drainReleased());
    this.committer = new OffsetCommitter(
      () => ({ consumer: this.consumer, generation: this.generation, ledgers: this.ledgers }),
      (generation) => generation === this.generation,
      (partitionKey, offset) =>
        options.redeliveries.committed(`${options.groupId}|${partitionKey}`, offset),
      (message, error) => options.log(`${message} (${options.groupId})`, error),
    );
  }

  /** Joins the group and starts delivering. */
  start(): void {
    this.starting = this.startConsumer();
    if (this.options.refreshMs !== undefined) this.scheduleRefresh();
  }

  /** Re-reads the topic list now and rejoins if it grew (the reply tap after a new return address). */
  refresh(): void {
    if (this.stopping || this.restarting) return;
    void this.checkTopics();
  }

  /** Commits what was acknowledged and leaves the group. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.outbox.cancel();
      this.released.clear();
      clearTimeout(this.refreshTimer);
      clearTimeout(this.restartTimer);
      await this.restarting?.catch(() => undefined);
      await this.starting?.catch(() => undefined);
      await this.committer.commitNow();
      const consumer = this.consumer;
      this.consumer = undefined;
      this.generation++;
      await consumer?.disconnect().catch((e: unknown) => this.options.log('leave failed', e));
    })();
    return this.stopped;
  }

  private async startConsumer(): Promise<void> {
    if (this.stopping) return;
    let topics: readonly string[];
    try {
      topics = await this.options.topics();
    } catch (error) {
      this.options.log(`cannot prepare group ${this.options.groupId}`, error);
      this.scheduleRestart();
      return;
    }
    if (this.stopping) return;
    this.topicList = topics;
    if (topics.length === 0) return; // the tap waits for a first reply topic (refresh)
    const consumer = this.options.kafka().consumer({
      ...this.options.consumerConfig,
      groupId: this.options.groupId,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (consumer === this.consumer) this.memberId = event.payload.memberId;
      this.onJoin(consumer, event.payload.memberAssignment);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (this.stopping || consumer !== this.consumer) return;
      // kafkajs rejoins with a new member id: make the coordinator forget the old one now.
      const ghost = this.memberId;
      this.memberId = undefined;
      if (ghost) this.options.evict?.(this.options.groupId, ghost);
      if (event.payload.restart) return;
      this.options.log(
        `consumer of ${this.options.groupId} crashed; rebuilding it`,
        event.payload.error,
      );
      this.scheduleRestart();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: [...topics],
        fromBeginning: this.options.fromBeginning ?? true,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(consumer, payload),
      });
    } catch (error) {
      if (this.stopping) return;
      this.options.log(`consumer of ${this.options.groupId} failed to start`, error);
      this.scheduleRestart();
    }
  }

  private scheduleRestart(): void {
    if (this.stopping || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart();
    }, this.options.restartDelayMs ?? 200);
  }

  /** Rebuilds the consumer; `keepHolding` carries held deliveries over to the next join. */
  private restart(keepHolding = false): Promise<void> {
    this.restarting ??= (async () => {
      await this.starting?.catch(() => undefined);
      const old = this.consumer;
      this.consumer = undefined;
      this.memberId = undefined;
      if (keepHolding) {
        this.carryOver = true;
        this.paused = false;
      } else {
        this.carryOver = false;
        this.generation++;
        this.resetHolding();
      }
      await old?.disconnect().catch(() => undefined);
      this.starting = this.startConsumer();
      await this.starting;
    })().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  private scheduleRefresh(): void {
    if (this.stopping) return;
    this.refreshTimer = setTimeout(async () => {
      await this.checkTopics();
      this.scheduleRefresh();
    }, this.options.refreshMs);
  }

  private async checkTopics(): Promise<void> {
    let topics: readonly string[];
    try {
      topics = await this.options.topics();
    } catch {
      return;
    }
    if (this.stopping || this.restarting) return;
    const known = new Set(this.topicList);
    if (topics.some((t) => !known.has(t))) {
      // Rejoin with the longer topic list, keeping what is held: its acks stay valid and commit
      // through the new consumer, and what kafkajs fetches again from the committed offsets of
      // partitions this member keeps is skipped (no redelivery for a mere topic-list change).
      this.pause();
      await this.committer.commitNow();
      if (this.stopping) return;
      await this.restart(true);
    }
  }

  private onJoin(consumer: Consumer, assignment: Record<string, number[]>): void {
    if (consumer !== this.consumer) return;
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
        this.stopping ||
        consumer !== this.consumer ||
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
    if (isRunning() && !this.stopping) await heartbeat();
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
    if (this.stopped && !this.consumer) return; // left: the group reads it again
    if (record.generation !== this.generation) return; // read again after the rebalance
    if (!this.ledgers.get(record.partitionKey)?.release(record.offset)) return;
    this.held--;
    this.released.hold(record, delayMs);
    if (this.paused && !this.full()) this.resume();
  }

  /** Emits the due released records while there is credit for them. */
  private drainReleased(): void {
    while (!this.stopping && this.held < this.options.prefetch) {
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
    if (this.stopped && !this.consumer) return Promise.resolve(); // left: the group reads it again
    if (generation !== this.generation) return Promise.resolve(); // redelivered after a rebalance
    const ledger = this.ledgers.get(partitionKey);
    if (!ledger?.ack(offset)) return Promise.resolve();
    this.held--;
    if (this.released.dueCount > 0) this.drainReleased();
    else if (this.paused && !this.full()) this.resume();
    return this.committer.commitNow();
  }

  private pause(): void {
    if (this.paused || !this.consumer) return;
    this.paused = true;
    try {
      this.consumer.pause(this.topicList.map((topic) => ({ topic })));
    } catch {
      this.paused = false;
    }
  }

  private resume(): void {
    this.paused = false;
    try {
      this.consumer?.resume(this.topicList.map((topic) => ({ topic })));
    } catch {
      // not running yet: nothing is paused
    }
  }
}
