import { unlessAborted } from '../../bench/lib/stop-on-signal.js';
import { judge, type ScenarioRow } from './report.js';
import type { ServicePool } from './services.js';
import { within } from './steady-load.js';
import type { Scenario, ScenarioContext } from './types.js';

let unhandled = 0;
let listening = false;

/**
 * Runs one scenario under its hard time limit: starts the services it needs (or marks it
 * skipped with the reason), runs it, always runs its cleanups (each bounded), and judges the
 * result against the bar. Never throws and never waits past the limit plus the cleanups.
 *
 * @example
 * ```ts
 * const row = await runScenario(replyFails, pool, { quick: true });
 * ```
 */
export async function runScenario(
  scenario: Scenario,
  pool: ServicePool,
  options: {
    readonly quick: boolean;
    readonly log?: (m: string) => void;
    /** Aborted (Ctrl-C): the scenario stops as at its time limit, and its cleanups run. */
    readonly signal?: AbortSignal;
  },
): Promise<ScenarioRow> {
  const log = options.log ?? ((m: string) => console.log(`  [${scenario.name}] ${m}`));
  if (!listening) {
    listening = true;
    process.on('unhandledRejection', (reason) => {
      unhandled++;
      console.warn('  unhandled rejection:', (reason as Error)?.message ?? reason);
    });
  }
  const t0 = performance.now();
  const base = { name: scenario.name, description: scenario.description };
  const seconds = () => (performance.now() - t0) / 1000;
  await pool.ensure(scenario.needs, log);
  const missing = scenario.needs.filter((n) => pool.missing.has(n));
  if (missing.length > 0)
    return {
      ...base,
      status: 'skipped',
      reasons: missing.map((n) => pool.missing.get(n)!),
      seconds: seconds(),
      unhandledRejections: 0,
    };
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const context: ScenarioContext = {
    quick: options.quick,
    services: pool.services,
    tag: `chaos-${scenario.name}-${Date.now().toString(36)}`,
    defer: (c) => void cleanups.push(c),
    log,
  };
  const before = unhandled;
  let row: ScenarioRow;
  try {
    const running = within(scenario.limitMs, `scenario ${scenario.name}`, scenario.run(context));
    const result = await (options.signal ? unlessAborted(running, options.signal) : running);
    row = { ...base, ...judge(result), result, seconds: 0, unhandledRejections: 0 };
  } catch (error) {
    // The first line says what failed; the last line of a child's output usually says why.
    const lines = (error instanceof Error ? error.message : String(error))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const message = lines.length > 1 ? `${lines[0]} … ${lines.at(-1)}` : (lines[0] ?? 'error');
    row = {
      ...base,
      status: 'error',
      reasons: [message.slice(0, 400)],
      seconds: 0,
      unhandledRejections: 0,
    };
  }
  for (const c of cleanups.reverse())
    await within(30_000, 'cleanup', Promise.resolve().then(c)).catch((e: unknown) =>
      log(String(e)),
    );
  return { ...row, seconds: seconds(), unhandledRejections: unhandled - before };
}
