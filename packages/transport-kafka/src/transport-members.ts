import type { OpenWork } from './open-work.js';
import type { AckedAhead } from './partition-lag.js';
import type { TransportOps } from './transport-ops.js';

/** What {@link TransportMembers} needs of a group member (either Kafka client's). */
export interface TrackedMember {
  /** The Kafka group id the member joins. */
  readonly groupId: string;
  /** Joins the group and starts delivering. */
  start(): void;
  /** Commits what was acknowledged, then leaves the group. */
  stop(): Promise<void>;
  /** Commits what was acknowledged and not committed yet. */
  commitNow(): Promise<void>;
  /** Acknowledged offsets in `[from, to)` no commit covers yet. */
  ackedAhead(topic: string, partition: number, from: number, to: number): number;
}

/** How {@link TransportMembers.lag} reads one client's broker. */
export interface LagReading<C> {
  /** The topics the lag is summed over (the stream's, or every reply topic for a tap). */
  topics(c: C): Promise<string[]>;
  /** One topic's lag, less `ahead` (see `topicLag`). */
  topicLag(c: C, topic: string, ahead: AckedAhead, fromEarliest: boolean): Promise<number>;
}

/**
 * The group members of one Kafka transport (any client's): each `consume()` subscription's
 * member, started and, at teardown, stopped in the background (`OpenWork.keep`); the tap groups
 * declared here; and a group's lag, which first commits what this process's members
 * acknowledged and does not count what they acknowledged after a message they still hold.
 *
 * @example
 * ```ts
 * const members = new TransportMembers<GroupMember>(work);
 * return work.track((subscriber) => members.run(new GroupMember({ ...options, subscriber }), false));
 * ```
 */
export class TransportMembers<M extends TrackedMember> {
  private readonly all = new Set<M>();
  private readonly taps = new Set<M>();
  /** Tap groups declared here: they read a new reply topic from its beginning. */
  readonly tapGroups = new Set<string>();

  constructor(private readonly work: OpenWork) {}

  /** The members reading every reply topic (`REPLY_TAP`). */
  tapMembers(): Iterable<M> {
    return this.taps;
  }

  /** Starts `member`; the teardown of its subscription forgets it and stops it in the background. */
  run(member: M, tap: boolean): () => void {
    this.all.add(member);
    if (tap) this.taps.add(member);
    member.start();
    return () => {
      this.all.delete(member);
      this.taps.delete(member);
      this.work.keep(member.stop());
    };
  }

  /**
   * End offsets minus committed offsets of group `groupId`, summed over `read.topics`, as a
   * set-up step (`ops.setup(what, …)`). A tap group declared or consumed here counts a reply topic
   * it has no offset on from its beginning (where its members will read it).
   */
  async lag<C>(
    ops: TransportOps<C>,
    what: string,
    groupId: string,
    tap: boolean,
    read: LagReading<C>,
  ): Promise<number> {
    const mine = [...this.all].filter((m) => m.groupId === groupId);
    await Promise.all(mine.map((m) => m.commitNow()));
    const ahead: AckedAhead = (...at) => mine.reduce((n, m) => n + m.ackedAhead(...at), 0);
    const fromEarliest = tap && (this.tapGroups.has(groupId) || mine.length > 0);
    return ops.setup(what, async (c) => {
      let lag = 0;
      for (const topic of await read.topics(c))
        lag += await read.topicLag(c, topic, ahead, fromEarliest);
      return lag;
    });
  }
}
