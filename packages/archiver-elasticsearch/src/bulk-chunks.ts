/**
 * Splits `entries` (each with its NDJSON size in bytes) into consecutive chunks of at most
 * `maxDocs` entries and at most `maxBytes` bytes. An entry bigger than `maxBytes` on its own
 * becomes a chunk of one, so nothing is ever dropped.
 *
 * @example
 * ```ts
 * splitIntoBulkChunks([{ bytes: 60 }, { bytes: 60 }, { bytes: 10 }], 100, 1000); // [[60], [60, 10]]
 * ```
 */
export function splitIntoBulkChunks<T extends { readonly bytes: number }>(
  entries: readonly T[],
  maxBytes: number,
  maxDocs: number,
): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (chunk.length > 0 && (chunk.length >= maxDocs || bytes + entry.bytes > maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += entry.bytes;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
