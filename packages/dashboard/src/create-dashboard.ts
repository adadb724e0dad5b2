import { Dashboard } from './dashboard.js';
import type { DashboardOptions } from './dashboard-options.js';

/**
 * Creates and starts a {@link Dashboard}.
 *
 * @example
 * ```ts
 * const dashboard = createDashboard({ rendezvous, scorecard, archivers: [{ name: 'results', stats: () => archiver.stats() }] });
 * await app.register(dashboard.fastifyPlugin, { prefix: '/dashboard' });
 * ```
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  return new Dashboard(options).start();
}
