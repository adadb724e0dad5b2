import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ReplayModel,
  type ReplayProgress,
  type ReplayReport,
  renderMarkdownReport,
  replay,
} from '@rendezvous-ml/replay';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { CHALLENGER_REFS } from './challengers.js';
import { parseIrisInput } from './iris-input.js';
import { loadIrisModelRef } from './iris-models.js';

/**
 * Options of {@link irisReplay}.
 *
 * @example
 * ```ts
 * const options: IrisReplayOptions = { archiveDir: 'data/archive', modelsDir: 'examples/iris/models', out: 'data/replay' };
 * ```
 */
export interface IrisReplayOptions {
  /** The `ARCHIVE_DIR` of the run to replay: its `decoy/`, `scores/` and `results/` folders. */
  readonly archiveDir: string;
  readonly modelsDir: string;
  /** Where `report.json`, `report.md` and the replay's own archive (`replayed/`) go. */
  readonly out: string;
  /** The versions to replay. Default `dt@2` and `bad@1`. */
  readonly models?: readonly string[];
  readonly limit?: number;
  readonly rate?: number;
  readonly since?: number;
  readonly until?: number;
  /** Continue a replay that stopped, instead of starting over. */
  readonly resume?: boolean;
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly signal?: AbortSignal;
}

/** What {@link irisReplay} wrote. */
export interface IrisReplayResult {
  readonly report: ReplayReport;
  readonly json: string;
  readonly markdown: string;
}

/** An iris model as a replay model: the same predictor as its worker, with the same input check. */
async function replayModel(modelsDir: string, ref: string): Promise<ReplayModel> {
  const predictor = await loadIrisModelRef(modelsDir, ref);
  return {
    name: predictor.name,
    version: String(predictor.version),
    predict: (input) => predictor.predict(parseIrisInput(input)),
  };
}

/**
 * Replays an iris archive through new model versions, in this process on a fresh memory
 * transport (no broker needed, nothing reaches production's streams), and writes the diff
 * report as `report.json` and `report.md` under `out`.
 *
 * @example
 * ```ts
 * const { report, markdown } = await irisReplay({ archiveDir: 'data/archive', modelsDir, out: 'data/replay' });
 * console.log(report.accounting.replayed, markdown);
 * ```
 */
export async function irisReplay(options: IrisReplayOptions): Promise<IrisReplayResult> {
  const refs = options.models ?? CHALLENGER_REFS;
  const models = await Promise.all(refs.map((ref) => replayModel(options.modelsDir, ref)));
  const replayed = join(options.out, 'replayed');
  // A fresh run replaces the previous one's records; `resume` continues them instead.
  if (!options.resume) await rm(replayed, { recursive: true, force: true });
  const transport = new MemoryTransport();
  try {
    const report = await replay({
      transport,
      archive: join(options.archiveDir, 'decoy'),
      scores: join(options.archiveDir, 'scores'),
      results: join(options.archiveDir, 'results'),
      models,
      namespace: 'iris-replay',
      output: replayed,
      resume: options.resume,
      limit: options.limit,
      rate: options.rate,
      since: options.since,
      until: options.until,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    await mkdir(options.out, { recursive: true });
    const json = join(options.out, 'report.json');
    const markdown = join(options.out, 'report.md');
    await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(markdown, renderMarkdownReport(report));
    return { report, json, markdown };
  } finally {
    await transport.close();
  }
}

/** The one-line progress report `iris replay` prints on stderr. */
export function replayProgressLine(p: ReplayProgress): string {
  const of = p.finished ? `${p.selected}` : `${p.selected}+`;
  return `replay: ${p.replayed + p.resumed}/${of} requests (${p.failed} failed, ${p.inFlight} in flight), ${p.ratePerSecond.toFixed(0)}/s, ${(p.elapsedMs / 1000).toFixed(1)} s`;
}

/** The summary `iris replay` prints on stdout: one line per new version, then the files. */
export function replaySummary(result: IrisReplayResult): string {
  const { report } = result;
  const pct = (x: number | null | undefined) => (x == null ? '–' : `${(x * 100).toFixed(1)}%`);
  const a = report.accounting;
  const lines = [
    `Replayed ${a.replayed} of ${a.selected} archived requests (${a.failed} failed) through ${report.newModels.join(', ')}; production was ${report.production ?? 'not archived'}.`,
  ];
  for (const model of report.newModels) {
    const m = report.models[model];
    if (!m) continue;
    const prod = report.production ? m.agreement[report.production] : undefined;
    const [lo, hi] = m.agreementWithChosen.interval95;
    lines.push(
      `  ${model}: agrees with the answer given on ${pct(m.agreementWithChosen.rate)} ` +
        `(95% ${pct(lo)}–${pct(hi)}, ${m.agreementWithChosen.compared} compared)` +
        `${prod ? `, with ${report.production} on ${pct(prod.rate)}` : ''}; ` +
        `${m.errors} errors, ${m.missing} missing, p99 ${m.latencyMs ? `${m.latencyMs.p99.toFixed(1)} ms` : '–'}`,
    );
  }
  lines.push(`Report: ${result.markdown}`, `        ${result.json}`);
  return lines.join('\n');
}
