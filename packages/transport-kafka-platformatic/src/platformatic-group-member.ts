import type { Consumer, GroupAssignment, Message, MessagesStream } from '@platformatic/kafka';
import type { Delivery } from '@rendezvous-ml/core';
import {
  AccountedMember,
  accountOptionsOf,
  DeliveryAccount,
  FetchOutbox,
  partitionKeyOf,
  TopicListWatch,
} from '@rendezvous-ml/transport-kafka/kit';
import { commitTarget } from './commit-target.js';
import type { PlatformaticMemberOptions } from './platformatic-member-options.js';

type StringConsumer = Consumer<string, string, string, string>;
type StringMessage = Message<string, string, string, string>;
type StringStream = MessagesStream<string, string, string, string>;

/**
 * One member of a consumer group: the `@platformatic/kafka` consumer behind one `consume()`
 * subscription, with the same guarantees as the kafkajs transport's member:
 *
 * - commits only acknowledged offsets (the contiguous acknowledged prefix per partition, one
 *   commit in flight at a time); `ack()` resolves after the commit that follows it;
 * - holds at most `prefetch` unacknowledged deliveries: past that it pauses its stream, and a
 *   message the stream had already emitted waits here until there is credit;
 * - `release({ delayMs })` keeps the offset uncommitted and emits the record again later;
 * - after each rebalance the stream reads again from the committed offsets: what was held is
 *   dropped (acks of it are ignored), and so is what the stream fetched before the rebalance and
 *   emits after it (the messages it had buffered, any below the refreshed position, and any of
 *   a partition the rebalance gave to another member: a fetch in flight during the rebalance);
 * - a stream that fails (the broker gone past the client's retries) rebuilds the consumer, and
 *   the member the old one left in the group is evicted;
 * - `stop()` commits what was acknowledged, then leaves the group.
 *
 * The account of what it delivered is the kafkajs transport's {@link DeliveryAccount}.
 *
 * @example
 * ```ts
 * const member = new PlatformaticGroupMember(options);
 * member.start();
 * await member.stop();
 * ```
 */
export class PlatformaticGroupMember extends AccountedMember {
  private consumer: StringConsumer | undefined;
  private stream: StringStream | undefined;
  private memberId: string | undefined;
  private halted = false;
  private stopped: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly watch: TopicListWatch;
  /** After a join, until the stream has refreshed its positions: what it emits is stale. */
  private awaitingOffsets = false;
  /** Messages the stream had buffered at the last join, still to come (stale). */
  private staleBuffered = 0;
  /** Per partition, the lowest offset the stream may deliver now (its refreshed position). */
  private readonly from = new Map<string, number>();
  /**
   * The partitions the group assigned to this member at its last join, when the join said so.
   * A fetch that was in flight during a rebalance can still bring records of a partition that
   * moved to another member; those are its new owner's to deliver (and to commit), never ours.
   */
  private assigned: Set<string> | undefined;
  /** Messages emitted by the stream while the member had no credit for them. */
  private waiting: StringMessage[] = [];
  private streamPaused = false;
  protected readonly account: DeliveryAccount;
  private readonly outbox = new FetchOutbox<Delivery>(
    (d) => this.options.subscriber.next(d),
    (generation) => generation === this.account.generation && !this.halted,
  );
  private pending = new Map<string, { ts: number; item: Delivery }[]>();
  private flushing: NodeJS.Immediate | undefined;

  constructor(private readonly options: PlatformaticMemberOptions) {
    super();
    this.watch = new TopicListWatch({
      topics: () => this.options.topics(),
      refreshMs: this.options.refreshMs,
      halted: () => this.halted,
      groupId: this.options.groupId,
      log: (message, error) => this.options.log(message, error),
      rejoin: async () => {
        // Rejoin with the longer topic list, keeping what is held: its acks stay valid and commit
        // through the new consumer; what it fetches again of partitions it keeps is skipped.
        this.account.pause();
        await this.account.commitNow();
        if (this.halted) return;
        this.starting = this.restart(true);
        await this.starting;
      },
    });
    this.account = new DeliveryAccount({
      ...accountOptionsOf(options),
      pause: () => this.pauseStream(),
      resume: () => this.resumeStream(),
      committer: () => this.consumer && commitTarget(this.consumer),
      stopping: () => this.halted,
      left: () => this.stopped !== undefined && !this.consumer,
    });
  }

  /** The group this member belongs to. */
  get groupId(): string {
    return this.options.groupId;
  }

  /** Joins the group in the background and starts delivering. */
  start(): void {
    this.starting = this.startConsumer();
    this.watch.start();
  }

  /** Re-reads the topic list now and rejoins if it grew (the reply tap after a new return address). */
  refresh(): void {
    if (!this.halted) void this.watch.check();
  }

  /** Commits what was acknowledged and leaves the group. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.halted = true;
      clearTimeout(this.restartTimer);
      this.watch.stop();
      clearImmediate(this.flushing);
      this.outbox.cancel();
      this.account.stopRedelivering();
      await this.starting?.catch(() => undefined);
      await this.account.commitNow();
      this.account.retire();
      await this.close();
    })();
    return this.stopped;
  }

  private async startConsumer(): Promise<void> {
    const topics = await this.watch.toJoin(() => this.scheduleRestart());
    if (topics === undefined) return; // stopped, no reply topic yet (the refresh finds it), or retrying
    const kafka = this.options.kafka();
    const { group } = this.options;
    const consumer: StringConsumer = new kafka.Consumer({
      ...this.options.client,
      groupId: this.options.groupId,
      deserializers: kafka.stringDeserializers,
      autocommit: false,
      ...group,
    });
    this.consumer = consumer;
    consumer.on('consumer:group:join', (event) => {
      if (consumer !== this.consumer) return;
      this.memberId = event.memberId;
      this.onJoin(event.assignments);
    });
    // A rebalance is starting: the current generation may still commit, the next one reads
    // from what is committed. Commit what was acknowledged now, so it is not read again.
    consumer.on('consumer:group:rebalance', () => {
      if (consumer === this.consumer) void this.account.commitNow();
    });
    try {
      const stream = await consumer.consume({
        topics: [...topics],
        mode: kafka.MessagesStreamModes.COMMITTED,
        fallbackMode: kafka.MessagesStreamFallbackModes.EARLIEST,
        autocommit: false,
        ...group,
      });
      if (consumer !== this.consumer || this.halted) {
        await stream.close().catch(() => undefined);
        return;
      }
      this.stream = stream;
      this.awaitingOffsets = false; // a new stream: nothing it emits is from before its join
      stream.on('offsets', () => this.onOffsets(stream));
      stream.on('data', (m) => {
        if (stream === this.stream) this.onMessage(m);
      });
      stream.on('error', (error) => {
        if (stream !== this.stream || this.halted) return;
        this.options.log(`consumer of ${this.options.groupId} failed; rebuilding it`, error);
        this.scheduleRestart();
      });
    } catch (error) {
      if (this.halted) return;
      this.options.log(`consumer of ${this.options.groupId} failed to start`, error);
      this.scheduleRestart();
    }
  }

  private onJoin(assignments: readonly GroupAssignment[] | undefined): void {
    this.assigned = undefined;
    if (assignments) {
      this.assigned = new Set();
      for (const a of assignments)
        for (const partition of a.partitions) this.assigned.add(partitionKeyOf(a.topic, partition));
    }
    if (this.stream) {
      // The stream reads again from the committed offsets: until it has, what it emits is stale.
      this.awaitingOffsets = true;
      this.staleBuffered = this.stream.readableLength;
    }
    this.waiting = [];
    this.pending.clear();
    if (this.carryOver) {
      // First join after a voluntary rejoin: keep the ledgers of the partitions still ours.
      this.carryOver = false;
      this.account.keepOnly(this.assigned ?? new Set());
      return;
    }
    this.account.restart();
  }

  private onOffsets(stream: StringStream): void {
    if (stream !== this.stream) return;
    this.awaitingOffsets = false;
    this.from.clear();
    for (const [key, offset] of stream.offsetsToFetch) {
      const cut = key.lastIndexOf(':');
      this.from.set(partitionKeyOf(key.slice(0, cut), Number(key.slice(cut + 1))), Number(offset));
    }
  }

  private onMessage(m: StringMessage): void {
    if (this.halted) return;
    if (this.staleBuffered > 0) {
      this.staleBuffered--;
      return;
    }
    if (this.awaitingOffsets) return; // fetched before the rebalance: read again after it
    if (this.streamPaused || this.waiting.length > 0) {
      this.waiting.push(m);
      return;
    }
    this.take(m);
  }

  /** Takes `m` into the account; false when there was no credit (it then waits). */
  private take(m: StringMessage): boolean {
    const partitionKey = partitionKeyOf(m.topic, m.partition);
    if (this.assigned && !this.assigned.has(partitionKey)) return true; // moved to another member
    const offset = Number(m.offset);
    const from = this.from.get(partitionKey);
    if (from !== undefined && offset < from) return true; // below the refreshed position: stale
    const admitted = this.account.admit(partitionKey, offset);
    if (admitted === 'full') {
      this.waiting.unshift(m);
      return false;
    }
    this.from.set(partitionKey, offset + 1);
    if (admitted === 'skip') return true; // held from before a voluntary rejoin: not again
    const generation = this.account.generation;
    // A tombstone (null value) is passed on as an empty payload: the core dead-letters it.
    const content = {
      source: this.options.sourceOf(m.topic),
      id: `${m.partition}-${m.offset}`,
      payload: m.value ?? '',
      ...(m.key === undefined || m.key === null ? {} : { key: m.key }),
    };
    const item = this.account.delivery({ generation, partitionKey, offset, content });
    let queue = this.pending.get(partitionKey);
    if (!queue) {
      queue = [];
      this.pending.set(partitionKey, queue);
    }
    queue.push({ ts: Number(m.timestamp), item });
    // What one fetch brought is emitted together, merged by timestamp (see FetchOutbox).
    this.flushing ??= setImmediate(() => {
      this.flushing = undefined;
      const queues = this.pending;
      this.pending = new Map();
      for (const q of queues.values()) this.outbox.enqueue(generation, q);
    });
    return true;
  }

  private pauseStream(): boolean {
    if (!this.stream) return false;
    this.streamPaused = true;
    this.stream.pause();
    return true;
  }

  private resumeStream(): void {
    this.streamPaused = false;
    while (this.waiting.length > 0 && !this.streamPaused) {
      if (!this.take(this.waiting.shift()!)) break;
    }
    if (!this.streamPaused && this.waiting.length === 0) this.stream?.resume();
  }

  private scheduleRestart(): void {
    if (this.halted || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart(false);
    }, this.options.restartDelayMs ?? 200);
  }

  /** Rebuilds the consumer; `keepHolding` carries held deliveries over to the next join. */
  private async restart(keepHolding: boolean): Promise<void> {
    await this.starting?.catch(() => undefined);
    if (this.halted) return;
    const ghost = this.memberId;
    await this.close();
    this.rebuilt(keepHolding);
    if (!keepHolding && ghost) this.options.evict?.(this.options.groupId, ghost);
    this.starting = this.startConsumer();
    await this.starting;
  }

  /** Closes the stream and the consumer (leaving the group, if it still can). */
  private async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.stream = undefined;
    this.memberId = undefined;
    this.assigned = undefined;
    this.streamPaused = false;
    this.waiting = [];
    await consumer?.close(true).catch((e: unknown) => this.options.log('leave failed', e));
  }
}
