import type { IncomingMessage, ServerResponse } from 'node:http';
import { dashboardAssets } from './dashboard-assets.js';
import type { EventStreamClients } from './event-stream-clients.js';

/** What {@link serveDashboard} serves from. */
export interface DashboardRoutes {
  /** Where the dashboard is mounted, such as `/dashboard`, or `''` for the root. */
  readonly prefix: string;
  /** The latest snapshot as JSON. */
  snapshotJson(): string;
  readonly events: EventStreamClients;
}

/** Only the server itself: no CDN, no inline script (the favicon is an empty data URL). */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
  'x-content-type-options': 'nosniff',
};

/** Throws unless `prefix` is `''` or `/a/b` (no trailing slash, URL-safe segments). */
export function checkPrefix(prefix: string): string {
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(prefix))
    throw new RangeError(
      `dashboard prefix must look like /dashboard (no trailing slash), got "${prefix}"`,
    );
  return prefix;
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
    ...SECURITY_HEADERS,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Answers one request under `routes.prefix`: the page (`{prefix}` and `{prefix}/`), its assets
 * (`{prefix}/assets/…`), the latest snapshot (`{prefix}/snapshot.json`) and the server-sent
 * events (`{prefix}/events`: the latest snapshot whole, then one per interval with its new point). Returns `false`, answering nothing,
 * for a path outside the prefix; anything else under it gets a 404 or a 405.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   if (!serveDashboard(req, res, routes)) res.writeHead(404).end();
 * });
 * ```
 */
export function serveDashboard(
  req: IncomingMessage,
  res: ServerResponse,
  routes: DashboardRoutes,
): boolean {
  const path = new URL(req.url ?? '/', 'http://dashboard.invalid').pathname;
  const { prefix } = routes;
  if (path !== prefix && !path.startsWith(`${prefix}/`)) return false;
  const rest = path.slice(prefix.length) || '/';
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    send(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return true;
  }
  const { html, assets } = dashboardAssets();
  if (rest === '/') {
    // A base ending in "/" so that the page's relative URLs work at /dashboard and /dashboard/.
    send(req, res, 200, 'text/html; charset=utf-8', html.replace('%BASE%', `${prefix}/`));
  } else if (rest === '/events') {
    routes.events.accept(req, res, routes.snapshotJson());
  } else if (rest === '/snapshot.json') {
    send(req, res, 200, 'application/json; charset=utf-8', routes.snapshotJson());
  } else {
    const asset = rest.startsWith('/assets/')
      ? assets.get(rest.slice('/assets/'.length))
      : undefined;
    if (asset) send(req, res, 200, asset.type, asset.body);
    else send(req, res, 404, 'text/plain; charset=utf-8', `no dashboard resource ${rest}\n`);
  }
  return true;
}
