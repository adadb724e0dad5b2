import {
  type Clock,
  type Delivery,
  type ReleaseOptions,
  type RendezvousError,
  systemClock,
} from '@rendezvous-ml/core';
import { backoffDelayMs, type TransportErrors, WakeablePause } from '@rendezvous-ml/core/transport';
import type { Subscriber } from 'rxjs';
import { AckBatcher } from './ack-batcher.js';
import { entryRef, type GroupCommands, isNoGroup } from './group-commands.js';
import { READ_BACKOFF } from './read-backoff.js';
import { ReleasedEntries } from './released-entries.js';
import { decodeStreamEntry, type RawEntry, toIncomingMessage } from './stream-entry.js';

/** The stream keys one `consume` subscription reads, and where its deliveries come from. */
export interface ConsumedStreams {
  /**
   * The stream keys to read, with the group created on each. `recovering` is true when Redis
   * lost the group (NOGROUP) or the connection came back, and groups must be recreated.
   */
  resolve(recovering: boolean): Promise<readonly string[]>;
  /** Set when the keys can change (the reply tap): how often they are resolved again. */
  readonly refreshMs?: number;
  /** The `source` of deliveries read from `key`. */
  sourceOf(key: string): string;
}

/** What a {@link GroupConsumer} needs from its transport. */
export interface GroupConsumerOptions {
  /** This member's commands on its group; `stop()` disconnects their reader. */
  readonly commands: GroupCommands;
  readonly streams: ConsumedStreams;
  readonly prefetch: number;
  readonly blockMs: number;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  /** Maps failures onto the core's errors and reports those of the read loop. */
  readonly errors: Pick<TransportErrors, 'toError' | 'report' | 'wrap'>;
  /** Where entries from foreign writers and entries claimed from other members are counted. */
  readonly counts: { malformedEntries: number; claimedEntries: number };
  /** The clock of its waits and schedules (claims, key refreshes, releases). Default: the system's. */
  readonly clock?: Clock;
}

/**
 * One member of a consumer group on one or more streams: the read loop behind one `consume`
 * subscription. It never holds more than `prefetch` unacknowledged deliveries, reads its own
 * pending entries before new ones, claims entries other members left idle, and hands its own
 * unacknowledged entries back to the group when it stops.
 */
export class GroupConsumer {
  private readonly held = new Set<string>();
  private readonly buffer: Delivery[] = [];
  private readonly acks: AckBatcher;
  private readonly released: ReleasedEntries;
  private stopped = false;
  private resync = false;
  private readonly clock: Clock;
  private readonly sleeper: WakeablePause;
  private keys: readonly string[] = [];

  constructor(
    private readonly options: GroupConsumerOptions,
    private readonly subscriber: Subscriber<Delivery>,
  ) {
    const { commands } = options;
    this.clock = options.clock ?? systemClock;
    this.sleeper = new WakeablePause(this.clock);
    this.acks = new AckBatcher(commands.command, commands.group);
    this.released = new ReleasedEntries(commands, options.claimIdleMs, this.clock);
    let connected = false;
    commands.reader.on('ready', () => {
      if (connected) this.resync = true;
      connected = true;
    });
  }

  start(): void {
    void this.run();
  }

  /**
   * Stops reading, closes the reader connection and makes every entry this member holds
   * unacknowledged immediately claimable by the other members.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.signal();
    this.options.commands.reader.disconnect();
    const refs = [...this.held, ...this.buffer.map((d) => this.refOf(d)), ...this.released.drain()];
    this.buffer.length = 0;
    await this.options.commands.handOver(refs);
  }

  private refs = new WeakMap<Delivery, string>();
  private refOf(d: Delivery): string {
    return this.refs.get(d) ?? '';
  }

  private signal(): void {
    this.sleeper.wake();
  }

  /** Waits until an ack frees a credit, `ms` pass (if given), or the consumer stops. */
  private pause(ms?: number): Promise<void> {
    return this.sleeper.pause(ms);
  }

  private get credits(): number {
    return this.options.prefetch - this.held.size;
  }

  /** Ends the subscription with a failure that retrying cannot fix (it was already reported). */
  private fail(error: RendezvousError): void {
    void this.stop();
    this.subscriber.error(error);
  }

  private async run(): Promise<void> {
    const { options } = this;
    let pending = true;
    let cursors = new Map<string, string>();
    let nextClaim = 0;
    let nextKeys = 0;
    let failures = 0;
    let recovering = false;
    let needKeys = true;
    while (!this.stopped) {
      try {
        this.flushBuffer();
        if (this.released.size > 0 && (await this.released.touch())) continue;
        if (this.credits <= 0 || this.buffer.length > 0) {
          const touch = this.released.nextTouchAt();
          await this.pause(
            Number.isFinite(touch) ? Math.max(1, touch - this.clock.now()) : undefined,
          );
          continue;
        }
        if (this.resync) {
          this.resync = false;
          recovering = true;
          needKeys = true;
          pending = true;
        }
        if (needKeys) {
          this.keys = await options.streams.resolve(recovering);
          recovering = false;
          needKeys = false;
          if (pending) cursors = new Map(this.keys.map((k) => [k, '0-0']));
        }
        if (pending && this.keys.length > 0) {
          const n = await this.readPending(cursors);
          if (n === 0) pending = false;
          failures = 0;
          continue;
        }
        pending = false;
        if (this.released.size > 0 && (await this.redeliverReleased())) {
          failures = 0;
          continue;
        }
        const now = this.clock.now();
        const { refreshMs } = options.streams;
        if (refreshMs !== undefined && now >= nextKeys) {
          this.keys = await options.streams.resolve(false);
          nextKeys = this.clock.now() + refreshMs;
          failures = 0;
          continue;
        }
        if (now >= nextClaim) {
          await this.claim();
          nextClaim = this.clock.now() + options.claimIntervalMs;
          failures = 0;
          continue;
        }
        const due = Math.min(
          refreshMs !== undefined ? Math.min(nextClaim, nextKeys) : nextClaim,
          this.released.nextDueAt(),
          this.released.nextTouchAt(),
        );
        // Redis refuses a BLOCK that is not a whole number of ms, and a release's due time is
        // not one (a jittered backoff): round up, so the read never wakes before it is due.
        const block = Math.max(1, Math.ceil(Math.min(options.blockMs, due - now)));
        if (this.keys.length === 0) {
          await this.pause(block);
          continue;
        }
        const batches = await options.commands.readNew(this.keys, this.credits, block);
        failures = 0;
        if (this.stopped) break;
        for (const batch of batches) this.deliver(batch.stream, batch.entries);
      } catch (error) {
        if (this.stopped) break;
        if (isNoGroup(error)) {
          recovering = true;
          needKeys = true;
          continue;
        }
        const failure = options.errors.toError(error, 'read');
        options.errors.report(failure);
        if (!failure.retryable) {
          // A wrong password, a missing permission or a reply this transport cannot read: the
          // next read would fail the same way, so the subscription ends, loudly.
          this.fail(failure);
          break;
        }
        failures++;
        await this.pause(backoffDelayMs(failures, READ_BACKOFF));
      }
    }
  }

  /** Reads this member's own pending entries (after a restart); returns how many it got. */
  private async readPending(cursors: Map<string, string>): Promise<number> {
    const keys = this.keys;
    const ids = keys.map((k) => cursors.get(k) ?? '0-0');
    let total = 0;
    for (const batch of await this.options.commands.readOwn(keys, ids, this.credits)) {
      const entries = batch.entries;
      if (entries.length === 0) continue;
      total += entries.length;
      cursors.set(batch.stream, entries[entries.length - 1]!.id);
      const counts = await this.pendingCounts(batch.stream, entries[0]!.id, entries.at(-1)!.id);
      this.deliver(batch.stream, entries, counts);
    }
    return total;
  }

  private async pendingCounts(key: string, from: string, to: string): Promise<Map<string, number>> {
    const window = this.options.prefetch + this.held.size + 16;
    const rows = await this.options.commands.pendingOwn(key, from, to, window);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.id, r.deliveries);
    return counts;
  }

  /**
   * Claims entries idle for longer than `claimIdleMs` on any member, except those this member
   * is processing right now (a slow member must not keep re-claiming its own entries, which
   * would reset their idle time and starve the others). XPENDING gives the delivery counts.
   */
  private async claim(): Promise<void> {
    const { commands, claimIdleMs, counts: stats } = this.options;
    for (const key of this.keys) {
      const credits = this.credits;
      if (credits <= 0 || this.stopped) return;
      const rows = await commands.pendingIdle(key, claimIdleMs, credits + this.held.size);
      const counts = new Map<string, number>();
      for (const r of rows) {
        const ref = entryRef(key, r.id);
        if (this.held.has(ref) || this.released.has(ref)) continue;
        counts.set(r.id, r.deliveries + 1);
        if (counts.size >= credits) break;
      }
      if (counts.size === 0) continue;
      const entries = await commands.claim(key, claimIdleMs, counts.keys());
      if (this.stopped) return;
      stats.claimedEntries += entries.length;
      this.deliver(key, entries, counts);
    }
  }

  /** Hands a delivery back: its credit is free at once, and it is due again after `delayMs`. */
  private release(ref: string, key: string, id: string, options?: ReleaseOptions): Promise<void> {
    if (this.stopped) return Promise.resolve(); // stop() already handed it to the group
    this.held.delete(ref);
    const added = this.released.add(ref, key, id, Math.max(0, options?.delayMs ?? 0));
    this.signal();
    return added;
  }

  /** Delivers again the released entries that are due; returns whether any was. */
  private async redeliverReleased(): Promise<boolean> {
    const window = this.options.prefetch + this.held.size + this.released.size + 16;
    const batches = await this.released.redeliver(this.credits, window);
    if (!batches) return false;
    if (this.stopped) return true;
    for (const b of batches) this.deliver(b.key, b.entries, b.counts);
    return true;
  }

  private deliver(key: string, entries: readonly RawEntry[], counts?: Map<string, number>): void {
    const { options } = this;
    const source = options.streams.sourceOf(key);
    for (const raw of entries) {
      const ref = entryRef(key, raw.id);
      if (raw.fields === null) {
        // Trimmed while pending: nothing left to deliver.
        void this.acks.ack(key, raw.id).catch(() => undefined);
        continue;
      }
      if (this.held.has(ref) || this.released.has(ref)) continue;
      const entry = decodeStreamEntry(raw.id, raw.fields);
      if (entry.malformed) options.counts.malformedEntries++;
      let acked = false;
      let released = false;
      const delivery: Delivery = {
        ...toIncomingMessage(source, entry),
        deliveryCount: counts?.get(entry.id) ?? 1,
        ack: () => {
          if (acked) return Promise.resolve();
          acked = true;
          this.released.delete(ref);
          if (this.held.delete(ref) && this.held.size === this.options.prefetch - 1) this.signal();
          return options.errors.wrap('ack', () => this.acks.ack(key, entry.id));
        },
        release: (options) => {
          if (acked || released) return Promise.resolve();
          released = true;
          return this.release(ref, key, entry.id, options);
        },
      };
      this.refs.set(delivery, ref);
      this.buffer.push(delivery);
    }
    this.flushBuffer();
  }

  private flushBuffer(): void {
    while (this.buffer.length > 0 && this.credits > 0 && !this.stopped) {
      const d = this.buffer.shift()!;
      this.held.add(this.refOf(d));
      this.subscriber.next(d);
    }
  }
}
