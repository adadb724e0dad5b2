import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Clock, Transport } from '@rendezvous-ml/core';
import { CLI_USAGE, parseCliArgs } from './cli-args.js';
import {
  type CommandOutput,
  parseCommandLine,
  processOutput,
  runCommandProcess,
} from './cli-command.js';
import { type CliProgress, cliProgress } from './cli-progress.js';
import { openTransport } from './cli-transport.js';
import { renderMarkdownReport } from './markdown-report.js';
import { replay } from './replay.js';
import type { ReplayModel } from './replay-options.js';

export { CLI_USAGE, type CliArgs, parseCliArgs } from './cli-args.js';

/**
 * Where the CLI writes: the report (stdout unless `--markdown` names a file) and progress.
 */
export interface CliIo extends CommandOutput {
  /** Aborted on SIGINT by the bin: the replay stops feeding and reports what it replayed. */
  readonly signal?: AbortSignal;
  /** The clock of the progress lines (a `VirtualClock` in tests). Default: the system clock. */
  readonly clock?: Clock;
}

function isModel(x: unknown): x is ReplayModel {
  const m = x as Partial<ReplayModel> | null;
  return (
    typeof m?.name === 'string' && typeof m.version === 'string' && typeof m.predict === 'function'
  );
}

async function loadModels(paths: readonly string[]): Promise<ReplayModel[]> {
  const models: ReplayModel[] = [];
  for (const path of paths) {
    const mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
    const exported = [mod.default ?? []].flat();
    if (exported.length === 0 || !exported.every(isModel))
      throw new TypeError(
        `--model ${path}: its default export must be { name, version, predict } (a ReplayModel) or an array of them`,
      );
    models.push(...exported);
  }
  return models;
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  await writeFile(path, text);
}

/**
 * Runs `rendezvous-replay` with these arguments and resolves with the exit code: 0 when every
 * selected request was replayed, 1 when the run stopped early or failed, 2 for a usage error.
 * The Markdown report goes to stdout unless `--markdown` names a file; progress and the summary
 * go to stderr.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['--archive', 'data/archive/decoy', '--model', './dt2.mjs', '--limit', '1000']);
 * ```
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processOutput(),
): Promise<number> {
  const a = parseCommandLine('rendezvous-replay', argv, io, parseCliArgs, CLI_USAGE);
  if (typeof a === 'number') return a;
  let transport: Transport | undefined;
  let progress: CliProgress | undefined;
  try {
    const models = await loadModels(a.models);
    transport = await openTransport(a, 'rendezvous-replay');
    if (!a.quiet) {
      io.stderr(
        `replay: ${a.archive} through ${models.map((m) => `${m.name}@${m.version}`).join(', ')} on ${a.transport}${a.limit === undefined ? '' : `, at most ${a.limit} requests`} ...\n`,
      );
      progress = cliProgress(io.stderr, io.clock);
    }
    const report = await replay({
      transport,
      archive: a.archive,
      scores: a.scores,
      results: a.results,
      models,
      expect: a.expect,
      namespace: a.namespace,
      rate: a.rate,
      limit: a.limit,
      since: a.since,
      until: a.until,
      deadlineMs: a.deadlineMs,
      maxInFlight: a.maxInFlight,
      production: a.production,
      output: a.out,
      resume: a.resume,
      signal: io.signal,
      ...(progress ? { progressEvery: 1, onProgress: progress.onProgress } : {}),
    });
    progress?.stop();
    const markdown = renderMarkdownReport(report);
    if (a.json) await write(a.json, `${JSON.stringify(report, null, 2)}\n`);
    if (a.markdown) await write(a.markdown, markdown);
    else io.stdout(markdown);
    const acc = report.accounting;
    const figures = report.newModels.map((k) => {
      const m = report.models[k];
      const rate = m?.agreementWithChosen.rate;
      return `${k} agrees with the answer given on ${rate == null ? '–' : `${(rate * 100).toFixed(1)} %`}`;
    });
    io.stderr(
      `replay: ${acc.replayed}/${acc.selected} replayed (${acc.resumed} resumed, ${acc.failed} failed); ${figures.join('; ')}\n`,
    );
    if (acc.replayed < acc.selected) {
      io.stderr(
        `replay: stopped early; run again with --resume${a.out ? ` --out ${a.out}` : ' (and --out)'} to finish\n`,
      );
      return 1;
    }
    return 0;
  } catch (error) {
    io.stderr(`rendezvous-replay: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    progress?.stop();
    await transport?.close();
  }
}

/**
 * Runs `rendezvous-replay` as a process: the command-line arguments, stdout and stderr, and
 * Ctrl-C handling — the first one stops feeding new requests and lets those in flight settle (the
 * run can then be finished with `--resume`), a second one exits at once. Used by the published
 * bin and by `npx tsx packages/replay/src/main.ts`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCliProcess();
 * ```
 */
export function runCliProcess(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  return runCommandProcess(
    'replay: stopping after the requests in flight (Ctrl-C again to quit)\n',
    (io) => runCli(argv, io),
  );
}
