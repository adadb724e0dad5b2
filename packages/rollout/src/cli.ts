import {
  type ArchiveSink,
  type Clock,
  RollingGzipJsonlSink,
  systemClock,
} from '@rendezvous-ml/core';
import {
  type CommandOutput,
  parseCommandLine,
  processOutput,
  runCommandProcess,
} from '@rendezvous-ml/replay/cli-kit';
import { CLI_USAGE, type CliArgs, parseCliArgs } from './cli-args.js';
import { connectFromArgs } from './cli-connection.js';
import { eventLine } from './event-line.js';
import { Rollout } from './rollout.js';
import type { RolloutConnection } from './rollout-connection.js';

export { CLI_USAGE, type CliArgs, parseCliArgs } from './cli-args.js';
export { connectFromArgs } from './cli-connection.js';

/**
 * Where the CLI writes, what stops it, and (for tests and embedding) what it connects to.
 */
export interface CliIo extends CommandOutput {
  /** Aborted on Ctrl-C by the bin: the rollout rolls back. */
  readonly signal?: AbortSignal;
  /** Default: {@link connectFromArgs} (the transport, core's PolicyController, the results stream). */
  readonly connect?: (args: CliArgs, clock: Clock) => Promise<RolloutConnection>;
  /** Default `systemClock`. */
  readonly clock?: Clock;
}

/**
 * Runs `rendezvous-rollout` with these arguments and resolves with the exit code: 0 when the
 * rollout completed, 1 when it rolled back or failed, 2 for a usage error. Each event is one
 * line on stdout (JSON with `--json`); errors go to stderr.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['--candidate', 'dt@2', '--current', 'dt@1', '--keep', 'lr']);
 * ```
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processOutput(),
): Promise<number> {
  const a = parseCommandLine('rendezvous-rollout', argv, io, parseCliArgs, CLI_USAGE);
  if (typeof a === 'number') return a;
  const clock = io.clock ?? systemClock;
  let connection: RolloutConnection | undefined;
  let archive: ArchiveSink | undefined;
  try {
    connection = await (io.connect ?? connectFromArgs)(a, clock);
    archive = a.archive
      ? new RollingGzipJsonlSink({ directory: a.archive, prefix: 'rollout', clock })
      : undefined;
    const rollout = new Rollout({
      candidate: a.candidate,
      current: a.current,
      keep: a.keep,
      control: connection.control,
      results: connection.results,
      clock,
      stages: a.stages,
      gate: a.gate,
      ...(archive ? { archive } : {}),
      ...(a.expectFrontEnds === undefined ? {} : { expectFrontEnds: a.expectFrontEnds }),
      ...(a.publishWaitMs === undefined ? {} : { publishWaitMs: a.publishWaitMs }),
      ...(a.evaluateEveryMs === undefined ? {} : { evaluateEveryMs: a.evaluateEveryMs }),
      ...(a.reportEveryMs === undefined ? {} : { reportEveryMs: a.reportEveryMs }),
      ...(a.retireWaitMs === undefined ? {} : { retireWaitMs: a.retireWaitMs }),
    });
    const startedAt = clock.now();
    if (!a.json) {
      const keep = a.keep.length > 0 ? `, keeping ${a.keep.join(', ')}` : '';
      io.stdout(
        `rollout ${rollout.id}: ${a.candidate} replaces ${a.current}${keep}; stages ${a.stages.length}\n`,
      );
    }
    rollout.events$.subscribe((e) =>
      io.stdout(a.json ? `${JSON.stringify(e)}\n` : `${eventLine(e, startedAt)}\n`),
    );
    const onAbort = () => rollout.abort('interrupted (Ctrl-C)');
    if (io.signal?.aborted) onAbort();
    io.signal?.addEventListener('abort', onAbort, { once: true });
    const outcome = await rollout.run();
    io.signal?.removeEventListener('abort', onAbort);
    if (outcome.archiveFailures > 0)
      io.stderr(
        `rendezvous-rollout: ${outcome.archiveFailures} event(s) could not be archived in ${a.archive}\n`,
      );
    return outcome.status === 'completed' ? 0 : 1;
  } catch (error) {
    io.stderr(`rendezvous-rollout: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await archive?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }
}

/**
 * Runs `rendezvous-rollout` as a process: the command-line arguments, stdout and stderr, and
 * Ctrl-C — the first one rolls back (and waits for the rollback to be published), a second one
 * exits at once. Used by the published bin and by `npx tsx packages/rollout/src/main.ts`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCliProcess();
 * ```
 */
export function runCliProcess(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  return runCommandProcess('rollout: rolling back (Ctrl-C again to quit at once)\n', (io) =>
    runCli(argv, io),
  );
}
