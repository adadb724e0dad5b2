import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A static file of the page, read once. */
export interface DashboardAsset {
  readonly type: string;
  readonly body: Buffer;
}

const PAGE_FILES = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard-kit.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;

/** uPlot's browser build and stylesheet, from the installed `uplot` dependency (no CDN). */
const UPLOT_FILES = {
  'uPlot.iife.min.js': 'text/javascript; charset=utf-8',
  'uPlot.min.css': 'text/css; charset=utf-8',
} as const;

let cache:
  | { readonly html: string; readonly assets: ReadonlyMap<string, DashboardAsset> }
  | undefined;

/**
 * The page's HTML template and its assets by file name: the page's own script and stylesheet
 * (the package's `public/` folder) and uPlot's, resolved from node_modules, so the page works
 * without any network but the dashboard's own server. Read on first use, then kept.
 *
 * @example
 * ```ts
 * const { html, assets } = dashboardAssets();
 * assets.get('uPlot.iife.min.js')?.body.length;
 * ```
 */
export function dashboardAssets(): {
  readonly html: string;
  readonly assets: ReadonlyMap<string, DashboardAsset>;
} {
  if (cache) return cache;
  // src/ in the repository and dist/ once built sit side by side with public/.
  const publicDir = new URL('../public/', import.meta.url);
  const require = createRequire(import.meta.url);
  const assets = new Map<string, DashboardAsset>();
  for (const [name, type] of Object.entries(PAGE_FILES))
    assets.set(name, { type, body: readFileSync(fileURLToPath(new URL(name, publicDir))) });
  for (const [name, type] of Object.entries(UPLOT_FILES))
    assets.set(name, { type, body: readFileSync(require.resolve(`uplot/dist/${name}`)) });
  cache = {
    html: readFileSync(fileURLToPath(new URL('index.html', publicDir)), 'utf8'),
    assets,
  };
  return cache;
}
