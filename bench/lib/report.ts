import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { relative } from 'node:path';
import { type ProfileSummary, summariseProfile } from './cpu-profile.js';
import type { TargetCheck } from './targets.js';
import { timelineMarkdown } from './timeline-report.js';
import type { Measurement } from './types.js';

/** The machine a run was measured on. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average at the start of the run (other work on the machine skews figures). */
  readonly loadAverage: number;
}

/** How a scenario of a run ended. */
export interface ScenarioOutcome {
  readonly name: string;
  readonly status: 'ran' | 'skipped' | 'pending' | 'failed';
  readonly reason?: string;
  readonly seconds: number;
  readonly measurements: readonly MeasurementWithRatio[];
  /** Set when the figures come from an earlier run (this one ran other scenarios, `--only`). */
  readonly carriedFrom?: string;
}

/** A measurement with its ratio to the floor of the same scenario, measured in the same run. */
export type MeasurementWithRatio = Measurement & {
  /** The floor it is compared with. */
  readonly floorVariant?: string;
  /** req/s ÷ floor req/s. */
  readonly rpsRatio?: number;
  /** p50 ÷ floor p50. */
  readonly p50Ratio?: number;
};

/** Everything a run produced: what goes to `bench/results/*.json`. */
export interface RunReport {
  readonly date: string;
  readonly quick: boolean;
  readonly machine: Machine;
  readonly totalSeconds: number;
  readonly scenarios: readonly ScenarioOutcome[];
  readonly targets: readonly TargetCheck[];
  /** Profiles captured for unmet targets, by scenario (paths relative to the repository). */
  readonly profiles: Readonly<Record<string, string>>;
  /**
   * Their summaries, kept here because the `.cpuprofile` files are not committed: a report
   * regenerated later (`--report-only`) still shows where the time went.
   */
  readonly profileSummaries?: Readonly<Record<string, ProfileSummary>>;
}

export async function describeMachine(): Promise<Machine> {
  const { loadavg } = await import('node:os');
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
  };
}

/** Pairs each non-floor measurement with the floor of the same concurrency (or the nearest). */
export function withRatios(ms: readonly Measurement[]): MeasurementWithRatio[] {
  const floors = ms.filter((m) => m.isFloor);
  return ms.map((m) => {
    if (m.isFloor || floors.length === 0) return m;
    const named = m.comparedWith ? floors.find((f) => f.variant === m.comparedWith) : undefined;
    const floor =
      named ??
      [...floors].sort(
        (a, b) => Math.abs(a.concurrency - m.concurrency) - Math.abs(b.concurrency - m.concurrency),
      )[0]!;
    return {
      ...m,
      floorVariant: floor.variant,
      rpsRatio: floor.rps > 0 ? m.rps / floor.rps : Number.NaN,
      p50Ratio: floor.p50Ms > 0 ? m.p50Ms / floor.p50Ms : Number.NaN,
    };
  });
}

const num = (n: number | undefined, digits = 2): string => {
  if (n === undefined || !Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  if (Math.abs(n) >= 0.1) return n.toFixed(digits);
  return n.toFixed(digits + 1);
};
const ratio = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n)
    ? '–'
    : n >= 10
      ? `${n.toFixed(0)}×`
      : `${n.toFixed(n < 0.1 ? 4 : 3)}×`;

/** CPU µs per request, as text. */
const cpuText = (m: Measurement): string => num(m.cpuUsPerRequest, 2);
/** Allocated KB per request, as text. */
const allocText = (m: Measurement): string =>
  m.allocBytesPerRequest === undefined ? '–' : num(m.allocBytesPerRequest / 1024, 2);
/** `3 · ±4% / ±2%`: runs, and the spread of req/s and of CPU per request. */
const runsText = (m: Measurement): string => {
  if (m.runs === undefined) return '–';
  const pct = (n: number | undefined) => (n === undefined ? '–' : `${n.toFixed(0)}%`);
  return m.runs > 1 ? `${m.runs} · ${pct(m.spreadPct?.rps)} / ${pct(m.spreadPct?.cpu)}` : '1';
};

/** One line per distinct `costOf`: which processes each variant's CPU and allocations count. */
export function costOfLines(ms: readonly Measurement[]): string[] {
  const by = new Map<string, string[]>();
  for (const m of ms)
    if (m.costOf)
      by.set(m.costOf, [...(by.get(m.costOf) ?? []), m.variant.replace(/^floor: /, '')]);
  return [...by.entries()].map(([of, vs]) => `CPU and allocations of ${vs.join('; ')}: ${of}.`);
}

const extraText = (m: Measurement): string =>
  m.extra
    ? Object.entries(m.extra)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? num(v) : v}`)
        .join(', ')
    : '';

/** The table printed on stdout. */
export function consoleTable(report: RunReport): string {
  const rows: string[][] = [
    [
      'scenario',
      'variant',
      'c',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'RSS MB',
      'CPU µs/req',
      'KB/req',
      'runs · spread',
      '÷floor req/s',
      '÷floor p50',
      'extra',
    ],
  ];
  for (const s of report.scenarios) {
    if (s.status !== 'ran') {
      rows.push([s.name, `${s.status.toUpperCase()}: ${s.reason ?? ''}`.slice(0, 110)]);
      continue;
    }
    for (const m of s.measurements)
      rows.push([
        s.name,
        m.isFloor ? `[floor] ${m.variant}` : m.variant,
        String(m.concurrency),
        num(m.rps),
        num(m.p50Ms, 3),
        num(m.p99Ms, 3),
        num(m.maxMs),
        num(m.peakRssMb, 0),
        cpuText(m),
        allocText(m),
        runsText(m),
        ratio(m.rpsRatio),
        ratio(m.p50Ratio),
        extraText(m),
      ]);
  }
  const widths = rows[0]!.map((_, i) =>
    Math.min(60, Math.max(...rows.map((r) => (r[i] ?? '').length))),
  );
  const line = (r: string[]) =>
    r.map((c, i) => (i < 2 || i >= 13 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const targets = report.targets.map(
    (t) =>
      `  ${t.met === undefined ? 'PENDING' : t.met ? 'MET    ' : 'NOT MET'}  ${t.scenario}: ${t.description} — ${t.actual}`,
  );
  return [...rows.map(line), '', 'Targets:', ...targets].join('\n');
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

/** `: it measured a, b; the others are from the earlier runs their sections name` (or nothing). */
function carried(report: RunReport): string {
  if (!report.scenarios.some((s) => s.carriedFrom)) return '';
  const ran = report.scenarios.filter((s) => !s.carriedFrom).map((s) => `\`${s.name}\``);
  return `: it measured ${ran.join(', ')}; the other scenarios' figures are from the earlier runs their sections name`;
}

/** `docs/benchmarks.md`, generated from a run. */
export async function markdown(report: RunReport, repoRoot: string): Promise<string> {
  const m = report.machine;
  const out: string[] = [];
  out.push(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench`; do not edit by hand. Every number below comes from the run described here. -->',
    '',
    `Run of ${report.date} (${report.quick ? '`--quick`' : 'full run'}, ${Math.round(report.totalSeconds)} s in all)${carried(report)}. ` +
      'How to run and how to read the figures: [`bench/README.md`](../bench/README.md).',
    '',
    '| machine | |',
    '| --- | --- |',
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| memory | ${m.memoryGb} GB |`,
    `| Node.js | ${m.node} (${m.platform}) |`,
    `| load average at start | ${m.loadAverage} |`,
    '',
    'Each figure is the median of several measured runs after a warm-up; latencies come from an HDR histogram ' +
      '(`perf_hooks.createHistogram`, or autocannon\'s for HTTP). "÷floor" is the ratio to the scenario\'s floor, ' +
      'measured in the same run: for req/s higher is better, for p50 lower is better. ' +
      '"CPU µs/req" is user + system CPU time per request (`process.cpuUsage()`; of the bench process, load generator ' +
      'included, unless the line under the table names other processes); "alloc KB/req" is the JS heap allocated per ' +
      'request (V8\'s `GCProfiler`: heap growth plus what each collection freed); "runs · spread" is the number of ' +
      'measured runs and (max − min) ÷ median of their req/s and CPU per request.',
    '',
    '## Targets',
    '',
    '| | scenario | target | measured |',
    '| --- | --- | --- | --- |',
  );
  for (const t of report.targets)
    out.push(
      `| ${t.met === undefined ? '⏳ pending' : t.met ? '✅ met' : '❌ not met'} | ${t.scenario} | ${esc(t.description)} | ${esc(t.actual)} |`,
    );
  out.push('');
  for (const s of report.scenarios) {
    out.push(`## ${s.name}`, '');
    if (s.carriedFrom)
      out.push(`_Figures of the run of ${s.carriedFrom}: this run did not measure it._`, '');
    if (s.status !== 'ran') {
      out.push(`**${s.status}**: ${esc(s.reason ?? '')}`, '');
      continue;
    }
    out.push(
      '| variant | c | req/s | p50 ms | p99 ms | max ms | peak RSS MB | CPU µs/req | alloc KB/req | runs · spread req/s / CPU | ÷floor req/s | ÷floor p50 | extra |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const x of s.measurements)
      out.push(
        `| ${x.isFloor ? `**floor**: ${esc(x.variant.replace(/^floor: /, ''))}` : esc(x.variant)} | ${x.concurrency} | ${num(x.rps)} | ${num(x.p50Ms, 3)} | ${num(x.p99Ms, 3)} | ${num(x.maxMs)} | ${num(x.peakRssMb, 0)} | ${cpuText(x)} | ${allocText(x)} | ${runsText(x)} | ${ratio(x.rpsRatio)} | ${ratio(x.p50Ratio)} | ${esc(extraText(x))} |`,
      );
    const costOf = costOfLines(s.measurements);
    out.push(
      '',
      ...(costOf.length > 0 ? [esc(costOf.join(' ')), ''] : []),
      `(${Math.round(s.seconds)} s)`,
      '',
    );
    for (const x of s.measurements) out.push(...timelineMarkdown(x));
    const unmet = report.targets.filter((t) => t.scenario === s.name && t.met === false);
    if (unmet.length === 0) continue;
    out.push(`### Where the time goes (${s.name}: ${unmet.length} target(s) not met)`, '');
    const prof = report.profiles[s.name];
    const onDisk = prof !== undefined && existsSync(`${repoRoot}/${prof}`);
    const summary =
      report.profileSummaries?.[s.name] ??
      (onDisk ? await summariseProfile(`${repoRoot}/${prof}`, 12) : undefined);
    if (prof && summary) {
      out.push(
        `CPU profile (\`node --cpu-prof\`, captured by this run) in \`${prof}\` (not committed: \`npm run bench\` writes it; its summary is kept in the results JSON) — open it in Chrome DevTools → Performance, or VS Code.`,
        '',
        '| self time by area | self % | incl. % |',
        '| --- | ---: | ---: |',
        ...summary.areas
          .slice(0, 10)
          .map((r) => `| ${esc(r.name)} | ${r.selfPct.toFixed(1)} | ${r.totalPct.toFixed(1)} |`),
        '',
        '| hottest functions (self time) | self % | incl. % |',
        '| --- | ---: | ---: |',
        ...summary.functions
          .slice(0, 12)
          .map((r) => `| ${esc(r.name)} | ${r.selfPct.toFixed(1)} | ${r.totalPct.toFixed(1)} |`),
        '',
      );
    } else
      out.push(
        'No profile was captured in this run (profiles are captured by the full run only).',
        '',
      );
    const notes = `${repoRoot}/bench/profiles/${s.name}.md`;
    if (existsSync(notes)) out.push((await readFile(notes, 'utf8')).trim(), '');
  }
  out.push(`Raw figures: [\`bench/results/latest.json\`](../bench/results/latest.json).`, '');
  return out.join('\n');
}

export function rel(root: string, path: string): string {
  return relative(root, path);
}
