import { systemClock, TransportClosedError } from '@rendezvous-ml/core';
import type { Admin, ConsumerConfig, Kafka, Producer } from 'kafkajs';
import { GroupPositioner } from './group-positioner.js';
import type { KafkaLogger } from './kafka-logger.js';
import type { KafkaTransportOptions } from './kafka-transport-options.js';
import { type KafkajsModule, loadKafkajs } from './load-kafkajs.js';
import { ProduceBatcher } from './produce-batcher.js';
import { redactingLogCreator } from './redacting-log-creator.js';
import { sharedGroupAssigners } from './shared-group-assigners.js';

/**
 * The clients of one transport, connected: the kafkajs client, one producer (and the batcher
 * every send goes through), one admin and the group positioner.
 *
 * @example
 * ```ts
 * const c: KafkaConnection = await connector.connect();
 * await c.admin.listTopics();
 * ```
 */
export interface KafkaConnection {
  readonly kafka: Kafka;
  readonly producer: Producer;
  /** Coalesces concurrent sends on `producer` into one produce request at a time. */
  readonly sends: ProduceBatcher;
  readonly admin: Admin;
  readonly positioner: GroupPositioner;
}

/**
 * Builds the kafkajs client from the transport options (or takes the injected one), connects
 * its producer and admin once, on first use, and hands out the settings every consumer of the
 * transport shares. A failed connect is forgotten, so the next use tries again.
 *
 * @example
 * ```ts
 * const connector = new KafkaConnector(options, logger, () => closed);
 * const c = await connector.connect();
 * await connector.disconnect();
 * ```
 */
export class KafkaConnector {
  private connecting: Promise<KafkaConnection> | undefined;
  private connected: KafkaConnection | undefined;
  /** Offered by every consumer, so librdkafka members can share a group (see sharedGroupAssigners). */
  private assigners: ConsumerConfig['partitionAssigners'];

  constructor(
    private readonly options: KafkaTransportOptions,
    private readonly logger: KafkaLogger,
    private readonly isClosed: () => boolean,
  ) {}

  /** The connection once a connect succeeded (consumers are built only after set-up did). */
  get current(): KafkaConnection | undefined {
    return this.connected;
  }

  connect(): Promise<KafkaConnection> {
    if (this.isClosed()) return Promise.reject(new TransportClosedError());
    this.connecting ??= (async () => {
      const mod = await loadKafkajs();
      this.assigners = sharedGroupAssigners(mod);
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
      const c: KafkaConnection = {
        kafka,
        producer,
        sends: new ProduceBatcher(producer),
        admin,
        positioner: new GroupPositioner(kafka, admin),
      };
      this.connected = c;
      return c;
    })();
    this.connecting.catch(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** The configuration of every consumer the transport runs (group members and readers). */
  consumerConfig(): Omit<ConsumerConfig, 'groupId'> {
    const connector = this;
    return {
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 500,
      rebalanceTimeout: this.options.rebalanceTimeoutMs ?? 10_000,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 250,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 10 },
      // Read when a consumer is built (after connect has loaded kafkajs), not when this is called.
      get partitionAssigners() {
        return connector.assigners;
      },
    };
  }

  /**
   * Removes a crashed consumer's old member from its group in the background (a kafkajs consumer
   * rejoins after a crash under a new member id, and the coordinator would otherwise hold the
   * rebalance until the old one's session expires). Stops trying after a session timeout.
   */
  readonly evict = (groupId: string, memberId: string): void => {
    const c = this.connected;
    if (!c || this.isClosed()) return;
    const until = systemClock.now() + (this.options.sessionTimeoutMs ?? 10_000) + 5000;
    void c.positioner
      .leaveGroup(groupId, memberId, until, () => this.isClosed())
      .catch(() => undefined);
  };

  /** Disconnects the producer, the admin and the positioner, if a connect succeeded. */
  async disconnect(): Promise<void> {
    const c = await this.connecting?.catch(() => undefined);
    if (c) {
      await Promise.allSettled([
        c.producer.disconnect(),
        c.admin.disconnect(),
        c.positioner.disconnect(),
      ]);
    }
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
      logLevel: this.logger.level,
      logCreator: redactingLogCreator(this.logger.sink),
    });
  }
}
