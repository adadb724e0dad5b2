import {
  latestVersion,
  type ModelRef,
  Rendezvous,
  shadow,
  type Transport,
} from '@rendezvous-ml/core';
import { createDashboard, type Dashboard, type DashboardArchiver } from '@rendezvous-ml/dashboard';
import type { Scorecard } from '@rendezvous-ml/scorecard';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type IrisConfig, readConfig } from './config.js';
import { createIrisServer } from './http-server.js';
import type { IrisInput } from './iris-input.js';
import { IRIS_MODELS } from './iris-models.js';
import { startIrisScorecard } from './iris-scorecard.js';
import { IrisMetrics } from './metrics.js';
import { logRejections } from './rejection-log.js';

/** A running front end: the Rendezvous and its HTTP server. */
export interface IrisFrontend {
  readonly rendezvous: Rendezvous<IrisInput, number>;
  readonly app: FastifyInstance;
  readonly metrics: IrisMetrics;
  /** The scorecard of this front end's results (served on `GET /scorecard`). */
  readonly scorecard: Scorecard;
  /** The live dashboard (served on `GET /dashboard`). */
  readonly dashboard: Dashboard;
  /** The address it listens on, once `listen` has been called. */
  url: string | undefined;
  listen(): Promise<string>;
  /** Stops HTTP intake, lets in-flight requests finish, then closes the Rendezvous. */
  close(): Promise<void>;
}

/** The models the example deploys, for provenance. */
export const EXPECTED_MODELS: readonly ModelRef[] = Object.entries(IRIS_MODELS).map(
  ([name, m]) => ({ name, version: String(m.version) }),
);

/** `dt@2` as a model reference, for provenance. */
function refOf(selector: string): ModelRef {
  const [name = selector, version = ''] = selector.split('@');
  return { name, version };
}

/**
 * Starts the front end: a Rendezvous with the reference's rule (`latestVersion()`, answering
 * as soon as the highest live version has scored) within `DEADLINE_MS`, behind Fastify. It
 * publishes every final result (`publishResults`) for the results archiver. Models in
 * `config.shadow` run under `shadow()`: they score every request but are never chosen nor
 * waited for (without it, `dt@2` would win as the highest version).
 *
 * @example
 * ```ts
 * const frontend = await startIrisFrontend(transport, config, logger);
 * console.log(await frontend.listen()); // http://127.0.0.1:8000
 * ```
 */
export async function startIrisFrontend(
  transport: Transport,
  config: Pick<IrisConfig, 'deadlineMs' | 'maxInFlight' | 'bodyLimit' | 'host' | 'port'> &
    Partial<Pick<IrisConfig, 'shadow' | 'scorecard'>>,
  logger: Logger,
  options: {
    readonly metrics?: IrisMetrics;
    /** Archivers shown on the dashboard (the all-in-one system's decoy and archivers). */
    readonly archivers?: readonly DashboardArchiver[];
  } = {},
): Promise<IrisFrontend> {
  const shadowed = config.shadow ?? [];
  const models = [...EXPECTED_MODELS, ...shadowed.filter((s) => s.includes('@')).map(refOf)];
  const rendezvous = new Rendezvous<IrisInput, number>({
    transport,
    policy: shadow(latestVersion(), shadowed),
    deadlineMs: config.deadlineMs,
    maxInFlight: config.maxInFlight,
    // One record per decided request, late scores included, for the results archiver.
    publishResults: true,
    // Apply the policy specs a rollout publishes on the control channel (`iris rollout`).
    control: true,
  });
  const metrics = options.metrics ?? new IrisMetrics();
  metrics.rendezvous.observeFrontEnd(rendezvous);
  logRejections(rendezvous.rejections$, logger);
  await rendezvous.start();
  const scorecard = await startIrisScorecard(
    rendezvous.results$,
    { scorecard: config.scorecard ?? readConfig({}).scorecard },
    logger,
  );
  metrics.rendezvous.observeScorecard(scorecard);
  const app = createIrisServer({
    rendezvous,
    metrics,
    logger,
    deadlineMs: config.deadlineMs,
    models,
    bodyLimit: config.bodyLimit,
    scorecard: () => scorecard.snapshot(),
  });
  const dashboard = createDashboard({ rendezvous, scorecard, archivers: options.archivers });
  await app.register(dashboard.fastifyPlugin, { prefix: '/dashboard' });
  rendezvous.results$.subscribe((result) => {
    if (result.late.length > 0)
      logger.debug(
        { messageId: result.requestId, late: result.late.map((c) => c.model.name) },
        'late scores',
      );
  });
  let closing: Promise<void> | undefined;
  const frontend: IrisFrontend = {
    rendezvous,
    app,
    metrics,
    scorecard,
    dashboard,
    url: undefined,
    async listen() {
      frontend.url = await app.listen({ host: config.host, port: config.port });
      return frontend.url;
    },
    close() {
      closing ??= (async () => {
        await app.close();
        await dashboard.stop();
        await rendezvous.stop();
        // After the Rendezvous: its last results (drained requests) are still counted.
        await scorecard.stop();
      })();
      return closing;
    },
  };
  logger.info({ instance: rendezvous.instanceId, shadow: shadowed }, 'front end started');
  return frontend;
}
