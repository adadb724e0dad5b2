import { REPLY_TAP } from '@rendezvous-ml/core';
import type { GroupMember } from './group-member.js';
import type { GroupMemberOptions } from './group-member-options.js';
import type { KafkaConnection } from './kafka-connector.js';
import type { KafkaContext } from './kafka-context.js';

/**
 * The reply tap (`REPLY_TAP`): archivers read every reply topic through a group of their own.
 * The set of reply topics grows as front ends open return addresses, so a tap member re-lists
 * them every `refreshMs`, and at once when this transport opens one (`refresh()`).
 *
 * @example
 * ```ts
 * const tap = new ReplyTap(ctx, 2000);
 * const member = new GroupMember({ ...common, ...tap.memberSource() });
 * tap.add(member);
 * ```
 */
export class ReplyTap {
  private readonly members = new Set<GroupMember>();

  constructor(
    private readonly ctx: KafkaContext,
    private readonly refreshMs: number,
  ) {}

  /** The reply topics there are now, sorted. */
  async topics(c: KafkaConnection): Promise<string[]> {
    const all = await c.admin.listTopics();
    return all.filter((t) => this.ctx.names.isReply(t)).sort();
  }

  /** `ensureGroup(REPLY_TAP, group)`: positions the group at the end of every reply topic. */
  async positionAtEnd(c: KafkaConnection, groupId: string): Promise<void> {
    for (const topic of await this.topics(c))
      await this.ctx.topics.positionAtEnd(c, groupId, topic);
  }

  /** What a tap member reads: every reply topic, each reported under its own name. */
  memberSource(): Pick<GroupMemberOptions, 'topics' | 'sourceOf' | 'refreshMs'> {
    return {
      topics: () => this.ctx.ops.setup(`consume ${REPLY_TAP}`, (c) => this.topics(c)),
      sourceOf: (topic) => topic,
      refreshMs: this.refreshMs,
    };
  }

  add(member: GroupMember): void {
    this.members.add(member);
  }

  delete(member: GroupMember): void {
    this.members.delete(member);
  }

  /** Makes every tap member re-list the reply topics now (one was just created). */
  refresh(): void {
    for (const member of this.members) member.refresh();
  }
}
