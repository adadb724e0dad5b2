import type { Transport } from '@rendezvous-ml/core';

/** A transport the command-line tools can open: `--transport <name>`. */
export type TransportName = 'memory' | 'redis' | 'kafka' | 'nats';

/**
 * The transport flags of a command line, parsed: which transport, and where each broker is.
 *
 * @example
 * ```ts
 * const flags: TransportFlags = transportFlags(values, { choices: ['redis', 'kafka', 'nats'], fallback: 'redis' });
 * ```
 */
export interface TransportFlags<T extends TransportName = TransportName> {
  readonly transport: T;
  /** `--redis-url`, default `redis://127.0.0.1:6379`. */
  readonly redisUrl: string;
  /** `--kafka-brokers`, comma-separated, default `127.0.0.1:9092`. */
  readonly kafkaBrokers: readonly string[];
  /** `--nats-servers`, comma-separated, default `nats://127.0.0.1:4222`. */
  readonly natsServers: readonly string[];
  /** `--broker-prefix`: the Redis key prefix, Kafka topic prefix or NATS prefix the system uses. */
  readonly brokerPrefix?: string;
}

/**
 * The `node:util` `parseArgs` options of the transport flags, to spread into a command's own.
 *
 * @example
 * ```ts
 * parseArgs({ args, strict: true, options: { ...TRANSPORT_FLAG_OPTIONS, limit: { type: 'string' } } });
 * ```
 */
export const TRANSPORT_FLAG_OPTIONS = {
  transport: { type: 'string' },
  'redis-url': { type: 'string' },
  'kafka-brokers': { type: 'string' },
  'nats-servers': { type: 'string' },
  'broker-prefix': { type: 'string' },
} as const;

/** The values `parseArgs` gives for {@link TRANSPORT_FLAG_OPTIONS}. */
export interface TransportFlagValues {
  readonly transport?: string;
  readonly 'redis-url'?: string;
  readonly 'kafka-brokers'?: string;
  readonly 'nats-servers'?: string;
  readonly 'broker-prefix'?: string;
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}

function choicesText(choices: readonly string[]): string {
  return choices.length === 1
    ? choices[0]!
    : `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
}

/**
 * Checks the transport flags: `--transport` must be one of `choices` (default `fallback`), and
 * a `TypeError` naming every choice says so otherwise.
 *
 * @example
 * ```ts
 * const flags = transportFlags(values, { choices: ['memory', 'redis', 'kafka', 'nats'], fallback: 'memory' });
 * ```
 */
export function transportFlags<T extends TransportName>(
  values: TransportFlagValues,
  options: { readonly choices: readonly T[]; readonly fallback: T },
): TransportFlags<T> {
  const transport = values.transport ?? options.fallback;
  if (!(options.choices as readonly string[]).includes(transport))
    throw new TypeError(`--transport must be ${choicesText(options.choices)}, got "${transport}"`);
  return {
    transport: transport as T,
    redisUrl: values['redis-url'] ?? 'redis://127.0.0.1:6379',
    kafkaBrokers: list(values['kafka-brokers'] ?? '127.0.0.1:9092'),
    natsServers: list(values['nats-servers'] ?? 'nats://127.0.0.1:4222'),
    brokerPrefix: values['broker-prefix'],
  };
}

/**
 * Opens the transport the flags name, importing its package (an optional peer) only then:
 * memory, Redis (`--broker-prefix` as key prefix), Kafka (as topic prefix, `clientId` as the
 * client id) or NATS JetStream (as prefix).
 *
 * @example
 * ```ts
 * const transport = await openTransport(flags, 'rendezvous-replay');
 * ```
 */
export async function openTransport(flags: TransportFlags, clientId: string): Promise<Transport> {
  const prefix = flags.brokerPrefix;
  switch (flags.transport) {
    case 'memory': {
      const { MemoryTransport } = await import('@rendezvous-ml/transport-memory');
      return new MemoryTransport();
    }
    case 'redis': {
      const { RedisTransport } = await import('@rendezvous-ml/transport-redis');
      return new RedisTransport({
        url: flags.redisUrl,
        ...(prefix === undefined ? {} : { keyPrefix: prefix }),
      });
    }
    case 'kafka': {
      const { KafkaTransport } = await import('@rendezvous-ml/transport-kafka');
      return new KafkaTransport({
        brokers: flags.kafkaBrokers,
        clientId,
        ...(prefix === undefined ? {} : { topicPrefix: prefix }),
      });
    }
    case 'nats': {
      const { NatsTransport } = await import('@rendezvous-ml/transport-nats');
      return new NatsTransport({
        servers: flags.natsServers,
        ...(prefix === undefined ? {} : { prefix }),
      });
    }
  }
}
