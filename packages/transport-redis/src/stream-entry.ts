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

/** One stream's part of an XREAD / XREADGROUP reply. */
export interface StreamBatch {
  readonly stream: string;
  /** Entries; `fields` is null for an entry that was trimmed while pending. */
  readonly entries: readonly { readonly id: string; readonly fields: readonly unknown[] | null }[];
}

/** Parses the reply of XREAD / XREADGROUP (null on timeout). */
export function parseReadReply(reply: unknown): StreamBatch[] {
  if (!Array.isArray(reply)) return [];
  const out: StreamBatch[] = [];
  for (const item of reply) {
    if (!Array.isArray(item) || typeof item[0] !== 'string' || !Array.isArray(item[1])) continue;
    out.push({ stream: item[0], entries: parseEntries(item[1]) });
  }
  return out;
}

/** Parses a list of `[id, fields]` pairs (XRANGE, XAUTOCLAIM, XREADGROUP entries). */
export function parseEntries(
  list: readonly unknown[],
): { readonly id: string; readonly fields: readonly unknown[] | null }[] {
  const out: { id: string; fields: readonly unknown[] | null }[] = [];
  for (const e of list) {
    if (!Array.isArray(e) || typeof e[0] !== 'string') continue;
    out.push({ id: e[0], fields: Array.isArray(e[1]) ? (e[1] as unknown[]) : null });
  }
  return out;
}
