/**
 * A live dashboard for Rendezvous: requests per second and outcomes, answers per model,
 * latency percentiles, agreement with the reference, output and input shift, alarms with their
 * evidence, archivers, the policy and the rollout stage — a page served by your own Node or
 * Fastify server, charted with uPlot (served from node_modules: no CDN), updated every second
 * over server-sent events.
 *
 * @packageDocumentation
 */

export { createDashboard } from './create-dashboard.js';
export { Dashboard, type FastifyInstanceLike } from './dashboard.js';
export { DashboardCollector } from './dashboard-collector.js';
export type {
  DashboardArchiver,
  DashboardFrontEnd,
  DashboardOptions,
  DashboardRollout,
  DashboardScorecard,
} from './dashboard-options.js';
export type {
  DashboardArchiverFigures,
  DashboardPoint,
  DashboardSnapshot,
} from './dashboard-snapshot.js';
