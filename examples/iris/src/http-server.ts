import {
  type ModelRef,
  type Rendezvous,
  RendezvousError,
  type RendezvousErrorCode,
} from '@rendezvous-ml/core';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import { answerClientError } from './client-error-handler.js';
import { IRIS_FEATURES, type IrisInput, irisInputSchema } from './iris-input.js';
import type { IrisMetrics } from './metrics.js';
import { toPredictResponse } from './predict-response.js';

/**
 * Options of {@link createIrisServer}.
 *
 * @example
 * ```ts
 * const app = createIrisServer({ rendezvous, metrics, logger, deadlineMs: 1000, models });
 * ```
 */
export interface IrisServerOptions {
  readonly rendezvous: Rendezvous<IrisInput, number>;
  readonly metrics: IrisMetrics;
  readonly logger: FastifyBaseLogger;
  /** The front end's deadline, reported in provenance. */
  readonly deadlineMs: number;
  /** The models the deployment expects (reported as `not-live` when they are down). */
  readonly models: readonly ModelRef[];
  /** Largest accepted body in bytes; more gets a 413. Default 1024. */
  readonly bodyLimit?: number;
  /** A scorecard snapshot for `GET /scorecard` (404 without it). */
  readonly scorecard?: () => unknown;
}

/**
 * The body of every error answer. `messageId` is there when the request was accepted (and so
 * published and archived) but got no answer, such as a 504: look it up in the archive.
 */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
  readonly messageId?: string;
}

/** A front-end failure of an accepted request, with the id it was published under. */
class AcceptedRequestError extends Error {
  constructor(
    readonly messageId: string,
    readonly error: RendezvousError,
  ) {
    super(error.message, { cause: error });
  }
}

/** HTTP status of each front-end error a caller can get from `/predict`. */
const STATUS_OF: Partial<Record<RendezvousErrorCode, number>> = {
  DEADLINE_EXCEEDED: 504,
  OVERLOADED: 503,
  TRANSPORT_CLOSED: 503,
  CONNECTION_LOST: 503,
  NO_USABLE_SCORE: 502,
  INVALID_INPUT: 400,
};

/** Failures that happen after the request was published (so it is in the decoy's archive). */
const PUBLISHED_FAILURES: ReadonlySet<RendezvousErrorCode> = new Set([
  'DEADLINE_EXCEEDED',
  'NO_USABLE_SCORE',
]);

/** Fastify's own request errors, renamed to codes that say what the caller did wrong. */
const FASTIFY_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: 'EMPTY_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_CONTENT_LENGTH',
};

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function errorAnswer(error: FastifyError | Error): { status: number; body: ErrorBody } {
  if (error instanceof AcceptedRequestError) {
    const { status, body } = errorAnswer(error.error);
    return { status, body: { ...body, messageId: error.messageId } };
  }
  if (error instanceof HttpError)
    return {
      status: error.statusCode,
      body: { error: { code: error.code, message: error.message } },
    };
  if (error instanceof RendezvousError) {
    const status = STATUS_OF[error.code] ?? 500;
    return { status, body: { error: { code: error.code, message: error.message } } };
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    return { status: 400, body: { error: { code: 'INVALID_INPUT', message: fe.message } } };
  }
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = (fe.code && FASTIFY_CODES[fe.code]) ?? 'BAD_REQUEST';
    return { status, body: { error: { code, message: fe.message } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
}

/**
 * The HTTP face of the iris service: `GET /ping`, `POST /predict`, `GET /models`,
 * `GET /metrics`, `GET /scorecard` (the front end adds `GET /dashboard`). Every `/predict` body is validated by JSON schema before the handler runs,
 * so bad input gets a 4xx `{"error":{"code","message"}}` and is never published.
 *
 * @example
 * ```ts
 * const app = createIrisServer({ rendezvous, metrics, logger, deadlineMs: 1000, models });
 * await app.listen({ port: 8000 });
 * ```
 */
export function createIrisServer(options: IrisServerOptions): FastifyInstance {
  const { rendezvous, metrics, deadlineMs, models } = options;
  let seq = 0;
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 1024,
    // Requests the HTTP parser rejects get our error body too, not Fastify's default one.
    clientErrorHandler: answerClientError,
    // One log line per request would drown the logs under load; errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    // Strict validation: no "5.1" coerced into 5.1, no extra field silently dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });

  // Only JSON is accepted: anything else is a 415, not a string the schema then rejects.
  app.removeContentTypeParser('text/plain');

  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = errorAnswer(error);
    if (status >= 500) request.log.warn({ err: error, status }, 'request failed');
    else request.log.debug({ code: body.error.code, status }, 'request rejected');
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` },
    }),
  );

  app.get('/ping', async () => ({ ping: 'pong' }));

  app.get('/models', async () => ({
    live: rendezvous.registry.live(),
    expected: models,
  }));

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const scorecard = options.scorecard;
  if (scorecard) app.get('/scorecard', async () => scorecard());

  app.post<{ Body: IrisInput }>(
    '/predict',
    { schema: { body: irisInputSchema } },
    async (request) => {
      const body = request.body;
      // JSON schema's "number" admits what JSON.parse makes of 1e999: Infinity.
      for (const f of IRIS_FEATURES) {
        if (!Number.isFinite(body[f]))
          throw new HttpError(400, 'INVALID_INPUT', `body/${f} must be a finite number`);
      }
      const input: IrisInput = {
        sepalLength: body.sepalLength,
        sepalWidth: body.sepalWidth,
        petalLength: body.petalLength,
        petalWidth: body.petalWidth,
      };
      // Our own id, so that a request that fails after it was published can still be traced.
      const id = `${rendezvous.instanceId}-${(++seq).toString(36)}`;
      const result = await rendezvous.request(input, { id }).catch((error: unknown) => {
        throw error instanceof RendezvousError && PUBLISHED_FAILURES.has(error.code)
          ? new AcceptedRequestError(id, error)
          : error;
      });
      const response = toPredictResponse(result, deadlineMs, models);
      metrics.predictions.inc({
        model: response.modelResult.modelName,
        version: String(response.modelResult.modelVersion),
        label: response.modelResult.label ?? 'unknown',
      });
      request.log.debug(
        { messageId: response.messageId, model: response.modelResult.modelName },
        'predicted',
      );
      return response;
    },
  );

  return app;
}
