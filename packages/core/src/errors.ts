/**
 * Stable error codes. Callers branch on `code` (or `instanceof`), never on messages.
 *
 * @example
 * ```ts
 * try { await rendezvous.request(input); }
 * catch (e) { if (e instanceof RendezvousError && e.code === 'DEADLINE_EXCEEDED') reply(504); }
 * ```
 */
export type RendezvousErrorCode =
  | 'DEADLINE_EXCEEDED'
  | 'NO_USABLE_SCORE'
  | 'OVERLOADED'
  | 'TRANSPORT_CLOSED'
  | 'CONNECTION_LOST'
  | 'INVALID_ENVELOPE'
  | 'REDELIVERY_LIMIT'
  | 'INVALID_INPUT'
  | 'PREDICT_FAILED'
  | 'PREDICT_TIMEOUT'
  | 'SINK_WRITE_FAILED'
  | 'MISSING_PEER_DEPENDENCY'
  | 'INVALID_CONFIGURATION'
  | 'NOT_STARTED'
  | 'AUTHENTICATION_FAILED'
  | 'UNEXPECTED_REPLY'
  | 'OUTPUT_NOT_SERIALIZABLE';

/**
 * Base class of every error the SDK and its transports throw.
 *
 * @example
 * ```ts
 * if (err instanceof RendezvousError && err.retryable) scheduleRetry();
 * ```
 */
export class RendezvousError extends Error {
  /** Stable, machine-readable code. */
  readonly code: RendezvousErrorCode;
  /** Whether the same operation may succeed if tried again later. */
  readonly retryable: boolean;

  constructor(
    code: RendezvousErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  /** A JSON-friendly form, suitable for HTTP error bodies and logs. */
  toJSON(): { code: RendezvousErrorCode; message: string; retryable: boolean } {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/**
 * No usable score arrived before the request's deadline.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof DeadlineExceededError) console.log(e.requestId, e.waitedMs); }
 * ```
 */
export class DeadlineExceededError extends RendezvousError {
  /** How long the front end waited, in milliseconds. */
  readonly waitedMs: number;
  /** The request that timed out, when known (its inputs and scores are archived under it). */
  readonly requestId: string | undefined;
  constructor(
    message: string,
    waitedMs: number,
    options: { cause?: unknown; requestId?: string } = {},
  ) {
    super('DEADLINE_EXCEEDED', message, { retryable: true, cause: options.cause });
    this.waitedMs = waitedMs;
    this.requestId = options.requestId;
  }
}

/**
 * Every model that could answer has reported an error, so no usable score can come.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof NoUsableScoreError) reply(502); }
 * ```
 */
export class NoUsableScoreError extends RendezvousError {
  /** The request that failed, when known. */
  readonly requestId: string | undefined;
  constructor(message: string, options: { requestId?: string } = {}) {
    super('NO_USABLE_SCORE', message, { retryable: true });
    this.requestId = options.requestId;
  }
}

/**
 * The front end already holds its maximum number of in-flight requests; it fails fast.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof OverloadedError) reply(503); }
 * ```
 */
export class OverloadedError extends RendezvousError {
  /** The in-flight bound that was reached. */
  readonly limit: number;
  constructor(limit: number) {
    super('OVERLOADED', `overloaded: ${limit} requests already in flight`, { retryable: true });
    this.limit = limit;
  }
}

/**
 * The component or its transport is closed (or closing) and takes no more work.
 *
 * @example
 * ```ts
 * await transport.close();
 * await transport.publish('requests', { payload: '{}' }); // rejects with TransportClosedError
 * ```
 */
export class TransportClosedError extends RendezvousError {
  constructor(message = TRANSPORT_CLOSED_MESSAGE, options: { cause?: unknown } = {}) {
    super('TRANSPORT_CLOSED', message, { retryable: false, ...options });
  }
}

// The default message of TransportClosedError: what happened, and the fix.
const TRANSPORT_CLOSED_MESSAGE =
  'transport is closed: close a transport only after every component using it has stopped ' +
  '(await rendezvous.stop(), worker.stop(), decoy.stop(), archiver.stop() first), or give the component a new transport';

/**
 * The component has not been started yet (or its start failed): call `start()` and wait for it
 * before using it.
 *
 * @example
 * ```ts
 * const rendezvous = new Rendezvous({ transport, policy: first() });
 * await rendezvous.request(1); // rejects with NotStartedError: call `await rendezvous.start()` first
 * ```
 */
export class NotStartedError extends RendezvousError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('NOT_STARTED', message, { retryable: false, ...options });
  }
}

/**
 * The broker refused the credentials (wrong password, missing user, no permission). Never
 * retried: fix the configuration.
 *
 * @example
 * ```ts
 * throw new AuthenticationError('redis refused the credentials (WRONGPASS): check the url', { cause: err });
 * ```
 */
export class AuthenticationError extends RendezvousError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('AUTHENTICATION_FAILED', message, { retryable: false, ...options });
  }
}

/**
 * The broker or its client answered in a shape the transport does not understand (for example
 * a client major version it was not built for). Loud and counted, never skipped silently.
 *
 * @example
 * ```ts
 * throw new UnexpectedReplyError('XREADGROUP reply is not an array of [stream, entries]');
 * ```
 */
export class UnexpectedReplyError extends RendezvousError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('UNEXPECTED_REPLY', message, { retryable: false, ...options });
  }
}

/**
 * The broker connection was lost; the operation may succeed after reconnection.
 *
 * @example
 * ```ts
 * throw new ConnectionLostError('redis connection lost', { cause: err });
 * ```
 */
export class ConnectionLostError extends RendezvousError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CONNECTION_LOST', message, { retryable: true, ...options });
  }
}

/**
 * A message read from the wire is not a valid envelope.
 *
 * @example
 * ```ts
 * const r = decodeRequest('not json'); // r.ok === false, r.error is an InvalidEnvelopeError
 * ```
 */
export class InvalidEnvelopeError extends RendezvousError {
  /** JSON-pointer-like path of the offending field, when known. */
  readonly path: string;
  constructor(message: string, path = '', options: { cause?: unknown } = {}) {
    super('INVALID_ENVELOPE', path ? `${path}: ${message}` : message, options);
    this.path = path;
  }
}

/**
 * Input given to the SDK's API is invalid (for example a non-serialisable request input).
 *
 * @example
 * ```ts
 * await rendezvous.request(undefined); // rejects with InvalidInputError
 * ```
 */
export class InvalidInputError extends RendezvousError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_INPUT', message, options);
  }
}

/**
 * A model's `predict` threw, or did not finish within its timeout.
 *
 * @example
 * ```ts
 * new PredictError('PREDICT_TIMEOUT', 'predict took longer than 50 ms');
 * ```
 */
export class PredictError extends RendezvousError {
  constructor(
    code: 'PREDICT_FAILED' | 'PREDICT_TIMEOUT',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(code, message, { retryable: code === 'PREDICT_TIMEOUT', ...options });
  }
}

/**
 * An archive sink could not write a batch; the batch was not acknowledged.
 *
 * @example
 * ```ts
 * throw new SinkWriteError('bulk request failed', { retryable: true, cause: err });
 * ```
 */
export class SinkWriteError extends RendezvousError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super('SINK_WRITE_FAILED', message, {
      retryable: options.retryable ?? true,
      cause: options.cause,
    });
  }
}

/**
 * A broker client that is a peer dependency is missing or has an unsupported version.
 *
 * @example
 * ```ts
 * throw new MissingPeerDependencyError('ioredis', '>=5.4.0', 'not installed');
 * ```
 */
export class MissingPeerDependencyError extends RendezvousError {
  /** The npm package that must be installed. */
  readonly packageName: string;
  constructor(
    packageName: string,
    range: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'MISSING_PEER_DEPENDENCY',
      `${detail}: install ${packageName}@"${range}" (npm install ${packageName}) to use this package`,
      options,
    );
    this.packageName = packageName;
  }
}

/**
 * Options passed to a constructor are inconsistent or out of range.
 *
 * @example
 * ```ts
 * new Rendezvous({ transport, policy, maxInFlight: 0 }); // throws ConfigurationError
 * ```
 */
export class ConfigurationError extends RendezvousError {
  constructor(message: string) {
    super('INVALID_CONFIGURATION', message);
  }
}

/**
 * Wraps any thrown value into a {@link RendezvousError}, keeping the original as `cause`.
 *
 * @example
 * ```ts
 * const err = toRendezvousError(e, 'PREDICT_FAILED');
 * ```
 */
export function toRendezvousError(
  error: unknown,
  code: RendezvousErrorCode,
  retryable = false,
): RendezvousError {
  if (error instanceof RendezvousError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new RendezvousError(code, message, { retryable, cause: error });
}
