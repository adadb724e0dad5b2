import {
  ConfigurationError,
  ConnectionLostError,
  type ConsumeOptions,
  type Delivery,
  type IncomingMessage,
  type OutgoingMessage,
  REPLY_TAP,
  type ReplyChannel,
  retryWithBackoff,
  systemClock,
  type Transport,
  type TransportCapabilities,
  TransportClosedError,
} from '@rendezvous-ml/core';
import type { Admin, ConsumerConfig, Kafka, Producer } from 'kafkajs';
import { Observable, type Subscriber } from 'rxjs';
import { GroupMember } from './group-member.js';
import { GroupPositioner } from './group-positioner.js';
import type { KafkaLogEntry } from './kafka-log-entry.js';
import type { KafkaTransportOptions } from './kafka-transport-options.js';
import { type KafkajsModule, loadKafkajs } from './load-kafkajs.js';
import { redact, redactingLogCreator } from './redacting-log-creator.js';
import { RedeliveryCounter } from './redelivery-counter.js';
import { toTransportError } from './to-transport-error.js';
import { TopicNames } from './topic-names.js';
import { TopicReader } from './topic-reader.js';

interface Connection {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly admin: Admin;
  readonly positioner: GroupPositioner;
}

interface Listener {
  readonly subscribers: Set<Subscriber<IncomingMessage>>;
  reader: TopicReader | undefined;
  starting: Promise<void>;
}

const LOG_LEVELS = { nothing: 0, error: 1, warn: 2, info: 4, debug: 5 } as const;

function randomId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * The Kafka transport, on kafkajs: the engine for more than one machine.
 *
 * - Streams are topics created by an admin step (never auto-created) with `partitions`
 *   partitions; messages are keyed by request id.
 * - Each consumer group is a Kafka consumer group; every `consume()` subscription is one member
 *   (one kafkajs consumer). Offsets are committed only for acknowledged messages.
 * - Each return address is a one-partition reply topic of its own (`<prefix>__reply.<id>`), read
 *   only by the instance that opened it; a score costs one broker write. Archivers read every
 *   reply topic through their own group (`REPLY_TAP`).
 * - Broadcasts go to a one-partition topic per channel, read from the end by each listener.
 *
 * See docs/transports/kafka.md for the design, delivery guarantees and a scaling guide.
 *
 * @example
 * ```ts
 * const transport = new KafkaTransport({ brokers: ['127.0.0.1:9092'], clientId: 'iris' });
 * const worker = new ModelWorker({ transport, model: { name: 'dt', version: '1' }, predict });
 * await worker.start();
 * // ...
 * await worker.stop();
 * await transport.close();
 * ```
 */
export class KafkaTransport implements Transport {
  readonly name = 'kafka';
  readonly capabilities: TransportCapabilities = {
    durable: true,
    multiProcess: true,
    orderedByKey: true,
    redeliversUnacked: true,
    replyTap: true,
  };
  /** How logical names map to topics and groups. */
  private readonly names: TopicNames;
  private readonly options: KafkaTransportOptions;
  private readonly partitions: number;
  private readonly replicationFactor: number;
  private readonly defaultPrefetch: number;
  private readonly instanceId: string;
  private readonly logSink: ((entry: KafkaLogEntry) => void) | undefined;
  private readonly logLevel: number;
  private readonly redeliveries = new RedeliveryCounter();
  private connection: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private readonly topics = new Map<string, Promise<boolean>>();
  private readonly positioning = new Map<string, Promise<void>>();
  private readonly open = new Set<Subscriber<never>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly tapMembers = new Set<GroupMember>();
  private readonly listeners = new Map<string, Listener>();
  private readonly replyReaders = new Set<TopicReader>();
  private replySeq = 0;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: KafkaTransportOptions) {
    if (!options.kafka && !options.brokers)
      throw new ConfigurationError('KafkaTransport needs `brokers` or a `kafka` instance');
    this.options = options;
    this.names = new TopicNames(options.topicPrefix ?? 'rendezvous.');
    this.partitions = options.partitions ?? 8;
    this.replicationFactor = options.replicationFactor ?? 1;
    this.defaultPrefetch = options.defaultPrefetch ?? 256;
    this.instanceId = options.instanceId ?? randomId();
    this.logSink = options.logger;
    this.logLevel = LOG_LEVELS[options.logLevel ?? 'warn'];
    for (const [k, v] of Object.entries({
      partitions: this.partitions,
      replicationFactor: this.replicationFactor,
      defaultPrefetch: this.defaultPrefetch,
    })) {
      if (!Number.isInteger(v) || v < 1)
        throw new ConfigurationError(`${k} must be a positive integer, got ${v}`);
    }
  }

  /**
   * Appends a message. A topic created a moment ago (its partitions not hosted yet) or a broker
   * not up yet is waited out, with backoff, within `sendTimeoutMs`.
   */
  async publish(stream: string, message: OutgoingMessage): Promise<void> {
    await this.sendOp(`publish to ${stream}`, async (c) => {
      const topic = this.names.stream(stream);
      await this.ensureTopic(c, topic, this.partitions);
      await this.send(c, topic, message);
    });
  }

  /**
   * Creates the topic if needed and positions a new group at its end. Transient broker states
   * (a topic whose metadata has not propagated yet, a group coordinator still loading, a broker
   * not up yet) are retried with backoff for up to `setupTimeoutMs`; then it rejects with a
   * retryable `ConnectionLostError`. Authentication and configuration errors reject at once.
   */
  async ensureGroup(stream: string, group: string): Promise<void> {
    await this.setupOp(`ensureGroup ${group} on ${stream}`, async (c) => {
      const groupId = this.names.group(group);
      if (stream === REPLY_TAP) {
        for (const topic of await this.replyTopics(c)) await this.positionAtEnd(c, groupId, topic);
        return;
      }
      const topic = this.names.stream(stream);
      await this.ensureTopic(c, topic, this.partitions);
      await this.positionAtEnd(c, groupId, topic);
    });
  }

  consume(stream: string, options: ConsumeOptions): Observable<Delivery> {
    const tap = stream === REPLY_TAP;
    const groupId = this.names.group(options.group);
    return this.track<Delivery>((subscriber) => {
      const member = new GroupMember({
        kafka: () => this.connection!.kafka,
        groupId,
        topics: tap
          ? () => this.setupOp(`consume ${REPLY_TAP}`, (c) => this.replyTopics(c))
          : () =>
              this.setupOp(`join ${options.group} on ${stream}`, async (c) => {
                const topic = this.names.stream(stream);
                await this.ensureTopic(c, topic, this.partitions);
                await this.positionAtEnd(c, groupId, topic);
                return [topic];
              }),
        sourceOf: tap ? (topic) => topic : () => stream,
        prefetch: options.prefetch ?? this.defaultPrefetch,
        fromBeginning: true,
        consumerConfig: this.consumerConfig(),
        subscriber,
        redeliveries: this.redeliveries,
        ...(tap ? { refreshMs: this.options.replyTapRefreshMs ?? 2000 } : {}),
        log: (m, e) => this.log('warn', m, e),
        isClosed: () => this.closed,
        evict: (g, m) => this.evict(g, m),
      });
      if (tap) this.tapMembers.add(member);
      member.start();
      return () => {
        this.tapMembers.delete(member);
        this.keep(member.stop());
      };
    });
  }

  async openReplyChannel(): Promise<ReplyChannel> {
    if (this.closed) throw new TransportClosedError();
    // Named once, outside the retries: a retry must not move a stable `instanceId` to `<id>-1`.
    const n = this.replySeq++;
    const id = n === 0 ? this.instanceId : `${this.instanceId}-${n}`;
    const address = this.names.reply(id);
    return this.setupOp('openReplyChannel', async (c) => {
      const created = await this.ensureTopic(c, address, 1);
      const groupId = this.names.group(`__reply-reader.${id}.${randomId()}`);
      if (!created) await this.positionAtEnd(c, groupId, address);
      const subscribers = new Set<Subscriber<IncomingMessage>>();
      const reader = new TopicReader({
        kafka: c.kafka,
        groupId,
        topic: address,
        fromBeginning: true,
        commit: true,
        consumerConfig: this.consumerConfig(),
        evict: (g, m) => this.evict(g, m),
        onMessage: (m) => {
          for (const s of subscribers) s.next(m);
        },
        log: (m, e) => this.log('warn', m, e),
      });
      this.replyReaders.add(reader);
      reader.start();
      for (const member of this.tapMembers) member.refresh();
      let closedChannel = false;
      const release = async (): Promise<void> => {
        this.replyReaders.delete(reader);
        await reader.stop();
        await c.admin.deleteGroups([groupId]).catch(() => undefined);
      };
      return {
        address,
        messages: this.track<IncomingMessage>((subscriber) => {
          if (closedChannel) {
            subscriber.complete();
            return () => undefined;
          }
          subscribers.add(subscriber);
          return () => subscribers.delete(subscriber);
        }),
        close: async () => {
          if (closedChannel) return;
          closedChannel = true;
          for (const s of [...subscribers]) s.complete();
          const done = release();
          this.keep(done);
          await done;
        },
      };
    });
  }

  async reply(address: string, message: OutgoingMessage): Promise<void> {
    await this.sendOp(`reply to ${address}`, (c) => this.send(c, address, message));
  }

  async broadcast(channel: string, payload: string): Promise<void> {
    await this.sendOp(`broadcast on ${channel}`, async (c) => {
      const topic = this.names.broadcast(channel);
      await this.ensureTopic(c, topic, 1);
      await this.send(c, topic, { payload });
    });
  }

  listen(channel: string): Observable<IncomingMessage> {
    return this.track<IncomingMessage>((subscriber) => {
      let listener = this.listeners.get(channel);
      if (!listener) {
        const created: Listener = {
          subscribers: new Set(),
          reader: undefined,
          starting: Promise.resolve(),
        };
        listener = created;
        this.listeners.set(channel, created);
        const topic = this.names.broadcast(channel);
        const starting = (async () => {
          const c = await this.setupOp(`listen on ${channel}`, async (conn) => {
            await this.ensureTopic(conn, topic, 1);
            return conn;
          });
          if (this.listeners.get(channel) !== created || this.closed) return;
          created.reader = new TopicReader({
            kafka: c.kafka,
            groupId: this.names.group(`__listen.${this.names.broadcast(channel)}.${randomId()}`),
            topic,
            fromBeginning: false,
            commit: false,
            consumerConfig: this.consumerConfig(),
            evict: (g, m) => this.evict(g, m),
            onMessage: (m) => {
              for (const s of created.subscribers) s.next({ ...m, source: channel });
            },
            log: (m, e) => this.log('warn', m, e),
          });
          created.reader.start();
        })().catch((e: unknown) => {
          this.log('warn', `cannot listen on ${channel}`, e);
          if (this.listeners.get(channel) === created) this.listeners.delete(channel);
          for (const s of created.subscribers) s.error(toTransportError(e, `listen on ${channel}`));
        });
        created.starting = starting;
        this.keep(starting);
      }
      const current = listener;
      current.subscribers.add(subscriber);
      return () => {
        current.subscribers.delete(subscriber);
        if (current.subscribers.size > 0) return;
        if (this.listeners.get(channel) === current) this.listeners.delete(channel);
        const stop = (async () => {
          await current.starting; // a start in progress sees it was removed and starts nothing
          await current.reader?.stop();
        })();
        this.keep(stop);
      };
    });
  }

  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.closing = (async () => {
      for (const s of [...this.open]) s.complete();
      this.open.clear();
      for (const r of [...this.replyReaders]) this.keep(r.stop());
      for (const l of this.listeners.values()) if (l.reader) this.keep(l.reader.stop());
      while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
      for (const l of this.listeners.values()) await l.reader?.stop();
      this.listeners.clear();
      const c = await this.connecting?.catch(() => undefined);
      if (c) {
        await Promise.allSettled([
          c.producer.disconnect(),
          c.admin.disconnect(),
          c.positioner.disconnect(),
        ]);
      }
    })();
    return this.closing;
  }

  /**
   * Runs `fn` on the connection, retrying transient failures (see `toTransportError`) with
   * backoff until `untilMs` (epoch ms), then throws the typed error of the last attempt.
   */
  private async op<T>(what: string, fn: (c: Connection) => Promise<T>, untilMs = 0): Promise<T> {
    if (this.closed) throw new TransportClosedError();
    try {
      return await retryWithBackoff(async () => fn(await this.connect()), {
        attempts: Number.POSITIVE_INFINITY,
        initialDelayMs: 100,
        maxDelayMs: 1000,
        until: untilMs,
        clock: systemClock, // retry waits keep the process alive while a start is in progress
        isRetryable: (e) => !this.closed && toTransportError(e, what).retryable,
      });
    } catch (error) {
      if (this.closed) throw new TransportClosedError(undefined, { cause: error });
      throw toTransportError(error, what);
    }
  }

  /** `op` for set-up steps (topics, group positions), which wait out transient broker states. */
  private setupOp<T>(what: string, fn: (c: Connection) => Promise<T>): Promise<T> {
    return this.op(what, fn, Date.now() + (this.options.setupTimeoutMs ?? 30_000));
  }

  /**
   * `op` for publish, reply and broadcast, bounded by `sendTimeoutMs`: kafkajs nests the
   * client's connection retries inside the producer's, so with the broker down a send can take
   * well over 10 s to fail. Past the bound it rejects with a retryable `ConnectionLostError`
   * (the send may still complete later; the core treats that as an at-least-once duplicate).
   */
  private sendOp(what: string, fn: (c: Connection) => Promise<unknown>): Promise<void> {
    const limit = this.options.sendTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new ConnectionLostError(`kafka: ${what} failed: no answer within ${limit} ms`)),
        limit,
      );
      timer.unref?.();
    });
    const work = this.op(what, fn, Date.now() + limit);
    work.catch(() => undefined);
    return Promise.race([work, expired]).then(
      () => clearTimeout(timer),
      (error: unknown) => {
        clearTimeout(timer);
        throw error;
      },
    );
  }

  private connect(): Promise<Connection> {
    if (this.closed) return Promise.reject(new TransportClosedError());
    this.connecting ??= (async () => {
      const mod = await loadKafkajs();
      const kafka = this.options.kafka ?? this.buildKafka(mod);
      const producer = kafka.producer({
        allowAutoTopicCreation: false,
        createPartitioner: mod.Partitioners.DefaultPartitioner,
        retry: this.options.producerRetry ?? {
          retries: 2,
          initialRetryTime: 100,
          maxRetryTime: 500,
        },
      });
      const admin = kafka.admin();
      try {
        await Promise.all([producer.connect(), admin.connect()]);
      } catch (error) {
        await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
        throw error;
      }
      const c: Connection = {
        kafka,
        producer,
        admin,
        positioner: new GroupPositioner(kafka, admin),
      };
      this.connection = c;
      return c;
    })();
    this.connecting.catch(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private buildKafka(mod: KafkajsModule): Kafka {
    const brokers = this.options.brokers!;
    return new mod.Kafka({
      clientId: this.options.clientId ?? 'rendezvous',
      brokers: typeof brokers === 'string' ? brokers.split(',').map((b) => b.trim()) : [...brokers],
      ...(this.options.ssl === undefined ? {} : { ssl: this.options.ssl }),
      ...(this.options.sasl === undefined ? {} : { sasl: this.options.sasl }),
      connectionTimeout: this.options.connectionTimeoutMs ?? 3000,
      requestTimeout: this.options.requestTimeoutMs ?? 30_000,
      // Short backoff: after a broker restart every client reconnects within ~1 s.
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 5 },
      logLevel: this.logLevel,
      logCreator: redactingLogCreator(this.logSink),
    });
  }

  private consumerConfig(): Omit<ConsumerConfig, 'groupId'> {
    return {
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 500,
      rebalanceTimeout: this.options.rebalanceTimeoutMs ?? 10_000,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 20,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 10 },
    };
  }

  /**
   * Removes a crashed consumer's old member from its group in the background (a kafkajs consumer
   * rejoins after a crash under a new member id, and the coordinator would otherwise hold the
   * rebalance until the old one's session expires). Stops trying after a session timeout.
   */
  private evict(groupId: string, memberId: string): void {
    const c = this.connection;
    if (!c || this.closed) return;
    const until = Date.now() + (this.options.sessionTimeoutMs ?? 10_000) + 5000;
    void c.positioner
      .leaveGroup(groupId, memberId, until, () => this.closed)
      .catch(() => undefined);
  }

  private send(c: Connection, topic: string, message: OutgoingMessage): Promise<unknown> {
    return c.producer.send({
      topic,
      acks: -1,
      messages: [{ key: message.key ?? null, value: message.payload }],
    });
  }

  /** Creates `topic` if it does not exist; resolves true if this call created it. */
  private ensureTopic(c: Connection, topic: string, numPartitions: number): Promise<boolean> {
    let known = this.topics.get(topic);
    if (!known) {
      known = c.admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions, replicationFactor: this.replicationFactor }],
      });
      this.topics.set(topic, known);
      known.catch(() => this.topics.delete(topic));
    }
    return known;
  }

  private positionAtEnd(c: Connection, groupId: string, topic: string): Promise<void> {
    const k = `${groupId}\u0000${topic}`;
    let p = this.positioning.get(k);
    if (!p) {
      p = c.positioner.positionAtEnd(groupId, topic).finally(() => this.positioning.delete(k));
      this.positioning.set(k, p);
    }
    return p;
  }

  private async replyTopics(c: Connection): Promise<string[]> {
    const all = await c.admin.listTopics();
    return all.filter((t) => this.names.isReply(t)).sort();
  }

  private track<T>(attach: (subscriber: Subscriber<T>) => () => void): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.closed) {
        subscriber.error(new TransportClosedError());
        return undefined;
      }
      const detach = attach(subscriber);
      this.open.add(subscriber as Subscriber<never>);
      return () => {
        this.open.delete(subscriber as Subscriber<never>);
        detach();
      };
    });
  }

  private keep(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined);
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private log(level: 'warn' | 'error', message: string, error?: unknown): void {
    if (this.logLevel < LOG_LEVELS[level]) return;
    const entry: KafkaLogEntry = {
      level,
      namespace: 'rendezvous-kafka',
      message,
      fields:
        error === undefined
          ? {}
          : (redact({ error: String((error as Error)?.message ?? error) }) as Record<
              string,
              unknown
            >),
    };
    if (this.logSink) this.logSink(entry);
    else console.warn(`[rendezvous-kafka ${level}] ${message}`, entry.fields);
  }
}
