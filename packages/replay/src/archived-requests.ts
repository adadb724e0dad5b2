import { type RequestEnvelope, readJsonlArchiveFiles } from '@rendezvous-ml/core';

/**
 * Which archived requests a replay takes, by the request's `ts` (when the production front end
 * accepted it, ms since the epoch).
 */
export interface RequestFilter {
  /** Only requests with `ts >= since`. */
  readonly since?: number;
  /** Only requests with `ts < until`. */
  readonly until?: number;
  /** At most this many requests (the first ones in archive order, after the time filter). */
  readonly limit?: number;
}

/**
 * Keeps the requests of an iterable within the filter, each id once (a redelivered input may be
 * archived twice across a restart), in the iterable's order.
 *
 * @example
 * ```ts
 * for await (const r of filterRequests(requestsFromElasticsearch(), { since })) replayOne(r);
 * ```
 */
export async function* filterRequests(
  requests: AsyncIterable<RequestEnvelope> | Iterable<RequestEnvelope>,
  filter: RequestFilter = {},
): AsyncGenerator<RequestEnvelope> {
  const limit = filter.limit ?? Number.POSITIVE_INFINITY;
  if (limit <= 0) return;
  const seen = new Set<string>();
  for await (const request of requests) {
    if (seen.has(request.id)) continue;
    if (filter.since !== undefined && request.ts < filter.since) continue;
    if (filter.until !== undefined && request.ts >= filter.until) continue;
    seen.add(request.id);
    yield request;
    if (seen.size >= limit) return;
  }
}

async function* archivedRequests(directory: string): AsyncGenerator<RequestEnvelope> {
  for await (const file of readJsonlArchiveFiles(directory))
    for (const record of file.records) if (record.kind === 'request') yield record.request;
}

/**
 * Reads the decoy's archive (a folder written by `RollingGzipJsonlSink`) and yields each
 * archived request once, in archive order, within the filter. Records of other kinds are
 * ignored, so a folder holding scores or results too reads the same. A torn file is read as
 * `readJsonlArchiveFiles` reads it: the whole members only.
 *
 * @example
 * ```ts
 * for await (const request of readArchivedRequests('data/archive/decoy', { limit: 10 })) console.log(request.id);
 * ```
 */
export function readArchivedRequests(
  directory: string,
  filter: RequestFilter = {},
): AsyncGenerator<RequestEnvelope> {
  return filterRequests(archivedRequests(directory), filter);
}
