/**
 * `npm run chaos [-- --quick] [-- --only a,b]`: runs each fault scenario against real services
 * (redis-server with AOF, a Kafka broker, an Elasticsearch node, started here on loopback),
 * under steady load, each within a hard time limit; writes `chaos/results/<date>[-quick].json`,
 * `chaos/results/latest.json` and `docs/reliability.md`.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChildProcesses } from '../bench/lib/child-processes.js';
import { describeMachine } from '../bench/lib/report.js';
import { RunProgress } from '../bench/lib/run-progress.js';
import { stopOnSignal } from '../bench/lib/stop-on-signal.js';
import { writeRunResults } from '../bench/lib/write-run-results.js';
import { type ChaosRun, reliabilityMarkdown, type ScenarioRow } from './lib/report.js';
import { runScenario } from './lib/run-scenario.js';
import { ServicePool } from './lib/services.js';
import { SCENARIOS } from './scenarios/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv: readonly string[]): { quick: boolean; only?: string[] } {
  let only: string[] | undefined;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--only=')) only = a.slice(7).split(',').filter(Boolean);
    else {
      console.error(
        `unknown argument ${a}\nusage: npm run chaos -- [--quick] [--only ${SCENARIOS.map((s) => s.name).join(',')}]`,
      );
      process.exit(2);
    }
  }
  const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(', ')}`);
    process.exit(2);
  }
  return { quick, ...(only ? { only } : {}) };
}

/** The rows of the previous `latest.json` that this run did not run, each marked with its run. */
async function carriedOver(ran: readonly ScenarioRow[]): Promise<ScenarioRow[]> {
  const { readFile } = await import('node:fs/promises');
  try {
    const previous = JSON.parse(
      await readFile(resolve(root, 'chaos/results/latest.json'), 'utf8'),
    ) as ChaosRun;
    return previous.scenarios
      .filter((p) => !ran.some((r) => r.name === p.name))
      .map((p) => ({ ...p, carriedFrom: p.carriedFrom ?? previous.date }));
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const command = [
    'npm run chaos',
    ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
  ].join(' ');
  const selected = SCENARIOS.filter((s) => !args.only || args.only.includes(s.name));
  const machine = await describeMachine();
  const date = new Date().toISOString();
  const started = performance.now();
  console.log(
    `Rendezvous chaos${args.quick ? ' (quick)' : ''}: ${selected.length} scenarios\n${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage}`,
  );
  const pool = new ServicePool();
  const progress = new RunProgress({ label: 'chaos', total: selected.length });
  // On a signal the running scenario stops as at its time limit and runs its cleanups (its
  // iris processes); then the services and any process left are stopped. Nothing is written.
  let current: Promise<unknown> = Promise.resolve();
  const stopping = stopOnSignal({
    label: 'chaos',
    stop: async () => {
      await current.catch(() => undefined);
      await pool.dispose();
      await stopChildProcesses();
    },
  });
  const rows: ScenarioRow[] = [];
  try {
    for (const s of selected) {
      if (stopping.signal.aborted) break;
      progress.start(s.name);
      const running = runScenario(s, pool, {
        quick: args.quick,
        log: (m) => progress.log(m),
        signal: stopping.signal,
      });
      current = running;
      const row = await running;
      progress.end(s.name, row.status, row.reasons.join('; '));
      rows.push(row);
    }
  } finally {
    if (!stopping.signal.aborted) await pool.dispose();
  }
  if (stopping.signal.aborted) return new Promise<never>(() => undefined);
  stopping.dispose();
  progress.summary();
  // A run of some scenarios (--only) keeps the others' rows of the previous run, marked.
  if (args.only) rows.push(...(await carriedOver(rows)));
  const run: ChaosRun = {
    date,
    command,
    quick: args.quick,
    machine: { ...machine },
    totalSeconds: (performance.now() - started) / 1000,
    scenarios: rows,
  };
  const file = await writeRunResults({
    root,
    dir: 'chaos/results',
    date,
    quick: args.quick,
    report: run,
    page: 'docs/reliability.md',
    markdown: reliabilityMarkdown(run),
  });
  console.log(`\nwrote ${file} and docs/reliability.md (${Math.round(run.totalSeconds)} s)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
