import type { AuthenticationError, RendezvousError } from '@rendezvous-ml/core';
import { type Observable, Subject } from 'rxjs';
import { toTransportError } from './to-transport-error.js';

/**
 * How a {@link NatsTransport} turns failures into the core's errors and reports those met in the
 * background on `errors$`, with counters. It keeps the one failure that is fatal for the
 * transport: the server refusing the credentials.
 */
export class TransportErrors {
  /** Errors met in the background. Completes on {@link complete}. */
  readonly errors$: Observable<RendezvousError>;
  readonly counts = { errors: 0 };
  private readonly subject = new Subject<RendezvousError>();
  private refused: AuthenticationError | undefined;

  constructor(
    private readonly secrets: readonly string[],
    private readonly closed: () => boolean,
  ) {
    this.errors$ = this.subject.asObservable();
  }

  /** Set when the server refused the credentials: every call fails with it. */
  get authFailure(): AuthenticationError | undefined {
    return this.refused;
  }

  /** Maps a failure of `operation` onto the core's errors, secrets redacted. */
  toError(error: unknown, operation: string): RendezvousError {
    if (this.refused && !this.closed()) return this.refused;
    return toTransportError(error, operation, this.secrets, this.closed());
  }

  /** Reports (and counts) a background failure; nothing once the transport is closed. */
  report(error: RendezvousError): void {
    if (this.closed()) return;
    this.counts.errors++;
    this.subject.next(error);
  }

  /** Reports a raw background failure of `operation`. */
  reportRaw(error: unknown, operation: string): void {
    this.report(toTransportError(error, operation, this.secrets, false));
  }

  /** Records that the server refused the credentials; false if already recorded. */
  refuse(error: AuthenticationError): boolean {
    if (this.refused || this.closed()) return false;
    this.refused = error;
    this.report(error);
    return true;
  }

  complete(): void {
    this.subject.complete();
  }
}
