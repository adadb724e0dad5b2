import type { Clock } from '@rendezvous-ml/core';
import { openTransport } from '@rendezvous-ml/replay/cli-kit';
import type { CliArgs } from './cli-args.js';
import { connectRollout, type RolloutConnection } from './rollout-connection.js';

/**
 * Connects to the system the command line names: its transport (`--transport`, `--redis-url`,
 * `--kafka-brokers`, `--nats-servers`, `--broker-prefix`), then {@link connectRollout}. `close()` also closes
 * the transport.
 *
 * @example
 * ```ts
 * const { control, results, close } = await connectFromArgs(parseCliArgs(argv) as CliArgs, systemClock);
 * ```
 */
export async function connectFromArgs(args: CliArgs, clock: Clock): Promise<RolloutConnection> {
  const transport = await openTransport(args, 'rendezvous-rollout');
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
