import type { Transport } from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import type { Logger } from 'pino';
import type { IrisConfig } from './config.js';

/**
 * Opens one connection to the configured transport per role. On `memory`, every connection
 * shares one in-process broker, so the roles of the all-in-one mode talk exactly as separate
 * processes would over Redis or Kafka (and one role's connection can be cut on its own).
 * The Redis, Kafka and NATS packages are imported only when selected.
 *
 * @example
 * ```ts
 * const connect = transportFactory(readConfig(), logger);
 * const transport = await connect();
 * ```
 */
export function transportFactory(config: IrisConfig, logger: Logger): () => Promise<Transport> {
  switch (config.transport) {
    case 'memory': {
      const broker = new MemoryBroker();
      return async () => new MemoryTransport({ broker });
    }
    case 'redis':
      return async () => {
        const { RedisTransport } = await import('@rendezvous-ml/transport-redis');
        const transport = new RedisTransport({
          url: config.redisUrl,
          keyPrefix: 'iris:',
        });
        transport.errors$.subscribe((err) => logger.warn({ err }, 'redis transport error'));
        return transport;
      };
    case 'kafka':
      return async () => {
        const { KafkaTransport } = await import('@rendezvous-ml/transport-kafka');
        const log = logger.child({ component: 'kafkajs' });
        return new KafkaTransport({
          brokers: config.kafkaBrokers,
          clientId: 'iris',
          topicPrefix: 'iris.',
          logger: (entry) =>
            log[entry.level === 'debug' ? 'debug' : entry.level](
              { namespace: entry.namespace, ...entry.fields },
              entry.message,
            ),
        });
      };
    case 'nats':
      return async () => {
        const { NatsTransport } = await import('@rendezvous-ml/transport-nats');
        const transport = new NatsTransport({ servers: [...config.natsServers], prefix: 'iris' });
        transport.errors$.subscribe((err) => logger.warn({ err }, 'nats transport error'));
        return transport;
      };
  }
}

/** Where the transport is, for logs and the banner (never a password). */
export function describeTransport(config: IrisConfig): string {
  switch (config.transport) {
    case 'memory':
      return 'memory (in-process)';
    case 'redis': {
      const url = new URL(config.redisUrl);
      url.password = '';
      url.username = '';
      return `redis ${url.toString()}`;
    }
    case 'kafka':
      return `kafka ${config.kafkaBrokers.join(',')}`;
    case 'nats':
      return `nats ${config.natsServers
        .map((s) => {
          try {
            const url = new URL(s.includes('://') ? s : `nats://${s}`);
            url.password = '';
            url.username = '';
            return url.toString();
          } catch {
            return '(unparsable server URL)';
          }
        })
        .join(',')}`;
  }
}
