import { systemClock } from '@rendezvous-ml/core';
import { backoffDelayMs, sleep } from '@rendezvous-ml/core/transport';
import type { Admin, Kafka } from 'kafkajs';

interface InternalBroker {
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalBroker>;
}

type ClusterFactory = (options: { allowAutoTopicCreation: boolean }) => InternalCluster;

/**
 * Positions a consumer group at the end of a topic when it has no committed offset, so that a
 * new group sees exactly what is published after `ensureGroup` resolves.
 *
 * Kafka allows an offset commit with generation -1 from outside the group while the group is
 * empty (it is how the Java AdminClient's `alterConsumerGroupOffsets` works). This class sends
 * that commit through kafkajs's cluster, reached through the private symbol
 * `private:Kafka:createCluster`, and falls back to the public `admin.setOffsets` if that entry
 * point is not there. Both position correctly (test/group-positioner.integration.test.ts runs
 * each path); the private one stays because kafkajs 2.2.4 has no public equivalent:
 *
 * - `admin.setOffsets` is not an outside commit: it joins the group with a throwaway consumer,
 *   seeks, waits for a fetch and leaves. Measured on the test broker (initial rebalance delay
 *   0): about 5 s per new group and topic instead of about 0.3 s; a broker's default
 *   `group.initial.rebalance.delay.ms` adds 3 s more. A member that joins meanwhile has to
 *   rebalance with the throwaway one.
 * - `leaveGroup` (evicting a crashed consumer's old member) has no public counterpart at all:
 *   `admin.deleteGroups` only removes empty groups, and kafkajs's admin has no
 *   `removeMembersFromConsumerGroup`. Without the private entry point it returns false and the
 *   group waits out the old member's session.
 *
 * @example
 * ```ts
 * await new GroupPositioner(kafka, admin).positionAtEnd('rendezvous.model:dt@1', 'rendezvous.requests');
 * ```
 */
export class GroupPositioner {
  private cluster: Promise<InternalCluster | undefined> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
  ) {}

  /**
   * Commits the high watermark of every partition of `topic` where `groupId` has no offset.
   * One attempt: the transport retries transient failures (a coordinator still loading, a
   * partition not hosted yet) as it does every set-up step.
   */
  async positionAtEnd(groupId: string, topic: string): Promise<void> {
    const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    const missing = new Set(
      (committed?.partitions ?? []).filter((p) => Number(p.offset) < 0).map((p) => p.partition),
    );
    if (missing.size === 0) return;
    const ends = await this.admin.fetchTopicOffsets(topic);
    const partitions = ends
      .filter((e) => missing.has(e.partition))
      .map((e) => ({ partition: e.partition, offset: e.high }));
    await this.commit(groupId, topic, partitions);
  }

  private async commit(
    groupId: string,
    topic: string,
    partitions: { partition: number; offset: string }[],
  ): Promise<void> {
    const cluster = await this.internalCluster();
    try {
      if (cluster) {
        const coordinator = await cluster.findGroupCoordinator({ groupId });
        await coordinator.offsetCommit({
          groupId,
          groupGenerationId: -1,
          memberId: '',
          topics: [{ topic, partitions }],
        });
      } else {
        await this.admin.setOffsets({ groupId, topic, partitions });
      }
    } catch (error) {
      // A group with live members rejects outside commits; it already has a position.
      const type = (error as { type?: string }).type ?? '';
      const message = (error as Error).message ?? '';
      if (
        /ILLEGAL_GENERATION|UNKNOWN_MEMBER_ID|REBALANCE_IN_PROGRESS/.test(type) ||
        /running instances/.test(message)
      )
        return;
      throw error;
    }
  }

  /**
   * Removes `memberId` from `groupId` on the broker: the member a crashed kafkajs consumer left
   * behind. kafkajs rejoins after a crash with a new member id, and the coordinator then holds the
   * rebalance until the old member's session times out (after a broker restart, every group waits
   * a full `sessionTimeout`). Retries retriable errors (broker down, coordinator loading) until
   * `untilMs` (epoch ms) or `cancelled()`; resolves true when the member is gone.
   */
  async leaveGroup(
    groupId: string,
    memberId: string,
    untilMs: number,
    cancelled: () => boolean,
  ): Promise<boolean> {
    for (let attempt = 1; !cancelled() && systemClock.now() < untilMs; attempt++) {
      try {
        const cluster = await this.internalCluster();
        if (!cluster) return false;
        const coordinator = await cluster.findGroupCoordinator({ groupId });
        await coordinator.leaveGroup({ groupId, memberId });
        return true;
      } catch (error) {
        const type = (error as { type?: string }).type ?? '';
        if (/UNKNOWN_MEMBER_ID|GROUP_ID_NOT_FOUND/.test(type)) return true;
        if (/NOT_COORDINATOR|COORDINATOR_NOT_AVAILABLE/.test(type)) this.forgetCluster();
        await sleep(backoffDelayMs(attempt, { initialMs: 50, maxMs: 250 }));
      }
    }
    return false;
  }

  private forgetCluster(): void {
    const old = this.cluster;
    this.cluster = undefined;
    void old?.then((c) => c?.disconnect()).catch(() => undefined);
  }

  private internalCluster(): Promise<InternalCluster | undefined> {
    this.cluster ??= (async () => {
      const symbol = Object.getOwnPropertySymbols(this.kafka).find(
        (s) => s.description === 'private:Kafka:createCluster',
      );
      const factory = symbol
        ? ((this.kafka as unknown as Record<symbol, unknown>)[symbol] as ClusterFactory | undefined)
        : undefined;
      if (typeof factory !== 'function') return undefined;
      const cluster = factory({ allowAutoTopicCreation: false });
      await cluster.connect();
      return cluster;
    })();
    this.cluster.catch(() => {
      this.cluster = undefined;
    });
    return this.cluster;
  }

  /** Closes the connection it opened. */
  async disconnect(): Promise<void> {
    const cluster = await this.cluster?.catch(() => undefined);
    this.cluster = undefined;
    await cluster?.disconnect();
  }
}
