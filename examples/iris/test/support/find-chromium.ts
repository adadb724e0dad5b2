import { accessSync, constants } from 'node:fs';
import { servicesRequired } from '@rendezvous-ml/test-kit';

/** Debian's chromium for playwright-core, or why there is none. */
export type ChromiumGate =
  | { readonly ok: true; readonly executablePath: string }
  | { readonly ok: false; readonly reason: string };

/** The flags every browser test launches chromium with (as scripts/ci/crawl-docs.mjs does). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

/**
 * Finds chromium at `$CHROMIUM_PATH` or `/usr/bin/chromium` (`.ci/run` installs Debian's
 * `chromium` because `scripts/ci/needs-chromium` exists). Locally a missing one skips the
 * suite with the reason; under `CI=true` (or `RENDEZVOUS_REQUIRE_SERVICES=1`) it throws, so
 * the run fails.
 *
 * @example
 * ```ts
 * const chromium = findChromium();
 * describe.skipIf(!chromium.ok)('the dashboard in a browser', () => {});
 * ```
 */
export function findChromium(): ChromiumGate {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  try {
    accessSync(executablePath, constants.X_OK);
    return { ok: true, executablePath };
  } catch (error) {
    const reason = `no chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH): ${(error as Error).message}`;
    if (servicesRequired()) throw new Error(`${reason}; and services are required (CI=true)`);
    console.warn(`\n*** SKIPPING the dashboard browser test: ${reason}\n`);
    return { ok: false, reason };
  }
}
