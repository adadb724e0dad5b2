import { type Observable, Subject } from 'rxjs';
import type { InvalidEnvelopeError } from './errors.js';

/** How much of a rejected payload a {@link Rejection} keeps. */
const EXCERPT_CHARS = 256;

/**
 * A message the front end received and could not use: a score on its return address or a
 * heartbeat that does not follow the wire protocol (`docs/protocol.md`). Most come from a
 * worker written outside the SDK; the reason names the field and what was wrong.
 *
 * @example
 * ```ts
 * rendezvous.rejections$.subscribe((r) =>
 *   console.warn(`rejected ${r.kind} from ${r.sender ?? 'unknown'}: ${r.reason}`),
 * );
 * ```
 */
export interface Rejection {
  /** `score`: a reply on the return address (also dead-lettered); `heartbeat`: on the heartbeats channel (dropped). */
  readonly kind: 'score' | 'heartbeat';
  /** What was wrong, naming the field (as `InvalidEnvelopeError.message`). */
  readonly reason: string;
  /** JSON pointer of the offending field (`''`: the message as a whole). */
  readonly path: string;
  /** `name@version/instance` of the sender, when the payload says so readably. */
  readonly sender?: string;
  /** The start of the payload, at most 256 characters. */
  readonly excerpt: string;
  /** When it was received (clock ms). */
  readonly at: number;
}

/** Reads `model` out of a payload that failed validation, if it can. */
function senderOf(payload: string): string | undefined {
  try {
    const o: unknown = JSON.parse(payload);
    const m = (o as { model?: Record<string, unknown> } | null)?.model;
    if (typeof m !== 'object' || m === null) return undefined;
    const part = (k: string): string => (typeof m[k] === 'string' ? (m[k] as string) : '?');
    return `${part('name')}@${part('version')}/${part('instance')}`;
  } catch {
    return undefined;
  }
}

/**
 * Counts and emits the messages a component rejected, so a foreign worker's mistakes are
 * visible instead of silently dropped (see {@link Rejection}).
 *
 * @example
 * ```ts
 * const rejections = new Rejections();
 * rejections.report('heartbeat', '{"v":"1"}', new InvalidEnvelopeError('unsupported wire version', '/v'), 0);
 * rejections.count('heartbeat'); // 1
 * ```
 */
export class Rejections {
  private readonly subject = new Subject<Rejection>();
  private readonly counts = { score: 0, heartbeat: 0 };

  /** Every rejection, as it happens. Completes on {@link complete}. */
  readonly rejections$: Observable<Rejection> = this.subject.asObservable();

  /** Records one rejected message. */
  report(kind: Rejection['kind'], payload: string, error: InvalidEnvelopeError, at: number): void {
    this.counts[kind]++;
    const sender = senderOf(payload);
    this.subject.next({
      kind,
      reason: error.message,
      path: error.path,
      ...(sender === undefined ? {} : { sender }),
      excerpt: payload.length > EXCERPT_CHARS ? `${payload.slice(0, EXCERPT_CHARS)}…` : payload,
      at,
    });
  }

  /** How many messages of `kind` were rejected so far. */
  count(kind: Rejection['kind']): number {
    return this.counts[kind];
  }

  /** Ends {@link rejections$}. */
  complete(): void {
    this.subject.complete();
  }
}
