import type { Delivery } from '@rendezvous-ml/core';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { accountOptionsOf } from './account-options-of.js';
import { AccountedMember } from './accounted-member.js';
import { ConsumerLifecycle } from './consumer-lifecycle.js';
import { DeliveryAccount, partitionKeyOf } from './delivery-account.js';
import { FetchOutbox } from './fetch-outbox.js';
import type { GroupMemberOptions } from './group-member-options.js';

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
export class GroupMember extends AccountedMember {
  private stopped: Promise<void> | undefined;
  private readonly lifecycle: ConsumerLifecycle;
  protected readonly account: DeliveryAccount;
  private readonly outbox = new FetchOutbox<Delivery>(
    (d) => this.options.subscriber.next(d),
    (generation) => generation === this.account.generation && !this.lifecycle.stopping,
  );

  constructor(private readonly options: GroupMemberOptions) {
    super();
    this.lifecycle = new ConsumerLifecycle(options, {
      onJoin: (assignment) => this.onJoin(assignment),
      onBatch: (consumer, payload) => this.onBatch(consumer, payload),
      onRestart: (keepHolding) => this.rebuilt(keepHolding),
      beforeRejoin: () => {
        this.account.pause();
        return this.account.commitNow();
      },
    });
    this.account = new DeliveryAccount({
      ...accountOptionsOf(options),
      pause: () => this.pauseTopics(),
      resume: () => this.resumeTopics(),
      committer: () => this.lifecycle.consumer,
      stopping: () => this.lifecycle.stopping,
      left: () => this.stopped !== undefined && !this.lifecycle.consumer,
    });
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

  /** Commits what was acknowledged and leaves the group. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.lifecycle.halt();
      this.outbox.cancel();
      this.account.stopRedelivering();
      await this.lifecycle.settle();
      await this.account.commitNow();
      this.account.retire();
      await this.lifecycle.leave();
    })();
    return this.stopped;
  }

  private onJoin(assignment: Record<string, number[]>): void {
    if (this.carryOver) {
      // First join after a voluntary rejoin: keep the ledgers of the partitions still ours.
      this.carryOver = false;
      const keys = new Set<string>();
      for (const [topic, partitions] of Object.entries(assignment))
        for (const partition of partitions) keys.add(partitionKeyOf(topic, partition));
      this.account.keepOnly(keys);
      return;
    }
    // kafkajs restarts reading at the committed offsets after every join: what we held is stale.
    this.account.restart();
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const generation = this.account.generation;
    const partitionKey = partitionKeyOf(batch.topic, batch.partition);
    const source = this.options.sourceOf(batch.topic);
    let complete = true;
    const queue: { ts: number; item: Delivery }[] = [];
    for (const message of batch.messages) {
      if (
        this.lifecycle.stopping ||
        consumer !== this.lifecycle.consumer ||
        generation !== this.account.generation ||
        !isRunning() ||
        isStale()
      ) {
        complete = false;
        break;
      }
      const offset = Number(message.offset);
      const admitted = this.account.admit(partitionKey, offset);
      if (admitted === 'full') {
        complete = false;
        break;
      }
      resolveOffset(message.offset);
      if (admitted === 'skip') continue; // held from before a voluntary rejoin: not again
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
        item: this.account.delivery({ generation, partitionKey, offset, content }),
      });
    }
    if (queue.length > 0) this.outbox.enqueue(generation, queue);
    if (complete && batch.messages.length === 0 && !batch.isEmpty())
      resolveOffset(batch.lastOffset());
    if (isRunning() && !this.lifecycle.stopping) await heartbeat();
  }

  private pauseTopics(): boolean {
    const consumer = this.lifecycle.consumer;
    if (!consumer) return false;
    try {
      consumer.pause(this.lifecycle.topics.map((topic) => ({ topic })));
      return true;
    } catch {
      return false;
    }
  }

  private resumeTopics(): void {
    try {
      this.lifecycle.consumer?.resume(this.lifecycle.topics.map((topic) => ({ topic })));
    } catch {
      // not running yet: nothing is paused
    }
  }
}
