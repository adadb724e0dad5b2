import type { Admin, BaseOptions, Producer } from '@platformatic/kafka';
import { TransportClosedError } from '@rendezvous-ml/core';
import { ProduceBatcher } from '@rendezvous-ml/transport-kafka/kit';
import { loadPlatformaticKafka, type PlatformaticKafkaModule } from './load-platformatic-kafka.js';
import type { PlatformaticKafkaTransportOptions } from './platformatic-kafka-transport-options.js';
import { toPlatformaticError } from './to-platformatic-error.js';

/**
 * The clients of one transport: the loaded module, one producer (and the batcher every send goes
 * through) and one admin client.
 *
 * @example
 * ```ts
 * const c: PlatformaticConnection = await connector.connect();
 * await c.admin.listTopics();
 * ```
 */
export interface PlatformaticConnection {
  readonly kafka: PlatformaticKafkaModule;
  readonly producer: Producer<string, string, string, string>;
  /** Coalesces concurrent sends on `producer` into one produce request at a time. */
  readonly sends: ProduceBatcher;
  readonly admin: Admin;
}

/**
 * Loads `@platformatic/kafka` and builds the producer and the admin client on first use (its
 * clients connect to the brokers lazily, on their first request), and hands out the options
 * every client of the transport shares.
 *
 * @example
 * ```ts
 * const connector = new PlatformaticConnector(options, () => closed);
 * const c = await connector.connect();
 * await connector.disconnect();
 * ```
 */
export class PlatformaticConnector {
  private connecting: Promise<PlatformaticConnection> | undefined;
  private connected: PlatformaticConnection | undefined;

  constructor(
    private readonly options: PlatformaticKafkaTransportOptions,
    private readonly isClosed: () => boolean,
  ) {}

  /** The connection once a connect succeeded. */
  get current(): PlatformaticConnection | undefined {
    return this.connected;
  }

  connect(): Promise<PlatformaticConnection> {
    if (this.isClosed()) return Promise.reject(new TransportClosedError());
    this.connecting ??= (async () => {
      const kafka = await loadPlatformaticKafka();
      const producer = new kafka.Producer({
        ...this.clientOptions('producer'),
        serializers: kafka.stringSerializers,
        autocreateTopics: false,
      });
      const admin = new kafka.Admin(this.clientOptions('admin'));
      const c: PlatformaticConnection = {
        kafka,
        producer,
        admin,
        sends: new ProduceBatcher(
          {
            send: (r) =>
              producer.send({
                acks: r.acks,
                messages: r.messages.map((m) => ({ topic: r.topic, ...message(m) })),
              }),
            sendBatch: (b) =>
              producer.send({
                acks: b.acks,
                messages: b.topicMessages.flatMap((t) =>
                  t.messages.map((m) => ({ topic: t.topic, ...message(m) })),
                ),
              }),
          },
          { retryable: (e) => toPlatformaticError(e, 'produce').retryable },
        ),
      };
      this.connected = c;
      return c;
    })();
    this.connecting.catch(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** The options of every client the transport builds (producer, admin, consumers). */
  clientOptions(role: string): BaseOptions {
    const brokers = this.options.brokers;
    return {
      clientId: `${this.options.clientId ?? 'rendezvous'}-${role}`,
      bootstrapBrokers:
        typeof brokers === 'string' ? brokers.split(',').map((b) => b.trim()) : [...brokers],
      connectTimeout: this.options.connectionTimeoutMs ?? 3000,
      timeout: this.options.requestTimeoutMs ?? 30_000,
      // Short backoff: after a broker restart every client reconnects within ~1 s; the
      // transport's own retries (TransportOps) bound the whole operation.
      retries: 2,
      retryDelay: 100,
      metadataMaxAge: 5000,
      ...(this.options.tls === undefined ? {} : { tls: this.options.tls }),
      ...(this.options.sasl === undefined ? {} : { sasl: this.options.sasl }),
    };
  }

  /** Closes the producer and the admin client, if a connect succeeded. */
  async disconnect(): Promise<void> {
    const c = await this.connecting?.catch(() => undefined);
    if (c) await Promise.allSettled([c.producer.close(true), c.admin.close()]);
  }
}

/** A message of the batcher as `@platformatic/kafka` takes it (no key: the default partitioner). */
function message(m: { key: string | null; value: string }): { key?: string; value: string } {
  return m.key === null ? { value: m.value } : { key: m.key, value: m.value };
}
