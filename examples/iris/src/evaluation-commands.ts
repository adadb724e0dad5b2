import { resolve } from 'node:path';
import { CHALLENGER_REFS } from './challengers.js';
import { type IrisConfig, modelRefs } from './config.js';
import { irisReplay, replayProgressLine, replaySummary } from './iris-replay.js';
import { irisLoad, parseShift, sendLoad } from './load.js';
import { createLogger } from './logger.js';
import { formatScorecard } from './scorecard-table.js';
import { ensureChallengers, ensureModels } from './train.js';
import { UsageError } from './usage-error.js';

/** The command-line values the evaluation commands read (strings as `parseArgs` gives them). */
export interface EvaluationArgs {
  readonly count?: string;
  readonly seed?: string;
  readonly shift?: string;
  readonly url?: string;
  readonly concurrency?: string;
  readonly rate?: string;
  readonly limit?: string;
  readonly out?: string;
  readonly models?: string;
  readonly since?: string;
  readonly until?: string;
  readonly resume?: boolean;
  readonly window?: string;
  readonly json?: boolean;
}

function baseUrl(config: IrisConfig, args: EvaluationArgs): string {
  return (args.url ?? `http://${config.host}:${config.port || 8000}`).replace(/\/$/, '');
}

/** `iris scorecard`: prints the front end's scorecard (`GET /scorecard`) as a table, or `--json`. */
export async function runScorecard(config: IrisConfig, args: EvaluationArgs): Promise<void> {
  const response = await fetch(`${baseUrl(config, args)}/scorecard`);
  if (!response.ok) throw new Error(`GET /scorecard answered ${response.status}`);
  const text = await response.text();
  process.stdout.write(
    args.json ? `${text}\n` : `${formatScorecard(JSON.parse(text), args.window ?? '1m')}\n`,
  );
}

function positiveInt(raw: string | undefined, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer`);
  return n;
}

function optionalNumber(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(n > 0)) throw new UsageError(`${flag} must be a positive number`);
  return n;
}

function time(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms))
    throw new UsageError(`${flag} must be an ISO date or ms since the epoch`);
  return ms;
}

/**
 * `iris load`: sends `--count` seeded inputs (optionally `--shift feature=+cm`) to `--url`, with
 * progress on stderr and a summary on stdout.
 */
export async function runLoad(config: IrisConfig, args: EvaluationArgs): Promise<void> {
  const count = positiveInt(args.count, '--count', 500);
  const seed = args.seed === undefined ? 1 : Number(args.seed);
  if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
  let shift: ReturnType<typeof parseShift>;
  try {
    shift = parseShift(args.shift ?? '');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const url = baseUrl(config, args);
  const inputs = await irisLoad({ count, seed, shift });
  const moved = Object.entries(shift).map(([f, d]) => `${f} ${d >= 0 ? '+' : ''}${d} cm`);
  process.stderr.write(
    `load: ${count} inputs (seed ${seed}${moved.length ? `, shifted: ${moved.join(', ')}` : ', unshifted'}) -> ${url}/predict\n`,
  );
  const summary = await sendLoad({
    url,
    inputs,
    concurrency: positiveInt(args.concurrency, '--concurrency', 8),
    rate: optionalNumber(args.rate, '--rate'),
    onProgress: (done, total) => {
      if (done % 100 === 0 || done === total) process.stderr.write(`load: ${done}/${total}\n`);
    },
  });
  const counts = (r: Readonly<Record<string, number>>) =>
    Object.entries(r)
      .map(([k, n]) => `${k} × ${n}`)
      .join(', ');
  process.stdout.write(
    `Sent ${summary.sent} inputs in ${(summary.elapsedMs / 1000).toFixed(1)} s: HTTP ${counts(summary.statuses)}; answered by ${counts(summary.answeredBy) || 'nobody'}\n`,
  );
}

/** `iris replay`: replays `ARCHIVE_DIR` through the challengers, writes the report under `--out`. */
export async function runReplay(config: IrisConfig, args: EvaluationArgs): Promise<void> {
  const logger = createLogger('replay', config.logLevel);
  const models = args.models ? modelRefs(args.models) : [...CHALLENGER_REFS];
  await ensureModels(config.modelsDir, logger);
  if (models.some((m) => m.includes('@'))) await ensureChallengers(config.modelsDir, logger);
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), args.out ?? './data/replay');
  const abort = new AbortController();
  // Ctrl-C stops feeding: the requests in flight settle and the report covers what was replayed.
  process.once('SIGINT', () => abort.abort());
  process.stderr.write(
    `replay: ${config.archiveDir} through ${models.join(', ')} (in-process, memory transport) -> ${out}\n`,
  );
  const result = await irisReplay({
    archiveDir: config.archiveDir,
    modelsDir: config.modelsDir,
    out,
    models,
    limit: args.limit === undefined ? undefined : positiveInt(args.limit, '--limit', 1),
    rate: optionalNumber(args.rate, '--rate'),
    since: time(args.since, '--since'),
    until: time(args.until, '--until'),
    resume: args.resume,
    signal: abort.signal,
    onProgress: (p) => process.stderr.write(`${replayProgressLine(p)}\n`),
  });
  process.stdout.write(`${replaySummary(result)}\n`);
  const a = result.report.accounting;
  if (a.replayed < a.selected) {
    process.stderr.write('replay: stopped early; run it again with --resume to finish\n');
    process.exitCode = 1;
  }
}
