import { type Observable, Subject } from 'rxjs';
import type { AuthenticationError, RendezvousError } from '../errors.js';
import type { TransportErrorMapper } from './transport-error-mapper.js';

/**
 * How an adapter maps a raw failure of `operation` onto the core's errors (usually a call of
 * `classifyTransportError` with the adapter's redactor and codes).
 */
export type FailureMapper = (error: unknown, operation: string, closed: boolean) => RendezvousError;

/**
 * The error counters every transport's `stats()` reports, as {@link TransportErrors} keeps them.
 *
 * @example
 * ```ts
 * export interface MyTransportStats extends TransportErrorCounts { readonly published: number }
 * ```
 */
export interface TransportErrorCounts {
  /** Errors reported on `errors$`. */
  readonly errors: number;
  /** Among them, replies of the broker the transport could not read (`UNEXPECTED_REPLY`). */
  readonly unexpectedReplies: number;
}

/**
 * The error side of a transport: it turns failures into the core's errors, reports those met in
 * the background on `errors$` (the transport's `errors$`) with counters, and keeps the one
 * failure that is fatal for the transport: the broker refusing the credentials, after which
 * every call fails with that error and nothing reconnects.
 *
 * @example
 * ```ts
 * const errors = TransportErrors.of(toTransportError, secrets, () => this.closed);
 * await errors.wrap('publish', () => client.xadd(...));
 * ```
 */
export class TransportErrors {
  /** Errors met in the background. Completes on {@link complete}. */
  readonly errors$: Observable<RendezvousError>;
  /** Errors reported, and among them replies this transport could not read. */
  readonly counts = { errors: 0, unexpectedReplies: 0 };
  private readonly subject = new Subject<RendezvousError>();
  private refused: AuthenticationError | undefined;

  constructor(
    private readonly map: FailureMapper,
    private readonly closed: () => boolean,
  ) {
    this.errors$ = this.subject.asObservable();
  }

  /**
   * The error side of a transport whose failures `mapper` maps (see `transportErrorMapper`),
   * redacting `secrets` (its options' passwords and tokens).
   *
   * @example
   * ```ts
   * this.errors = TransportErrors.of(toTransportError, secretsOf(options), () => this.closed);
   * ```
   */
  static of(
    mapper: TransportErrorMapper,
    secrets: readonly string[],
    closed: () => boolean,
  ): TransportErrors {
    return new TransportErrors(
      (error, operation, isClosed) => mapper(error, operation, secrets, isClosed),
      closed,
    );
  }

  /** Set once the broker refused the credentials: every call fails with it. */
  get authFailure(): AuthenticationError | undefined {
    return this.refused;
  }

  /** Maps a failure of `operation` onto the core's errors (the refusal, once there was one). */
  toError(error: unknown, operation: string): RendezvousError {
    if (this.refused && !this.closed()) return this.refused;
    return this.map(error, operation, this.closed());
  }

  /**
   * Runs `work`, a call of `operation` on the broker, and rejects with its failure mapped by
   * {@link toError}.
   *
   * @example
   * ```ts
   * await errors.wrap('broadcast', () => redis.publish(channel, payload));
   * ```
   */
  async wrap<T>(operation: string, work: () => T | PromiseLike<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.toError(error, operation);
    }
  }

  /**
   * Runs `work`, a synchronous call of `operation` on the client, and throws its failure mapped
   * by {@link toError}.
   *
   * @example
   * ```ts
   * errors.wrapSync('broadcast', () => nc.publish(subject, payload));
   * ```
   */
  wrapSync<T>(operation: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw this.toError(error, operation);
    }
  }

  /** Reports (and counts) a background failure; nothing once the transport is closed. */
  report(error: RendezvousError): void {
    if (this.closed()) return;
    this.counts.errors++;
    if (error.code === 'UNEXPECTED_REPLY') this.counts.unexpectedReplies++;
    this.subject.next(error);
  }

  /** Reports a raw background failure of `operation`. */
  reportRaw(error: unknown, operation: string): void {
    this.report(this.map(error, operation, false));
  }

  /**
   * Records that the broker refused the credentials and reports it, once; returns false if it
   * was already recorded (or the transport is closed), so the caller tears down only once.
   */
  refuse(error: AuthenticationError): boolean {
    if (this.refused || this.closed()) return false;
    this.refused = error;
    this.report(error);
    return true;
  }

  /** Completes `errors$` (the transport closed). */
  complete(): void {
    this.subject.complete();
  }
}
