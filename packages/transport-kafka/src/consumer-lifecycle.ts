import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { GroupMemberOptions } from './group-member-options.js';
import { groupProtocolRefusal } from './group-protocol-refusal.js';
import { TopicListWatch } from './topic-list-watch.js';

/**
 * What a {@link ConsumerLifecycle} hands to the member it runs the consumer for.
 */
export interface ConsumerLifecycleHooks {
  /** The current consumer joined the group with this assignment (topic → partitions). */
  onJoin(assignment: Record<string, number[]>): void;
  /** A batch fetched by `consumer` (which may no longer be the current one). */
  onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void>;
  /**
   * The consumer is being rebuilt; `keepHolding` when the rejoin is voluntary (a longer topic
   * list) and what is held stays valid, false after a crash.
   */
  onRestart(keepHolding: boolean): void;
  /** Before a voluntary rejoin: stop fetching and commit what was acknowledged. */
  beforeRejoin(): Promise<void>;
}

/**
 * The life of the kafkajs consumer behind one group member: it joins after the topics are set
 * up, is rebuilt after a crash kafkajs does not restart it from (and after a failed start),
 * rejoins with a longer topic list when `refreshMs` is set (the reply tap), and leaves the
 * group on stop. When a consumer crashes, the member it leaves behind in the group is evicted,
 * so the rejoin does not wait for its session to time out.
 *
 * @example
 * ```ts
 * const lifecycle = new ConsumerLifecycle(options, hooks);
 * lifecycle.start();
 * // later
 * lifecycle.halt();
 * await lifecycle.settle();
 * await lifecycle.leave();
 * ```
 */
export class ConsumerLifecycle {
  private current: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private halted = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  /** The broker's id of the current consumer in the group, from its last join. */
  private memberId: string | undefined;
  private readonly watch: TopicListWatch;

  constructor(
    private readonly options: GroupMemberOptions,
    private readonly hooks: ConsumerLifecycleHooks,
  ) {
    this.watch = new TopicListWatch({
      topics: () => this.options.topics(),
      refreshMs: this.options.refreshMs,
      halted: () => this.halted,
      busy: () => this.restarting !== undefined,
      groupId: this.options.groupId,
      log: (message, error) => this.options.log(message, error),
      rejoin: async () => {
        // Rejoin with the longer topic list, keeping what is held: its acks stay valid and commit
        // through the new consumer, and what kafkajs fetches again from the committed offsets of
        // partitions this member keeps is skipped (no redelivery for a mere topic-list change).
        await this.hooks.beforeRejoin();
        if (this.halted) return;
        await this.restart(true);
      },
    });
  }

  /** The running consumer, if any. */
  get consumer(): Consumer | undefined {
    return this.current;
  }

  /** The topics the current consumer subscribed to. */
  get topics(): readonly string[] {
    return this.watch.joined;
  }

  /** Whether `halt()` was called. */
  get stopping(): boolean {
    return this.halted;
  }

  /** Joins the group in the background. */
  start(): void {
    this.starting = this.startConsumer();
    this.watch.start();
  }

  /** Re-reads the topic list now and rejoins if it grew (the reply tap after a new return address). */
  refresh(): void {
    if (this.halted || this.restarting) return;
    void this.watch.check();
  }

  /** First step of stopping: no restart, refresh or new start from now on. */
  halt(): void {
    this.halted = true;
    this.watch.stop();
    clearTimeout(this.restartTimer);
  }

  /** Resolves once a start or restart in progress has finished. */
  async settle(): Promise<void> {
    await this.restarting?.catch(() => undefined);
    await this.starting?.catch(() => undefined);
  }

  /** Last step of stopping: disconnects the consumer, which leaves the group. */
  async leave(): Promise<void> {
    const consumer = this.current;
    this.current = undefined;
    await consumer?.disconnect().catch((e: unknown) => this.options.log('leave failed', e));
  }

  private async startConsumer(): Promise<void> {
    const topics = await this.watch.toJoin(() => this.scheduleRestart());
    if (topics === undefined) return; // halted, nothing to read yet, or a restart scheduled
    const consumer = this.options.kafka().consumer({
      ...this.options.consumerConfig,
      groupId: this.options.groupId,
    });
    this.current = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (consumer !== this.current) return;
      this.memberId = event.payload.memberId;
      this.hooks.onJoin(event.payload.memberAssignment);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (this.halted || consumer !== this.current) return;
      const refusal = groupProtocolRefusal(event.payload.error, this.options.groupId);
      if (refusal) {
        // No rejoin can succeed: end the subscription with what to change, instead of looping.
        this.halt();
        void this.leave();
        this.options.subscriber.error(refusal);
        return;
      }
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
        eachBatch: (payload) => this.hooks.onBatch(consumer, payload),
      });
    } catch (error) {
      if (this.halted) return;
      this.options.log(`consumer of ${this.options.groupId} failed to start`, error);
      this.scheduleRestart();
    }
  }

  private scheduleRestart(): void {
    if (this.halted || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart();
    }, this.options.restartDelayMs ?? 200);
  }

  /** Rebuilds the consumer; `keepHolding` carries held deliveries over to the next join. */
  private restart(keepHolding = false): Promise<void> {
    this.restarting ??= (async () => {
      await this.starting?.catch(() => undefined);
      const old = this.current;
      this.current = undefined;
      this.memberId = undefined;
      this.hooks.onRestart(keepHolding);
      await old?.disconnect().catch(() => undefined);
      this.starting = this.startConsumer();
      await this.starting;
    })().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }
}
