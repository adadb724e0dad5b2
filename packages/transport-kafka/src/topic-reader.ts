import type { IncomingMessage } from '@rendezvous-ml/core';
import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import { RestartTimer } from './restart-timer.js';

/**
 * Options of {@link TopicReader}.
 *
 * @example
 * ```ts
 * const opts: TopicReaderOptions = { kafka, groupId: 'rendezvous.reader.x', topic: 'rendezvous.__reply.x',
 *   fromBeginning: true, commit: true, consumerConfig: {}, onMessage: console.log, log: console.warn };
 * ```
 */
export interface TopicReaderOptions {
  readonly kafka: Kafka;
  /** A group of its own: the reader is the only member, so it gets every partition. */
  readonly groupId: string;
  readonly topic: string;
  /** Where it starts when its group has no committed offset. */
  readonly fromBeginning: boolean;
  /** Whether it commits what it read (so a restart resumes rather than starting over). */
  readonly commit: boolean;
  readonly consumerConfig: Omit<ConsumerConfig, 'groupId'>;
  readonly onMessage: (message: IncomingMessage) => void;
  /** Delay before a consumer that crashed for good is rebuilt. Default 200 ms. */
  readonly restartDelayMs?: number;
  /** Removes the member a crashed consumer left behind (see `GroupMemberOptions.evict`). */
  readonly evict?: (groupId: string, memberId: string) => void;
  readonly log: (message: string, error?: unknown) => void;
}

/**
 * Reads a whole topic without acknowledgements: the return address of a front end, or a
 * broadcast channel. kafkajs has no manual `assign`, so the reader is the only member of a
 * group of its own, which gives it every partition. Crashes kafkajs does not recover from
 * rebuild the consumer.
 *
 * @example
 * ```ts
 * const reader = new TopicReader(options);
 * reader.start();
 * await reader.stop();
 * ```
 */
export class TopicReader {
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private memberId: string | undefined;
  /** Per partition, one past the last offset read and not yet committed. */
  private readonly read = new Map<number, number>();
  private commitTimer: NodeJS.Timeout | undefined;

  private readonly restarts: RestartTimer;

  constructor(private readonly options: TopicReaderOptions) {
    this.restarts = new RestartTimer(options, () => this.stopping, this.rebuild);
  }

  /** Starts reading (joins its group in the background). */
  start(): void {
    this.starting = this.run();
    if (this.options.commit) {
      this.commitTimer = setInterval(() => void this.commit(), 1000);
      this.commitTimer.unref?.();
    }
  }

  private async commit(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.read.size === 0) return;
    const offsets = [...this.read].map(([partition, offset]) => ({
      topic: this.options.topic,
      partition,
      offset: String(offset),
    }));
    this.read.clear();
    await consumer.commitOffsets(offsets).catch(() => undefined); // read again after a restart
  }

  /** Stops reading and disconnects. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.restarts.cancel();
      clearInterval(this.commitTimer);
      await this.starting?.catch(() => undefined);
      await this.commit();
      const consumer = this.consumer;
      this.consumer = undefined;
      await consumer?.disconnect().catch(() => undefined);
    })();
    return this.stopped;
  }

  private async run(): Promise<void> {
    if (this.stopping) return;
    const { kafka, groupId, topic } = this.options;
    const consumer = kafka.consumer({ ...this.options.consumerConfig, groupId });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (consumer === this.consumer) this.memberId = event.payload.memberId;
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (this.stopping || consumer !== this.consumer) return;
      const ghost = this.memberId;
      this.memberId = undefined;
      if (ghost) this.options.evict?.(groupId, ghost);
      if (event.payload.restart) return;
      this.options.log(`reader of ${topic} crashed; rebuilding it`, event.payload.error);
      this.restarts.schedule();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: this.options.fromBeginning });
      await consumer.run({
        // kafkajs's autoCommit sends an OffsetCommit after every batch, inside the fetch loop:
        // with Kafka 4's coordinator linger (group.coordinator.append.linger.ms) that adds
        // ≥ 5 ms to every reply. Commit on a timer instead, off the fetch path.
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          if (this.options.commit && batch.messages.length > 0)
            this.read.set(batch.partition, Number(batch.lastOffset()) + 1);
          for (const m of batch.messages) {
            if (this.stopping) return;
            const key = m.key?.toString();
            this.options.onMessage({
              source: topic,
              id: `${batch.partition}-${m.offset}`,
              payload: m.value?.toString() ?? '',
              ...(key === undefined ? {} : { key }),
            });
          }
          await heartbeat();
        },
      });
    } catch (error) {
      this.restarts.failed(`reader of ${topic} failed to start`, error);
    }
  }

  /** Rebuilds the consumer after it failed (see `RestartTimer`). */
  private readonly rebuild = async (): Promise<void> => {
    await this.starting?.catch(() => undefined);
    const old = this.consumer;
    this.consumer = undefined;
    await old?.disconnect().catch(() => undefined);
    this.starting = this.run();
  };
}
