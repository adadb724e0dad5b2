import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type ArchiveSink,
  RollingGzipJsonlSink,
  systemClock,
  type Transport,
} from '@rendezvous-ml/core';
import {
  connectRollout,
  eventLine,
  Rollout,
  type RolloutGate,
  type RolloutOutcome,
  type RolloutStage,
} from '@rendezvous-ml/rollout';
import type { IrisConfig } from './config.js';
import { createLogger } from './logger.js';
import { transportFactory } from './transports.js';
import { UsageError } from './usage-error.js';

/** The help of `iris rollout`, also in `iris --help`. */
export const ROLLOUT_HELP = `  rollout <m> [--current dt@1] [--keep lr] [--rollback-test bad@1] [--json] [gate options]
                          rolls version m (a running worker, such as dt@2) out to every front end:
                          shadow, canary 1% / 10% / 50%, promoted, then --current retired; each
                          stage advances on its scorecard gate and rolls back on an alarm.
                          --rollback-test B: then rolls out B over m, and expects a rollback.
                          Gate options: --min-samples 300 --min-agreement 0.95 --max-p99-ratio 1.5
                          --p99-tolerance-ms 10 --max-error-rate 0.01 --min-stage-ms 3000
                          --max-stage-ms 120000
                          --shares 1,10,50 --no-retire (redis, kafka or nats; exit 0 when it went as expected)`;

const VERSIONED = /^[^@\s]+@[^@\s]+$/;

/** The parsed `iris rollout` command line. */
interface RolloutArgs {
  readonly candidate: string;
  readonly current: string;
  readonly keep: readonly string[];
  readonly rollbackTest: string | undefined;
  readonly stages: readonly RolloutStage[];
  readonly gate: Partial<RolloutGate>;
  readonly json: boolean;
}

function num(flag: string, raw: string | undefined, fallback?: number): number | undefined {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`${flag} must be a number >= 0, got "${raw}"`);
  return n;
}

function parseRolloutArgs(argv: readonly string[]): RolloutArgs {
  const { values: v, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    allowNegative: true,
    options: {
      current: { type: 'string' },
      keep: { type: 'string', multiple: true },
      'rollback-test': { type: 'string' },
      shares: { type: 'string' },
      retire: { type: 'boolean' },
      'min-samples': { type: 'string' },
      'min-agreement': { type: 'string' },
      'max-p99-ratio': { type: 'string' },
      'p99-tolerance-ms': { type: 'string' },
      'max-error-rate': { type: 'string' },
      'min-stage-ms': { type: 'string' },
      'max-stage-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const candidate = positionals[0];
  const current = v.current ?? 'dt@1';
  for (const [what, m] of [
    ['the version to roll out', candidate],
    ['--current', current],
    ['--rollback-test', v['rollback-test']],
  ] as const)
    if (m !== undefined && !VERSIONED.test(m))
      throw new UsageError(`rollout: ${what} must be name@version, such as dt@2, got "${m}"`);
  if (!candidate) throw new UsageError('rollout needs the version to roll out: iris rollout dt@2');
  const shares = (v.shares ?? '1,10,50').split(',').map((s) => num('--shares', s)! / 100);
  if (shares.some((s, i) => !(s > 0 && s < 1) || (i > 0 && s <= shares[i - 1]!)))
    throw new UsageError('--shares must be rising percentages within (0, 100), such as 1,10,50');
  return {
    candidate,
    current,
    keep: v.keep ?? ['lr'],
    rollbackTest: v['rollback-test'],
    stages: [
      { kind: 'shadow' },
      ...shares.map((share) => ({ kind: 'canary' as const, share })),
      { kind: 'promoted' },
      ...(v.retire === false ? [] : [{ kind: 'retired' as const }]),
    ],
    // At a few hundred requests a second, 300 samples take a second or two: stay 3 s per stage
    // so that each share is seen serving, and give up on a stage after 2 minutes.
    gate: {
      minSamples: num('--min-samples', v['min-samples'], 300)!,
      minStageMs: num('--min-stage-ms', v['min-stage-ms'], 3000)!,
      maxStageMs: num('--max-stage-ms', v['max-stage-ms'], 120_000)!,
      // Every process of the example shares one machine: a p99 10 ms above dt@1's is noise here.
      p99ToleranceMs: num('--p99-tolerance-ms', v['p99-tolerance-ms'], 10)!,
      ...(v['min-agreement'] ? { minAgreement: num('--min-agreement', v['min-agreement'])! } : {}),
      ...(v['max-p99-ratio'] ? { maxP99Ratio: num('--max-p99-ratio', v['max-p99-ratio'])! } : {}),
      ...(v['max-error-rate']
        ? { maxErrorRate: num('--max-error-rate', v['max-error-rate'])! }
        : {}),
    },
    json: v.json ?? false,
  };
}

async function rollOut(
  transport: Transport,
  a: RolloutArgs,
  models: { candidate: string; current: string },
  signal: AbortSignal,
  archive: ArchiveSink,
): Promise<RolloutOutcome> {
  const connection = await connectRollout(transport, { resultsGroup: 'iris-rollout' }, systemClock);
  const keep = a.keep.filter((k) => k !== models.candidate && k !== models.current);
  try {
    const rollout = new Rollout({
      ...models,
      keep,
      control: connection.control,
      results: connection.results,
      stages: a.stages,
      gate: a.gate,
      reportEveryMs: 5000,
      archive,
    });
    const startedAt = systemClock.now();
    if (!a.json)
      process.stdout.write(
        `rollout ${rollout.id}: ${models.candidate} replaces ${models.current}, keeping ${keep.join(', ') || 'no other model'}\n`,
      );
    rollout.events$.subscribe((e) =>
      process.stdout.write(a.json ? `${JSON.stringify(e)}\n` : `${eventLine(e, startedAt)}\n`),
    );
    const abort = () => rollout.abort('interrupted (Ctrl-C)');
    signal.addEventListener('abort', abort, { once: true });
    try {
      return await rollout.run();
    } finally {
      signal.removeEventListener('abort', abort);
    }
  } finally {
    await connection.close();
  }
}

/**
 * `iris rollout dt@2 [--rollback-test bad@1]`: rolls a running model version out to every front
 * end of a multi-process system (Redis or Kafka; the front ends listen on the control channel),
 * printing each stage, its gate figures and the decision; with `--rollback-test`, then rolls
 * out a deliberately bad version over it and expects the automatic rollback. Resolves with the
 * exit code: 0 when everything went as expected, 1 otherwise. Ctrl-C rolls back.
 *
 * @example
 * ```ts
 * process.exitCode = await runIrisRollout(readConfig(), ['dt@2', '--rollback-test', 'bad@1']);
 * ```
 */
export async function runIrisRollout(config: IrisConfig, argv: readonly string[]): Promise<number> {
  const a = parseRolloutArgs(argv);
  if (config.transport === 'memory')
    throw new UsageError(
      'rollout drives the front ends of a running system through the control channel: set RENDEZVOUS_TRANSPORT=redis, kafka or nats (the system of `iris up`)',
    );
  const logger = createLogger('rollout', config.logLevel);
  const transport = await transportFactory(config, logger)();
  // Every transition, next to the inputs, scores and results: ARCHIVE_DIR/rollout/.
  const directory = join(config.archiveDir, 'rollout');
  const archive = new RollingGzipJsonlSink({ directory, prefix: 'rollout' });
  const ctrlC = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('rollout: rolling back (Ctrl-C again to quit at once)\n');
    ctrlC.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  try {
    const first = await rollOut(transport, a, a, ctrlC.signal, archive);
    if (first.status !== 'completed' || !a.rollbackTest || ctrlC.signal.aborted)
      return first.status === 'completed' ? 0 : 1;
    const models = { candidate: a.rollbackTest, current: a.candidate };
    // Never retire the version that just went live for a test: stop at promoted at most.
    const stages = a.stages.filter((s) => s.kind !== 'retired');
    const second = await rollOut(transport, { ...a, stages }, models, ctrlC.signal, archive);
    const expected = second.status === 'rolled-back';
    process.stdout.write(
      expected
        ? `rollback test: ${a.rollbackTest} was rolled back as it should be (${second.reason})\n`
        : `rollback test FAILED: ${a.rollbackTest} was not rolled back\n`,
    );
    return expected ? 0 : 1;
  } finally {
    await archive.close();
    process.stdout.write(`rollout events archived in ${directory}\n`);
    await transport.close();
  }
}
