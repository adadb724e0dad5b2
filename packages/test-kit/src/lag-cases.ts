import { type Delivery, REPLY_TAP, type Transport } from '@rendezvous-ml/core';
import { expect, it } from 'vitest';
import type { ConformanceContext } from './conformance-context.js';
import { waitFor } from './wait-for.js';

/** Polls `groupLag` until it reads `expected`; fails with the last reading after `timeoutMs`. */
async function lagReaches(
  t: Transport,
  stream: string,
  group: string,
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const start = Date.now();
  let last = await t.groupLag!(stream, group);
  while (last !== expected) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`groupLag of ${group} stayed at ${last}, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = await t.groupLag!(stream, group);
  }
  expect(last).toBe(expected);
}

/**
 * The group-lag cases of the conformance suite (`capabilities.groupLag`): lag is 0 on a fresh
 * group, counts what was published, counts what was delivered and not acked (or handed back),
 * and drops to 0 once every message is acked; the reply tap too.
 *
 * @example
 * ```ts
 * describe('lag', () => lagCases(conformanceContext('memory', target)));
 * ```
 */
export function lagCases(ctx: ConformanceContext): void {
  const { name, settle, timeout, connect, track, unique } = ctx;
  const reason = `${name} does not declare groupLag`;

  it('group lag: 0 on a fresh group and on a group that does not exist', { timeout }, async (c) => {
    const t = await connect();
    c.skip(!t.capabilities.groupLag, reason);
    expect(typeof t.groupLag).toBe('function');
    const stream = unique('s');
    await t.ensureGroup(stream, 'g');
    expect(await t.groupLag!(stream, 'g')).toBe(0);
    expect(await t.groupLag!(stream, 'nobody')).toBe(0);
  });

  it('group lag: counts published messages, then delivered-unacked, then 0 once acked', {
    timeout,
  }, async (c) => {
    const t = await connect();
    c.skip(!t.capabilities.groupLag, reason);
    const stream = unique('s');
    await t.ensureGroup(stream, 'g');
    await t.ensureGroup(stream, 'other');
    for (let i = 0; i < 5; i++) await t.publish(stream, { key: `k${i}`, payload: String(i) });
    await lagReaches(t, stream, 'g', 5, settle);
    const got = track<Delivery>(t.consume(stream, { group: 'g', consumer: 'c' }));
    await waitFor(() => got.length === 5, 'five deliveries', settle);
    expect(await t.groupLag!(stream, 'g')).toBe(5); // delivered, not acked
    await got[0]!.ack();
    await got[1]!.ack();
    await lagReaches(t, stream, 'g', 3, settle);
    await got[2]!.release({ delayMs: 60_000 }); // handed back: still not acknowledged
    await lagReaches(t, stream, 'g', 3, settle);
    await Promise.all([got[3]!.ack(), got[4]!.ack()]);
    await lagReaches(t, stream, 'g', 1, settle);
    expect(await t.groupLag!(stream, 'other')).toBe(5); // each group counts for itself
  });

  it('group lag: counts the reply tap when declared', { timeout }, async (c) => {
    const t = await connect();
    c.skip(!t.capabilities.groupLag || !t.capabilities.replyTap, `${reason} and replyTap`);
    const group = unique('tap');
    await t.ensureGroup(REPLY_TAP, group);
    const channel = await t.openReplyChannel();
    await t.reply(channel.address, { key: 'x', payload: 'one' });
    await t.reply(channel.address, { key: 'y', payload: 'two' });
    await lagReaches(t, REPLY_TAP, group, 2, settle);
    const got = track<Delivery>(t.consume(REPLY_TAP, { group, consumer: 'archiver' }));
    await waitFor(() => got.length === 2, 'both replies on the tap', settle);
    await Promise.all(got.map((d) => d.ack()));
    await lagReaches(t, REPLY_TAP, group, 0, settle);
    await channel.close();
  });
}
