import {
  type Clock,
  type Delivery,
  type IncomingMessage,
  type OutgoingMessage,
  systemClock,
} from '@rendezvous-ml/core';
import type { Subscriber } from 'rxjs';
import { deliveryOf, received } from './received.js';

/**
 * Options of {@link MemoryBroker}.
 *
 * @example
 * ```ts
 * const broker = new MemoryBroker({ maxQueueLength: 10_000 });
 * ```
 */
export interface MemoryBrokerOptions {
  /**
   * Most undelivered messages a consumer group keeps; beyond it the oldest are dropped (and
   * counted), like a trimmed stream. Default 100 000.
   */
  readonly maxQueueLength?: number;
  /**
   * Time source of delayed redeliveries (`delivery.release({ delayMs })`). Default the system
   * clock; tests pass a `VirtualClock`.
   */
  readonly clock?: Clock;
}

/**
 * Counters of a {@link MemoryBroker}.
 *
 * @example
 * ```ts
 * broker.stats().droppedReplies; // replies sent to an address nobody owns
 * ```
 */
export interface MemoryBrokerStats {
  readonly published: number;
  readonly replies: number;
  /** Replies sent to an address nobody owns (any more). */
  readonly droppedReplies: number;
  /** Messages dropped because a group's queue was full. */
  readonly trimmed: number;
}

/**
 * The broker-internal stream that holds a copy of every reply; `consume(REPLY_TAP, ...)` reads it.
 *
 * @example
 * ```ts
 * broker.stats(); // replies are counted once, whether or not a tap group reads them
 * ```
 */
export const REPLY_TAP_STREAM = '__replies';

interface Entry {
  readonly id: string;
  readonly source: string;
  readonly key: string | undefined;
  /** As published: its `payload` may be computed on first read, and `envelope` is carried on. */
  readonly message: OutgoingMessage;
}

interface Slot {
  readonly entry: Entry;
  deliveryCount: number;
  done: boolean;
  holder: Member | undefined;
}

interface Member {
  readonly consumer: string;
  readonly subscriber: Subscriber<Delivery>;
  readonly prefetch: number;
  readonly holding: Set<Slot>;
  readonly ack: (slot: Slot) => Promise<void>;
  readonly release: (slot: Slot, delayMs: number) => Promise<void>;
}

/** @internal */
class Group {
  private queue: Slot[] = [];
  private head = 0;
  /** Published to the group and not acknowledged: queued, held by a member, or released. */
  readonly unacked = new Set<Slot>();
  readonly members: Member[] = [];
  private next = 0;

  constructor(
    private readonly broker: MemoryBroker,
    private readonly maxLength: number,
  ) {}

  get backlog(): number {
    return this.queue.length - this.head;
  }

  push(slot: Slot): void {
    this.queue.push(slot);
    this.unacked.add(slot);
    if (this.backlog > this.maxLength) {
      this.unacked.delete(this.queue[this.head]!);
      this.head++;
      this.broker.countTrimmed();
    }
  }

  requeue(slots: Iterable<Slot>): void {
    const back = [...slots].filter((s) => !s.done);
    for (const s of back) {
      s.holder = undefined;
      s.deliveryCount++;
    }
    back.sort((a, b) => Number(a.entry.id) - Number(b.entry.id));
    this.queue = [...back, ...this.queue.slice(this.head)];
    this.head = 0;
  }

  dispatch(): void {
    while (this.head < this.queue.length) {
      const slot = this.queue[this.head]!;
      if (slot.done) {
        this.head++;
        continue;
      }
      const member = this.pickMember();
      if (!member) break;
      this.head++;
      slot.holder = member;
      member.holding.add(slot);
      const { entry } = slot;
      const ack = (): Promise<void> => member.ack(slot);
      const release: Delivery['release'] = (options) => member.release(slot, options?.delayMs ?? 0);
      const { source, id, key, message } = entry;
      const delivery = deliveryOf({ source, id, key }, message, slot.deliveryCount, ack, release);
      member.subscriber.next(delivery);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private pickMember(): Member | undefined {
    const n = this.members.length;
    for (let i = 0; i < n; i++) {
      const m = this.members[(this.next + i) % n]!;
      if (m.holding.size < m.prefetch) {
        this.next = (this.next + i + 1) % n;
        return m;
      }
    }
    return undefined;
  }
}

/**
 * The shared state of the in-memory transport: streams with consumer groups, return addresses
 * and broadcast channels. Several {@link MemoryTransport}s connected to one broker behave like
 * several processes connected to one broker.
 *
 * @example
 * ```ts
 * const broker = new MemoryBroker();
 * const frontEnd = new MemoryTransport({ broker });
 * const worker = new MemoryTransport({ broker });
 * ```
 */
export class MemoryBroker {
  private readonly maxQueueLength: number;
  /** @internal */
  readonly clock: Clock;
  private readonly streams = new Map<string, Map<string, Group>>();
  private readonly addresses = new Map<string, Subscriber<IncomingMessage>>();
  private readonly channels = new Map<string, Set<Subscriber<IncomingMessage>>>();
  private readonly dirty = new Set<Group>();
  private scheduled = false;
  private seq = 0;
  private addressSeq = 0;
  private readonly counters = { published: 0, replies: 0, droppedReplies: 0, trimmed: 0 };

  constructor(options: MemoryBrokerOptions = {}) {
    this.maxQueueLength = options.maxQueueLength ?? 100_000;
    this.clock = options.clock ?? systemClock;
  }

  stats(): MemoryBrokerStats {
    return { ...this.counters };
  }

  /** @internal */
  countTrimmed(): void {
    this.counters.trimmed++;
  }

  /** @internal Appends a message to every group of `stream`. */
  publish(stream: string, message: OutgoingMessage): void {
    this.counters.published++;
    this.append(stream, message);
  }

  /** @internal What `group` has not acknowledged of `stream`; 0 for a group that does not exist. */
  groupLag(stream: string, groupName: string): number {
    return this.streams.get(stream)?.get(groupName)?.unacked.size ?? 0;
  }

  /** @internal Creates a group positioned at the end of `stream`. */
  ensureGroup(stream: string, groupName: string): void {
    this.group(stream, groupName);
  }

  private group(stream: string, groupName: string): Group {
    let groups = this.streams.get(stream);
    if (!groups) {
      groups = new Map();
      this.streams.set(stream, groups);
    }
    let group = groups.get(groupName);
    if (!group) {
      group = new Group(this, this.maxQueueLength);
      groups.set(groupName, group);
    }
    return group;
  }

  private append(stream: string, message: OutgoingMessage): void {
    const groups = this.streams.get(stream);
    if (!groups || groups.size === 0) return;
    const entry: Entry = {
      id: String(++this.seq),
      source: stream,
      key: message.key,
      message,
    };
    for (const group of groups.values()) {
      group.push({ entry, deliveryCount: 1, done: false, holder: undefined });
      this.markDirty(group);
    }
  }

  /** @internal Adds a member to a group (creating the group), returning its removal. */
  join(
    stream: string,
    groupName: string,
    consumer: string,
    prefetch: number,
    subscriber: Subscriber<Delivery>,
    onAck: () => void,
  ): () => void {
    const g = this.group(stream, groupName);
    const member: Member = {
      consumer,
      subscriber,
      prefetch,
      holding: new Set(),
      ack: async (slot) => {
        onAck();
        if (slot.done) return;
        slot.done = true;
        g.unacked.delete(slot);
        slot.holder?.holding.delete(slot);
        slot.holder = undefined;
        this.markDirty(g);
      },
      release: async (slot, delayMs) => {
        onAck();
        // Only the member that holds the message can hand it back; after an ack it is done.
        if (slot.done || slot.holder !== member) return;
        member.holding.delete(slot);
        slot.holder = undefined;
        this.markDirty(g); // the credit is free now, whatever the delay
        const requeue = (): void => {
          g.requeue([slot]);
          this.markDirty(g);
        };
        if (delayMs > 0) this.clock.setTimeout(requeue, delayMs);
        else requeue();
      },
    };
    g.members.push(member);
    this.markDirty(g);
    return () => {
      const i = g.members.indexOf(member);
      if (i >= 0) g.members.splice(i, 1);
      g.requeue(member.holding);
      member.holding.clear();
      this.markDirty(g);
    };
  }

  /** @internal */
  openAddress(subscriber: Subscriber<IncomingMessage>): { address: string; release: () => void } {
    const address = `memory-reply-${++this.addressSeq}-${Math.random().toString(36).slice(2, 8)}`;
    this.addresses.set(address, subscriber);
    return { address, release: () => this.addresses.delete(address) };
  }

  /** @internal */
  reply(address: string, message: OutgoingMessage): void {
    this.counters.replies++;
    const id = String(++this.seq);
    const target = this.addresses.get(address);
    if (target) {
      queueMicrotask(() =>
        target.next(received({ source: address, id, key: message.key }, message)),
      );
    } else {
      this.counters.droppedReplies++;
    }
    this.append(REPLY_TAP_STREAM, message);
  }

  /** @internal */
  broadcast(channel: string, payload: string): void {
    const listeners = this.channels.get(channel);
    if (!listeners) return;
    const message: IncomingMessage = { source: channel, id: String(++this.seq), payload };
    for (const l of listeners) queueMicrotask(() => l.next(message));
  }

  /** @internal */
  listen(channel: string, subscriber: Subscriber<IncomingMessage>): () => void {
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(subscriber);
    return () => set.delete(subscriber);
  }

  private markDirty(group: Group): void {
    this.dirty.add(group);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const groups = [...this.dirty];
      this.dirty.clear();
      for (const g of groups) g.dispatch();
    });
  }
}
