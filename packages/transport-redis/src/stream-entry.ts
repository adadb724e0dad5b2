import {
  type IncomingMessage,
  type OutgoingMessage,
  UnexpectedReplyError,
} from '@rendezvous-ml/core';
import { redisInteger } from './redis-integer.js';

/** The field that holds the payload in a stream entry written by this transport. */
export const PAYLOAD_FIELD = 'p';
/** The field that holds the message key, when there is one. */
export const KEY_FIELD = 'k';

/** A stream entry as read from Redis, decoded. */
export interface StreamEntry {
  readonly id: string;
  readonly key: string | undefined;
  readonly payload: string;
  /** True when the entry was not written by this transport (no payload field). */
  readonly malformed: boolean;
}

/** Where an `XADD` writes, and how far it trims. */
export interface XaddTarget {
  readonly key: string;
  /** `MAXLEN ~` of the stream. */
  readonly maxLen: number;
  /**
   * False to write only to a stream that exists (`NOMKSTREAM`): a reply to an address nobody
   * owns any more must not re-create its stream, which would then never expire.
   */
  readonly createStream: boolean;
}

/** The arguments of the one `XADD` that writes `message` as a stream entry. */
export function xaddArgs(target: XaddTarget, message: OutgoingMessage): (string | number)[] {
  const args: (string | number)[] = [target.key];
  if (!target.createStream) args.push('NOMKSTREAM');
  args.push('MAXLEN', '~', redisInteger(target.maxLen), '*');
  if (message.key !== undefined) args.push(KEY_FIELD, message.key);
  args.push(PAYLOAD_FIELD, message.payload);
  return args;
}

/** The message a decoded entry carries, as delivered from `source`. */
export function toIncomingMessage(source: string, entry: StreamEntry): IncomingMessage {
  return entry.key === undefined
    ? { source, id: entry.id, payload: entry.payload }
    : { source, id: entry.id, key: entry.key, payload: entry.payload };
}

/**
 * Decodes the `[field, value, ...]` array of one entry. An entry from a foreign writer (no
 * payload field) is kept, with a JSON dump of its fields as payload, so the core can
 * dead-letter it rather than the read loop crashing on it.
 */
export function decodeStreamEntry(id: string, fields: readonly unknown[]): StreamEntry {
  let key: string | undefined;
  let payload: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const f = fields[i];
    const v = fields[i + 1];
    if (f === PAYLOAD_FIELD && typeof v === 'string') payload = v;
    else if (f === KEY_FIELD && typeof v === 'string') key = v;
  }
  if (payload !== undefined) return { id, key, payload, malformed: false };
  const dump: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) dump[String(fields[i])] = String(fields[i + 1]);
  return { id, key, payload: JSON.stringify(dump), malformed: true };
}

/** One entry of a read reply; `fields` is null for an entry that was trimmed while pending. */
export interface RawEntry {
  readonly id: string;
  readonly fields: readonly unknown[] | null;
}

/** One stream's part of an XREAD / XREADGROUP reply. */
export interface StreamBatch {
  readonly stream: string;
  readonly entries: readonly RawEntry[];
}

function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function unexpected(command: string, reply: unknown): UnexpectedReplyError {
  return new UnexpectedReplyError(
    `redis ${command} replied in a shape this transport cannot read: ${describe(reply)} ` +
      '(is the installed ioredis within the supported range, see IOREDIS_RANGE?)',
  );
}

/**
 * Parses the reply of XREAD / XREADGROUP: null on timeout; `[[stream, entries], ...]` with RESP2
 * (ioredis 5, or 6 with `protocol: 2`); `[stream, entries, stream, entries, ...]` (a RESP3 map
 * flattened, ioredis 6's default); or a `Map` / plain object (a RESP3 map kept as such).
 * Throws {@link UnexpectedReplyError} on any other shape: silently skipping it would read nothing,
 * for ever.
 */
export function parseReadReply(reply: unknown, command = 'XREADGROUP'): StreamBatch[] {
  if (reply === null || reply === undefined) return [];
  let pairs: [unknown, unknown][];
  if (reply instanceof Map) pairs = [...reply.entries()];
  else if (Array.isArray(reply)) {
    if (reply.length === 0) return [];
    if (typeof reply[0] === 'string') {
      if (reply.length % 2 !== 0) throw unexpected(command, reply);
      pairs = [];
      for (let i = 0; i < reply.length; i += 2) pairs.push([reply[i], reply[i + 1]]);
    } else {
      pairs = reply.map((item: unknown) =>
        Array.isArray(item) && item.length === 2 ? [item[0], item[1]] : [undefined, undefined],
      );
    }
  } else if (typeof reply === 'object') pairs = Object.entries(reply);
  else throw unexpected(command, reply);
  const out: StreamBatch[] = [];
  for (const [stream, entries] of pairs) {
    if (typeof stream !== 'string' || !Array.isArray(entries)) throw unexpected(command, reply);
    out.push({ stream, entries: parseEntries(entries, command) });
  }
  return out;
}

/**
 * Parses a list of `[id, fields]` pairs (XRANGE, XCLAIM, XREADGROUP entries). Throws
 * {@link UnexpectedReplyError} on an item of another shape.
 */
export function parseEntries(list: unknown, command = 'XCLAIM'): RawEntry[] {
  if (!Array.isArray(list)) throw unexpected(command, list);
  const out: RawEntry[] = [];
  for (const e of list) {
    if (!Array.isArray(e) || typeof e[0] !== 'string') throw unexpected(command, e);
    if (e[1] !== null && !Array.isArray(e[1])) throw unexpected(command, e);
    out.push({ id: e[0], fields: e[1] as readonly unknown[] | null });
  }
  return out;
}

/** One row of an extended XPENDING reply. */
export interface PendingRow {
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveries: number;
}

/** Parses an extended `XPENDING key group [IDLE n] start end count [consumer]` reply. */
export function parsePending(reply: unknown): PendingRow[] {
  if (!Array.isArray(reply)) throw unexpected('XPENDING', reply);
  return reply.map((r: unknown) => {
    if (
      !Array.isArray(r) ||
      typeof r[0] !== 'string' ||
      typeof r[1] !== 'string' ||
      !Number.isFinite(Number(r[2])) ||
      !Number.isFinite(Number(r[3]))
    )
      throw unexpected('XPENDING', r);
    return { id: r[0], consumer: r[1], idleMs: Number(r[2]), deliveries: Number(r[3]) };
  });
}
