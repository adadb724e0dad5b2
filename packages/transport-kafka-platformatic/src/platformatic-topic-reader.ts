import type { BaseOptions, Consumer } from '@platformatic/kafka';
import type { IncomingMessage } from '@rendezvous-ml/core';
import { RestartTimer } from '@rendezvous-ml/transport-kafka/kit';
import type { PlatformaticKafkaModule } from './load-platformatic-kafka.js';
import type { GroupSettings } from './platformatic-member-options.js';

/**
 * Options of {@link PlatformaticTopicReader}.
 *
 * @example
 * ```ts
 * const opts: PlatformaticTopicReaderOptions = { kafka: module, client, group, groupId: 'rendezvous.reader.x',
 *   topic: 'rendezvous.__reply.x', fromBeginning: true, commit: true, onMessage: console.log, log: console.warn };
 * ```
 */
export interface PlatformaticTopicReaderOptions {
  readonly kafka: PlatformaticKafkaModule;
  readonly client: BaseOptions;
  readonly group: GroupSettings;
  /** A group of its own: the reader is the only member, so it gets every partition. */
  readonly groupId: string;
  readonly topic: string;
  /** Where it starts when its group has no committed offset. */
  readonly fromBeginning: boolean;
  /** Whether it commits what it read, every second (so a rebuilt reader resumes). */
  readonly commit: boolean;
  readonly onMessage: (message: IncomingMessage) => void;
  /** Delay before a reader whose stream failed is rebuilt. Default 200 ms. */
  readonly restartDelayMs?: number;
  /** Removes the member a failed reader left behind (see `PlatformaticTopicAdmin.evict`). */
  readonly evict?: (groupId: string, memberId: string) => void;
  readonly log: (message: string, error?: unknown) => void;
}

/**
 * Reads a whole topic without acknowledgements: the return address of a front end, or a
 * broadcast channel. The reader is the only member of a group of its own, which gives it every
 * partition, and commits on a timer (off the fetch path) when `commit` is set. A stream that
 * fails rebuilds the consumer.
 *
 * @example
 * ```ts
 * const reader = new PlatformaticTopicReader(options);
 * reader.start();
 * await reader.stop();
 * ```
 */
export class PlatformaticTopicReader {
  private consumer: Consumer<string, string, string, string> | undefined;
  private memberId: string | undefined;
  private starting: Promise<void> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  private readonly restarts: RestartTimer;

  constructor(private readonly options: PlatformaticTopicReaderOptions) {
    this.restarts = new RestartTimer(options, () => this.stopping, this.rebuild);
  }

  /** Rebuilds the consumer after it failed (see `RestartTimer`). */
  private readonly rebuild = async (): Promise<void> => {
    await this.starting?.catch(() => undefined);
    const old = this.consumer;
    const ghost = this.memberId;
    this.consumer = undefined;
    this.memberId = undefined;
    await old?.close(true).catch(() => undefined);
    if (ghost) this.options.evict?.(this.options.groupId, ghost);
    this.starting = this.run();
  };

  /** Starts reading (joins its group in the background). */
  start(): void {
    this.starting = this.run();
  }

  /** Stops reading, commits what it read and leaves its group. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.restarts.cancel();
      await this.starting?.catch(() => undefined);
      const consumer = this.consumer;
      this.consumer = undefined;
      await consumer?.close(true).catch(() => undefined);
    })();
    return this.stopped;
  }

  private async run(): Promise<void> {
    if (this.stopping) return;
    const { kafka, groupId, topic, group } = this.options;
    const consumer = new kafka.Consumer({
      ...this.options.client,
      groupId,
      deserializers: kafka.stringDeserializers,
      autocommit: false,
      ...group,
    });
    this.consumer = consumer;
    consumer.on('consumer:group:join', (event) => {
      if (consumer === this.consumer) this.memberId = event.memberId;
    });
    try {
      const stream = await consumer.consume({
        topics: [topic],
        mode: kafka.MessagesStreamModes.COMMITTED,
        fallbackMode: this.options.fromBeginning
          ? kafka.MessagesStreamFallbackModes.EARLIEST
          : kafka.MessagesStreamFallbackModes.LATEST,
        // Committed every second, off the fetch path (Kafka 4's coordinator linger would add
        // ≥ 5 ms to every reply if each fetch committed).
        autocommit: this.options.commit ? 1000 : false,
        ...group,
      });
      stream.on('data', (m) => {
        if (this.stopping || consumer !== this.consumer) return;
        this.options.onMessage({
          source: topic,
          id: `${m.partition}-${m.offset}`,
          payload: m.value ?? '',
          ...(m.key === undefined || m.key === null ? {} : { key: m.key }),
        });
      });
      stream.on('error', (error) => {
        if (this.stopping || consumer !== this.consumer) return;
        this.options.log(`reader of ${topic} failed; rebuilding it`, error);
        this.restarts.schedule();
      });
    } catch (error) {
      this.restarts.failed(`reader of ${topic} failed to start`, error);
    }
  }
}
