import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  IRIS_FEATURES,
  type IrisInput,
  irisInputSchema,
  labelOf,
} from '../../examples/iris/src/iris-input.js';
import {
  DEFAULT_MODELS_DIR,
  type IrisPredictor,
  loadIrisModel,
} from '../../examples/iris/src/iris-models.js';
import type {
  PredictResponse,
  ProvenanceCandidate,
} from '../../examples/iris/src/predict-response.js';
import { ensureModels } from '../../examples/iris/src/train.js';

/** What a user would write without Rendezvous: both models called in the handler. */
function scoreBoth(models: readonly IrisPredictor[], input: IrisInput, chosenName: string) {
  const candidates: ProvenanceCandidate[] = [];
  let chosen: { model: IrisPredictor; result: number } | undefined;
  for (const model of models) {
    const t0 = performance.now();
    const result = model.predict(input);
    const isChosen = model.name === chosenName;
    if (isChosen) chosen = { model, result };
    candidates.push({
      modelName: model.name,
      modelVersion: String(model.version),
      instance: 'direct',
      status: 'ok',
      chosen: isChosen,
      latencyMs: performance.now() - t0,
      result,
      label: labelOf(result),
    });
  }
  return { candidates, chosen: chosen! };
}

/**
 * The floor a user would compare the iris service with: a Fastify route that validates the
 * same `/predict` body as the iris front end (the same JSON schema, the same strict ajv options,
 * the same finite-number check, JSON only) and calls both iris models directly in the handler,
 * in this process (no streams, no front end), answering the same JSON shape
 * ({@link PredictResponse}: the highest version's answer, both models in the provenance).
 *
 * @example
 * ```ts
 * const app = await createIrisDirectServer();
 * await app.listen({ host: '127.0.0.1', port: 0 });
 * ```
 */
export async function createIrisDirectServer(): Promise<FastifyInstance> {
  const { pino } = await import('pino');
  await ensureModels(DEFAULT_MODELS_DIR, pino({ level: 'silent' }));
  const models = await Promise.all(
    (['dt', 'lr'] as const).map((n) => loadIrisModel(DEFAULT_MODELS_DIR, n)),
  );
  // The reference's rule, as `latestVersion()` applies it: the highest model version answers.
  const best = [...models].sort((a, b) => b.version - a.version)[0]!;
  const app = Fastify({
    logger: false,
    bodyLimit: 1024,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  app.removeContentTypeParser('text/plain');
  const instance = randomUUID().slice(0, 8);
  let seq = 0;
  app.post<{ Body: IrisInput }>(
    '/predict',
    { schema: { body: irisInputSchema } },
    async (request, reply) => {
      const body = request.body;
      for (const f of IRIS_FEATURES)
        if (!Number.isFinite(body[f]))
          return reply.code(400).send({
            error: { code: 'INVALID_INPUT', message: `body/${f} must be a finite number` },
          });
      const startedAt = Date.now();
      const t0 = performance.now();
      const input: IrisInput = {
        sepalLength: body.sepalLength,
        sepalWidth: body.sepalWidth,
        petalLength: body.petalLength,
        petalWidth: body.petalWidth,
      };
      const { candidates, chosen } = scoreBoth(models, input, best.name);
      const response: PredictResponse = {
        timestamp: startedAt / 1000,
        messageId: `${instance}-${(++seq).toString(36)}`,
        modelInput: input,
        modelResult: {
          modelName: chosen.model.name,
          modelVersion: String(chosen.model.version),
          result: chosen.result,
          label: labelOf(chosen.result),
        },
        provenance: {
          policy: 'direct call',
          reason: `highest version: ${chosen.model.name}@${chosen.model.version}`,
          trigger: 'score',
          latencyMs: performance.now() - t0,
          deadlineMs: 1000,
          candidates,
        },
      };
      return response;
    },
  );
  return app;
}
