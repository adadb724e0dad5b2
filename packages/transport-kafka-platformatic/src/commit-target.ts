import type { Consumer } from '@platformatic/kafka';
import type { CommitTarget } from '@rendezvous-ml/transport-kafka/kit';

/**
 * A `@platformatic/kafka` consumer as the kit's offset committer commits through it: one
 * `Consumer.commit` per round, in the consumer's current generation. The leader epoch is not
 * tracked (-1: the broker does not check it).
 *
 * @example
 * ```ts
 * await commitTarget(consumer).commitOffsets([{ topic: 'rendezvous.requests', partition: 0, offset: '42' }]);
 * ```
 */
export function commitTarget(consumer: Consumer<string, string, string, string>): CommitTarget {
  return {
    commitOffsets: (offsets) =>
      consumer.commit({
        offsets: offsets.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: BigInt(o.offset),
          leaderEpoch: -1,
        })),
      }),
  };
}
