/**
 * `npm run bench [-- --quick] [-- --only memory,http]`: starts the services the selected
 * scenarios need (a dedicated redis-server, a Kafka broker) on loopback, runs each scenario,
 * prints a table, writes `bench/results/<date>.json` and `latest.json`, and regenerates
 * `docs/benchmarks.md`. A full run also captures a CPU profile (`node --cpu-prof`) of every
 * scenario with a target not met, into `bench/profiles/`.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchServices } from './lib/bench-services.js';
import { carriedOver } from './lib/carried-over.js';
import { stopChildProcesses } from './lib/child-processes.js';
import { type ProfileSummary, summariseProfile } from './lib/cpu-profile.js';
import {
  consoleTable,
  describeMachine,
  markdown,
  type RunReport,
  type ScenarioOutcome,
  withRatios,
} from './lib/report.js';
import { RunProgress } from './lib/run-progress.js';
import { stopOnSignal, unlessAborted } from './lib/stop-on-signal.js';
import { TARGETS, type TargetCheck } from './lib/targets.js';
import type { BenchOptions, Scenario } from './lib/types.js';
import { writeRunResults } from './lib/write-run-results.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Registered {
  readonly name: string;
  /** Relative module path (from this file) and the export holding the scenario. */
  readonly module: string;
  readonly exportName: string;
  readonly needs: readonly ('redis' | 'kafka' | 'nats')[];
}

const SCENARIOS: readonly Registered[] = [
  { name: 'memory', module: './scenarios/memory.js', exportName: 'memory', needs: [] },
  { name: 'redis', module: './scenarios/redis.js', exportName: 'redis', needs: ['redis'] },
  { name: 'kafka', module: './scenarios/kafka.js', exportName: 'kafka', needs: ['kafka'] },
  { name: 'nats', module: './scenarios/nats.js', exportName: 'nats', needs: ['nats'] },
  { name: 'http', module: './scenarios/http.js', exportName: 'http', needs: [] },
  {
    name: 'reference',
    module: './scenarios/reference.js',
    exportName: 'reference',
    needs: ['redis'],
  },
  {
    name: 'http-redis',
    module: './scenarios/http-redis.js',
    exportName: 'httpRedis',
    needs: ['redis'],
  },
  { name: 'scaling', module: './scenarios/scaling.js', exportName: 'scaling', needs: [] },
  { name: 'scorecard', module: './scenarios/scorecard.js', exportName: 'scorecard', needs: [] },
  {
    name: 'observability-overhead',
    module: './scenarios/observability-overhead.js',
    exportName: 'observabilityOverhead',
    needs: [],
  },
  ...(['redis', 'kafka'] as const).map((b) => ({
    name: `rollout-${b}`,
    module: './scenarios/rollout.js',
    exportName: b === 'redis' ? 'rolloutRedis' : 'rolloutKafka',
    needs: [b],
  })),
];

interface Args {
  readonly quick: boolean;
  readonly only: readonly string[] | undefined;
  /** Internal: a child run under `--cpu-prof`; writes nothing and profiles nothing. */
  readonly profileRun: boolean;
  readonly noProfile: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--only=')) only = a.slice(7).split(',').filter(Boolean);
    else if (
      !['--quick', '--profile-run', '--no-profile', '--report-only', '--reprofile'].includes(a)
    ) {
      console.error(
        `unknown argument ${a}\nusage: npm run bench -- [--quick] [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--no-profile]`,
      );
      process.exit(2);
    }
  }
  const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) {
    console.error(`unknown scenario(s): ${unknown.join(', ')}`);
    process.exit(2);
  }
  return {
    quick: argv.includes('--quick'),
    only,
    profileRun: argv.includes('--profile-run'),
    noProfile: argv.includes('--no-profile'),
  };
}

const errorText = (e: unknown) =>
  (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

const isMissingModule = (e: unknown): boolean =>
  e instanceof Error &&
  ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' ||
    /Cannot find module|ERR_MODULE_NOT_FOUND/.test(e.message));

async function runScenario(
  s: Registered,
  options: BenchOptions,
  services: BenchServices,
  progress: RunProgress,
  signal: AbortSignal,
): Promise<ScenarioOutcome> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const missing = s.needs.filter((n) => services.missing.has(n));
  if (missing.length > 0)
    return {
      name: s.name,
      status: 'skipped',
      reason: missing.map((n) => services.missing.get(n)).join('; '),
      seconds: 0,
      measurements: [],
    };
  let scenario: Scenario | undefined;
  try {
    const mod = (await import(s.module)) as Record<string, Scenario | undefined>;
    scenario = mod[s.exportName];
    if (typeof scenario !== 'function')
      throw new Error(`${s.module} has no export ${s.exportName}`);
  } catch (e) {
    return {
      name: s.name,
      status: 'pending',
      reason: isMissingModule(e)
        ? `pending: bench/scenarios/${s.name}.ts or what it imports does not exist yet (${errorText(e)})`
        : `pending: cannot load bench/scenarios/${s.name}.ts: ${errorText(e)}`,
      seconds: seconds(),
      measurements: [],
    };
  }
  try {
    progress.log(`measuring${options.quick ? ' (quick)' : ''} ...`);
    const measurements = withRatios(await unlessAborted(scenario(options), signal));
    for (const m of measurements)
      progress.log(
        `${m.isFloor ? '[floor] ' : ''}${m.variant}: ${Math.round(m.rps)} req/s, p50 ${m.p50Ms.toFixed(3)} ms, p99 ${m.p99Ms.toFixed(3)} ms`,
      );
    return { name: s.name, status: 'ran', seconds: seconds(), measurements };
  } catch (e) {
    if (!signal.aborted) console.error(`  ${s.name} failed:`, e);
    return {
      name: s.name,
      status: 'failed',
      reason: errorText(e),
      seconds: seconds(),
      measurements: [],
    };
  }
}

/**
 * Re-runs one scenario (quick) under `node --cpu-prof`; returns the profile's path. Under tsx
 * the module loader runs on its own thread, which writes its own profile: the main thread's
 * is the largest file of the folder.
 */
async function captureProfile(name: string): Promise<string | undefined> {
  const { mkdtemp, readdir, stat, rename, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const tmp = await mkdtemp(resolve(tmpdir(), `rendezvous-prof-${name}-`));
  // The HTTP scenarios' time is spent in the server process (the iris all-in-one, or the split
  // deployment's front end), which they start themselves.
  const inServer = name === 'http' || name === 'http-redis';
  const env = { ...process.env, ...(inServer ? { BENCH_PROFILE_DIR: tmp } : {}) };
  const profileSelf = inServer ? [] : ['--cpu-prof', `--cpu-prof-dir=${tmp}`];
  const code = await new Promise<number | null>((done) => {
    const child = spawn(
      process.execPath,
      [
        ...profileSelf,
        '--import',
        'tsx',
        resolve(root, 'bench/run.ts'),
        '--quick',
        '--only',
        name,
        '--profile-run',
      ],
      { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('exit', (c) => done(c));
    child.on('error', () => done(1));
  });
  try {
    const files = await readdir(tmp);
    const sized = await Promise.all(
      files.map(async (f) => ({ f, size: (await stat(resolve(tmp, f))).size })),
    );
    const main = sized.sort((a, b) => b.size - a.size)[0];
    if (code !== 0 || !main) return undefined;
    await mkdir(resolve(root, 'bench/profiles'), { recursive: true });
    await rename(resolve(tmp, main.f), resolve(root, `bench/profiles/${name}.cpuprofile`));
    return `bench/profiles/${name}.cpuprofile`;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The summaries of captured profiles, for the results JSON (the profiles are not committed). */
async function summarise(
  profiles: Readonly<Record<string, string>>,
): Promise<Record<string, ProfileSummary>> {
  const out: Record<string, ProfileSummary> = {};
  for (const [name, path] of Object.entries(profiles))
    out[name] = await summariseProfile(resolve(root, path), 12);
  return out;
}

/** `--reprofile`: captures profiles for the unmet targets of latest.json and regenerates the docs. */
async function reprofile(): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const path = resolve(root, 'bench/results/latest.json');
  const report = JSON.parse(await readFile(path, 'utf8')) as RunReport;
  const profiles: Record<string, string> = {};
  for (const name of new Set(
    report.targets.filter((t) => t.met === false).map((t) => t.scenario),
  )) {
    console.log(`capturing a CPU profile of ${name} (target not met)...`);
    const p = await captureProfile(name);
    if (p) profiles[name] = p;
  }
  const updated: RunReport = { ...report, profiles, profileSummaries: await summarise(profiles) };
  await writeFile(path, `${JSON.stringify(updated, null, 2)}\n`);
  await writeFile(resolve(root, 'docs/benchmarks.md'), await markdown(updated, root));
}

/** `--report-only`: regenerates docs/benchmarks.md from bench/results/latest.json (no measuring). */
async function reportOnly(): Promise<void> {
  const { readFile } = await import('node:fs/promises');
  const report = JSON.parse(
    await readFile(resolve(root, 'bench/results/latest.json'), 'utf8'),
  ) as RunReport;
  await writeFile(resolve(root, 'docs/benchmarks.md'), await markdown(report, root));
  console.log(`regenerated docs/benchmarks.md from the run of ${report.date}`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--report-only')) return reportOnly();
  if (process.argv.includes('--reprofile')) return reprofile();
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const selected = SCENARIOS.filter((s) => !args.only || args.only.includes(s.name));
  const machine = await describeMachine();
  const date = new Date().toISOString();
  console.log(
    `Rendezvous benchmarks${args.quick ? ' (quick)' : ''}: ${selected.map((s) => s.name).join(', ')}\n` +
      `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverage}`,
  );
  // Before anything starts: a signal during the Kafka broker's start must still stop it.
  const services = new BenchServices();
  const progress = new RunProgress({ label: 'bench', total: selected.length });
  const stopping = stopOnSignal({
    label: 'bench',
    stop: async () => {
      await services.dispose();
      await stopChildProcesses();
    },
  });
  await services.start(new Set(selected.flatMap((s) => s.needs)), (m) => progress.log(m));
  const outcomes: ScenarioOutcome[] = [];
  try {
    const options: BenchOptions = {
      quick: args.quick,
      ...(services.redisUrl ? { redisUrl: services.redisUrl } : {}),
      ...(services.kafkaBrokers ? { kafkaBrokers: services.kafkaBrokers } : {}),
      ...(services.natsUrl ? { natsUrl: services.natsUrl } : {}),
    };
    for (const s of selected) {
      if (stopping.signal.aborted) break;
      progress.start(s.name);
      const outcome = await runScenario(s, options, services, progress, stopping.signal);
      progress.end(s.name, outcome.status, outcome.reason ?? '');
      outcomes.push(outcome);
      // A scenario that kept the main thread busy (a closed loop on memory is one long chain of
      // promise callbacks) held back a Ctrl-C that came meanwhile: let it through now.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    if (!stopping.signal.aborted) await services.dispose();
  }
  // Stopped by a signal: its handler stops what is left and exits; nothing is written.
  if (stopping.signal.aborted) return new Promise<never>(() => undefined);
  stopping.dispose();
  progress.summary();
  if (args.only && !args.profileRun)
    outcomes.push(...(await carriedOver(resolve(root, 'bench/results/latest.json'), outcomes)));
  const targets: TargetCheck[] = outcomes.flatMap((o) => TARGETS[o.name]?.(o.measurements) ?? []);
  const profiles: Record<string, string> = {};
  let report: RunReport = {
    date,
    quick: args.quick,
    machine,
    totalSeconds: (performance.now() - started) / 1000,
    scenarios: outcomes,
    targets,
    profiles,
  };
  console.log(`\n${consoleTable(report)}\n`);
  if (args.profileRun) return;
  if (!args.quick && !args.noProfile) {
    const unmet = [...new Set(targets.filter((t) => t.met === false).map((t) => t.scenario))];
    for (const name of unmet) {
      progress.log(`capturing a CPU profile of ${name} (target not met) ...`);
      const path = await captureProfile(name);
      if (path) profiles[name] = path;
    }
    report = {
      ...report,
      profileSummaries: await summarise(profiles),
      totalSeconds: (performance.now() - started) / 1000,
    };
  }
  const file = await writeRunResults({
    root,
    dir: 'bench/results',
    date,
    quick: args.quick,
    report,
    page: 'docs/benchmarks.md',
    markdown: await markdown(report, root),
  });
  console.log(`wrote ${file}, bench/results/latest.json and docs/benchmarks.md`);
  console.log(`total ${Math.round(report.totalSeconds)} s`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
