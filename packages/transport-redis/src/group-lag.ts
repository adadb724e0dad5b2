import { UnexpectedReplyError } from '@rendezvous-ml/core';
import type { Redis } from 'ioredis';

/** Entries counted per `XRANGE` page when Redis cannot give the lag itself. */
const PAGE = 1000;

/** The fields of one `XINFO GROUPS` entry this package reads. */
interface GroupInfo {
  readonly pending: number;
  readonly lastDeliveredId: string;
  /** Entries not yet delivered to the group; null or absent when Redis cannot tell. */
  readonly lag: number | null | undefined;
}

function groupInfo(reply: unknown, group: string): GroupInfo | undefined {
  if (!Array.isArray(reply)) throw new UnexpectedReplyError('XINFO GROUPS: not an array');
  for (const entry of reply) {
    if (!Array.isArray(entry))
      throw new UnexpectedReplyError('XINFO GROUPS: an entry is not a list');
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
    if (String(fields.get('name')) !== group) continue;
    const pending = Number(fields.get('pending'));
    const lastDeliveredId = String(fields.get('last-delivered-id'));
    if (!Number.isInteger(pending))
      throw new UnexpectedReplyError('XINFO GROUPS: no pending count');
    const lag = fields.get('lag');
    return { pending, lastDeliveredId, lag: lag === null || lag === undefined ? lag : Number(lag) };
  }
  return undefined;
}

/** Counts the entries of `key` after `afterId`, a page at a time (the stream is trimmed, so bounded). */
async function countAfter(command: Redis, key: string, afterId: string): Promise<number> {
  let count = 0;
  let from = `(${afterId}`;
  for (;;) {
    const page = (await command.call('XRANGE', key, from, '+', 'COUNT', PAGE)) as [string][];
    count += page.length;
    if (page.length < PAGE) return count;
    from = `(${page[page.length - 1]![0]}`;
  }
}

/**
 * What group `group` of stream `key` has not acknowledged: its pending entries (delivered, or
 * released and waiting, but not acked) plus the entries not yet delivered to it. The second
 * number is the `lag` of `XINFO GROUPS` (Redis 7); where Redis reports it as null (after an
 * `XDEL` or a trim it cannot account for) or not at all (Redis 6.2), the entries after the
 * group's last-delivered id are counted with `XRANGE` instead, so the answer is exact either way.
 * A stream or group that does not exist has lag 0.
 */
export async function groupLagOf(command: Redis, key: string, group: string): Promise<number> {
  let reply: unknown;
  try {
    reply = await command.call('XINFO', 'GROUPS', key);
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return 0;
    throw error;
  }
  const info = groupInfo(reply, group);
  if (!info) return 0;
  const undelivered =
    typeof info.lag === 'number' && Number.isInteger(info.lag)
      ? info.lag
      : await countAfter(command, key, info.lastDeliveredId);
  return info.pending + undelivered;
}
