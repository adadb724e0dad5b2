import { Coalescer } from '@rendezvous-ml/core/transport';
import type { PartitionLedger } from './partition-ledger.js';

/**
 * What commits a member's offsets: kafkajs's `Consumer` is one; another client adapts its own
 * commit call to it.
 */
export interface CommitTarget {
  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<unknown>;
}

/**
 * What the committer reads at the start of each commit: the member's current consumer, its
 * generation (a commit from an older one does not count) and its ledgers by `topic|partition`.
 */
export interface CommitState {
  readonly consumer: CommitTarget | undefined;
  readonly generation: number;
  readonly ledgers: ReadonlyMap<string, PartitionLedger>;
}

/**
 * Commits a group member's acknowledged offsets: per partition, the contiguous acknowledged
 * prefix, in one coalesced commit in flight at a time. A failed commit (typically a rebalance)
 * is logged; the partition is then read again from the last commit.
 *
 * @example
 * ```ts
 * const committer = new OffsetCommitter(() => member.commitState(), (g) => g === member.generation,
 *   (partitionKey, offset) => counter.committed(partitionKey, offset), console.warn);
 * await committer.commitNow();
 * ```
 */
export class OffsetCommitter {
  private readonly rounds = new Coalescer<void>({ run: () => this.commit() });

  constructor(
    private readonly state: () => CommitState,
    private readonly isCurrent: (generation: number) => boolean,
    private readonly onCommitted: (partitionKey: string, offset: number) => void,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  /** Resolves after a commit that starts after this call has finished (or failed). */
  commitNow(): Promise<void> {
    return this.rounds.add();
  }

  /** One commit round; never rejects (a failure is logged). */
  private async commit(): Promise<void> {
    const { consumer, generation, ledgers } = this.state();
    const offsets: {
      key: string;
      topic: string;
      partition: number;
      offset: number;
      ledger: PartitionLedger;
    }[] = [];
    for (const [k, ledger] of ledgers) {
      const offset = ledger.commitOffset();
      if (offset === undefined) continue;
      const cut = k.lastIndexOf('|');
      offsets.push({
        key: k,
        topic: k.slice(0, cut),
        partition: Number(k.slice(cut + 1)),
        offset,
        ledger,
      });
    }
    if (!consumer || offsets.length === 0) return;
    try {
      await consumer.commitOffsets(
        offsets.map(({ topic, partition, offset }) => ({
          topic,
          partition,
          offset: String(offset),
        })),
      );
      if (this.isCurrent(generation)) {
        for (const o of offsets) {
          o.ledger.committed = o.offset;
          this.onCommitted(o.key, o.offset);
        }
      }
    } catch (error) {
      this.log('offset commit failed', error);
    }
  }
}
