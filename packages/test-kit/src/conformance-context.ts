import type { Transport } from '@rendezvous-ml/core';
import type { Subscription } from 'rxjs';
import { afterEach } from 'vitest';

/** How to reach the transport under test. */
export interface ConformanceTarget {
  /**
   * Returns a new, independent connection to the same backend each time it is called, as if
   * from another process. The suite closes every transport it creates.
   */
  create(): Transport | Promise<Transport>;
  /** Upper bound for things that take real time on this broker (joins, rebalances, claims). Default 10 s. */
  readonly settleMs?: number;
  /** How long to wait for a message that must NOT arrive. Default 300 ms. */
  readonly quietMs?: number;
}

/** What the conformance cases share: the target's bounds and the connections they opened. */
export interface ConformanceContext {
  /** The transport's name, for skip reasons. */
  readonly name: string;
  /** Upper bound for a join, rebalance or claim. */
  readonly settle: number;
  /** How long to wait for a message that must not arrive. */
  readonly quiet: number;
  /** Each case's timeout. */
  readonly timeout: number;
  /** A new connection, closed after the case. */
  connect(): Promise<Transport>;
  /** A new connection the case closes itself. */
  create(): Promise<Transport>;
  /** Subscribes and collects what arrives; unsubscribed after the case. */
  track<T>(source: Subscribable<T>): T[];
  /** Subscribes and collects what arrives; the case unsubscribes when it wants. */
  collect<T>(source: Subscribable<T>): { items: T[]; sub: Subscription };
  /** Unsubscribes `sub` after the case. */
  keep(sub: Subscription): void;
  /** A name no other case uses. */
  unique(prefix: string): string;
}

/** Anything with rxjs's `subscribe(next)`. */
type Subscribable<T> = { subscribe(next: (v: T) => void): Subscription };

let counter = 0;

function collect<T>(source: Subscribable<T>): { items: T[]; sub: Subscription } {
  const items: T[] = [];
  const sub = source.subscribe((v) => items.push(v));
  return { items, sub };
}

/**
 * The context of one suite; call it inside its `describe`: it registers the `afterEach` that
 * unsubscribes and closes what each case opened.
 *
 * @example
 * ```ts
 * describe('my cases', () => {
 *   const ctx = conformanceContext('memory', { create: () => new MemoryTransport({ broker }) });
 *   it('connects', async () => void (await ctx.connect()));
 * });
 * ```
 */
export function conformanceContext(name: string, target: ConformanceTarget): ConformanceContext {
  const settle = target.settleMs ?? 10_000;
  const opened: Transport[] = [];
  const subs: Subscription[] = [];
  afterEach(async () => {
    for (const s of subs.splice(0)) s.unsubscribe();
    await Promise.all(opened.splice(0).map((t) => t.close()));
  });
  return {
    name,
    settle,
    quiet: target.quietMs ?? 300,
    timeout: settle * 3 + 10_000,
    connect: async () => {
      const t = await target.create();
      opened.push(t);
      return t;
    },
    create: async () => target.create(),
    track: <T>(source: Subscribable<T>): T[] => {
      const { items, sub } = collect(source);
      subs.push(sub);
      return items;
    },
    collect,
    keep: (sub) => void subs.push(sub),
    unique: (prefix) => {
      counter++;
      return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
    },
  };
}
