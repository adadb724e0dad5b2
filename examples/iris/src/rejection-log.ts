import type { Rejection } from '@rendezvous-ml/core';
import type { Logger } from 'pino';
import type { Observable } from 'rxjs';

/** One warning per kind, field and sender in this window; the rest are counted into the next. */
const WINDOW_MS = 10_000;

/**
 * Logs what the front end rejects (a foreign worker's malformed scores and heartbeats) as
 * warnings a person can act on: the field, the reason, the sender and a payload excerpt. A
 * broken worker sending thousands of messages gives one line per problem every 10 s, with the
 * number suppressed since the last line.
 *
 * @example
 * ```ts
 * logRejections(rendezvous.rejections$, logger);
 * ```
 */
export function logRejections(
  rejections$: Observable<Rejection>,
  logger: Logger,
  now: () => number = Date.now,
): void {
  const last = new Map<string, { at: number; suppressed: number }>();
  rejections$.subscribe((r) => {
    const key = `${r.kind} ${r.path} ${r.sender ?? ''}`;
    const at = now();
    const seen = last.get(key);
    if (seen && at - seen.at < WINDOW_MS) {
      seen.suppressed++;
      return;
    }
    last.set(key, { at, suppressed: 0 });
    logger.warn(
      {
        kind: r.kind,
        path: r.path,
        sender: r.sender,
        excerpt: r.excerpt,
        suppressed: seen?.suppressed ?? 0,
      },
      `rejected a ${r.kind} that breaks the wire protocol (docs/protocol.md): ${r.reason}`,
    );
  });
}
