import { type Clock, systemClock } from '@rendezvous-ml/core';
import { type GroupCommands, groupByKey } from './group-commands.js';
import type { RawEntry } from './stream-entry.js';

/** An entry handed back with `release()`: still in this member's pending list, not held. */
interface ReleasedEntry {
  readonly key: string;
  readonly id: string;
  /** When it may be delivered again (ms since the epoch). */
  readonly dueAt: number;
  /** When its idle time was last reset, so no other member claims it before `dueAt`. */
  touchedAt: number;
}

/** Entries claimed back from one stream, with their (raised) delivery counts. */
export interface Redelivery {
  readonly key: string;
  readonly entries: readonly RawEntry[];
  readonly counts: Map<string, number>;
}

/**
 * The entries a member released and will deliver again once due. They stay in the member's
 * pending list (so if it dies, the idle-claim path hands them to another member), and the member
 * keeps resetting their idle time until they are due (XCLAIM JUSTID to itself, which does not
 * raise the delivery count), so a delay longer than `claimIdleMs` is honoured too.
 */
export class ReleasedEntries {
  private readonly entries = new Map<string, ReleasedEntry>();

  constructor(
    private readonly commands: GroupCommands,
    private readonly claimIdleMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(ref: string): boolean {
    return this.entries.has(ref);
  }

  /** Records a release; resolves once the entry's idle time counts from now. */
  async add(ref: string, key: string, id: string, delayMs: number): Promise<void> {
    const now = this.clock.now();
    this.entries.set(ref, { key, id, dueAt: now + delayMs, touchedAt: now });
    if (delayMs === 0) return;
    await this.commands.touch(key, [id]).catch(() => undefined);
  }

  delete(ref: string): void {
    this.entries.delete(ref);
  }

  /** When the next entry falls due (Infinity when none). */
  nextDueAt(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const e of this.entries.values()) next = Math.min(next, e.dueAt);
    return next;
  }

  /** When the next entry needs its idle time reset (Infinity when none). */
  nextTouchAt(): number {
    const half = this.claimIdleMs / 2;
    let next = Number.POSITIVE_INFINITY;
    for (const e of this.entries.values())
      if (e.dueAt > e.touchedAt + half) next = Math.min(next, e.touchedAt + half);
    return next;
  }

  /** Resets the idle time of entries not due yet whose turn it is; returns whether it did. */
  async touch(): Promise<boolean> {
    const now = this.clock.now();
    const half = this.claimIdleMs / 2;
    const stale = [...this.entries.values()].filter(
      (e) => e.dueAt > now && now - e.touchedAt >= half,
    );
    if (stale.length === 0) return false;
    for (const [key, list] of groupByKey(stale)) {
      await this.commands.touch(
        key,
        list.map((e) => e.id),
      );
      for (const e of list) e.touchedAt = now;
    }
    return true;
  }

  /**
   * Claims back up to `max` due entries (XCLAIM to itself raises their delivery count). An entry
   * another member claimed meanwhile, or that was acknowledged or trimmed, is left alone.
   * Returns undefined when none was due.
   */
  async redeliver(max: number, pendingWindow: number): Promise<Redelivery[] | undefined> {
    const now = this.clock.now();
    const due: ReleasedEntry[] = [];
    for (const [ref, e] of this.entries) {
      if (due.length >= max) break;
      if (e.dueAt <= now) {
        due.push(e);
        this.entries.delete(ref);
      }
    }
    if (due.length === 0) return undefined;
    const out: Redelivery[] = [];
    for (const [key, list] of groupByKey(due)) {
      const ids = list.map((e) => e.id).sort(compareIds);
      const rows = await this.commands.pendingOwn(
        key,
        ids[0]!,
        ids.at(-1)!,
        pendingWindow + ids.length,
      );
      const wanted = new Set(ids);
      const counts = new Map<string, number>();
      for (const r of rows) if (wanted.has(r.id)) counts.set(r.id, r.deliveries + 1);
      if (counts.size === 0) continue;
      const entries = await this.commands.claim(key, 0, counts.keys());
      out.push({ key, entries, counts });
    }
    return out;
  }

  /** Removes every entry and returns their `key\nid` refs (the member is stopping). */
  drain(): string[] {
    const refs = [...this.entries.keys()];
    this.entries.clear();
    return refs;
  }
}

/** Orders stream ids (`<ms>-<seq>`) numerically. */
function compareIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as < bs ? -1 : as > bs ? 1 : 0;
}
