import type { Clock, Transport } from '@rendezvous-ml/core';
import type { CliArgs } from './cli-args.js';
import { connectRollout, type RolloutConnection } from './rollout-connection.js';

async function openTransport(args: CliArgs): Promise<Transport> {
  if (args.transport === 'redis') {
    const { RedisTransport } = await import('@rendezvous-ml/transport-redis');
    return new RedisTransport({
      url: args.redisUrl,
      ...(args.brokerPrefix === undefined ? {} : { keyPrefix: args.brokerPrefix }),
    });
  }
  const { KafkaTransport } = await import('@rendezvous-ml/transport-kafka');
  return new KafkaTransport({
    brokers: args.kafkaBrokers,
    clientId: 'rendezvous-rollout',
    ...(args.brokerPrefix === undefined ? {} : { topicPrefix: args.brokerPrefix }),
  });
}

/**
 * Connects to the system the command line names: its transport (`--transport`, `--redis-url`,
 * `--kafka-brokers`, `--broker-prefix`), then {@link connectRollout}. `close()` also closes
 * the transport.
 *
 * @example
 * ```ts
 * const { control, results, close } = await connectFromArgs(parseCliArgs(argv) as CliArgs, systemClock);
 * ```
 */
export async function connectFromArgs(args: CliArgs, clock: Clock): Promise<RolloutConnection> {
  const transport = await openTransport(args);
  try {
    const where = {
      streams: { control: args.controlChannel, results: args.resultsStream },
      resultsGroup: args.resultsGroup,
    };
    const connection = await connectRollout(transport, where, clock);
    return {
      ...connection,
      close: async () => {
        await connection.close().catch(() => undefined);
        await transport.close();
      },
    };
  } catch (error) {
    await transport.close();
    throw error;
  }
}
