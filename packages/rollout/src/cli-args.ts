import { parseArgs } from 'node:util';
import {
  TRANSPORT_FLAG_OPTIONS,
  type TransportFlags,
  transportFlags,
} from '@rendezvous-ml/replay/cli-kit';
import type { RolloutGate } from './rollout-gate.js';
import type { RolloutStage } from './rollout-stage.js';

/**
 * The parsed command line of `rendezvous-rollout`.
 *
 * @example
 * ```ts
 * const args = parseCliArgs(['--candidate', 'dt@2', '--current', 'dt@1', '--keep', 'lr']);
 * ```
 */
export interface CliArgs extends TransportFlags<'redis' | 'kafka' | 'nats'> {
  readonly candidate: string;
  readonly current: string;
  readonly keep: readonly string[];
  readonly stages: readonly RolloutStage[];
  readonly gate: Partial<RolloutGate>;
  readonly controlChannel?: string;
  readonly resultsStream?: string;
  readonly resultsGroup: string;
  readonly expectFrontEnds?: number;
  readonly publishWaitMs?: number;
  readonly evaluateEveryMs?: number;
  readonly reportEveryMs?: number;
  readonly retireWaitMs?: number;
  /** A folder: every event is archived there as gzip JSONL (records of kind `event`). */
  readonly archive?: string;
  /** One JSON event per line on stdout instead of text. */
  readonly json: boolean;
}

/**
 * The help text of `rendezvous-rollout`.
 *
 * @example
 * ```ts
 * process.stdout.write(CLI_USAGE);
 * ```
 */
export const CLI_USAGE = `Usage: rendezvous-rollout --candidate <name@version> --current <name@version> [options]

Rolls a model version out to every front end through the control channel: shadow, canary
shares, promoted, then the current version retired. Each stage advances when its gate holds on
the results decided under its policy version, and rolls back on an alarm or a failed gate.
Prints each stage, its gate figures and the decision, one line each. Exit code 0: completed;
1: rolled back (or failed); 2: usage error. Ctrl-C rolls back.

Models
  --candidate <m>          the version rolled out, such as dt@2; required
  --current <m>            the version it replaces, such as dt@1; required
  --keep <m>               another model kept behind these two (a canary baseline); repeatable
Stages
  --shares <list>          canary shares in %, comma-separated (default 1,10,50)
  --no-shadow              start at the first canary share
  --no-retire              stop at promoted: the current version keeps running
Gate (every stage)
  --min-samples <n>        results of the stage before it is judged (default 200)
  --min-agreement <x>      Wilson lower bound of the agreement with --current (default 0.95)
  --max-p99-ms <ms>        the candidate's p99 score latency (default: off)
  --max-p99-ratio <x>      its p99 over the current version's (default 1.5)
  --p99-tolerance-ms <ms>  a p99 at most this far above the current one never fails (default 2)
  --p99-min-samples <n>    scores a p99 needs before it can fail the gate (default 1000)
  --max-error-rate <x>     its errors and timeouts (default 0.01)
  --max-failed-rate <x>    requests that failed (default 0.01)
  --min-stage-ms <ms>      shortest stay in a stage (default 0)
  --max-stage-ms <ms>      longest stay: a gate still pending then rolls back (default 600000)
System
  --transport <t>          redis (default), kafka or nats
  --redis-url <url>        default redis://127.0.0.1:6379
  --kafka-brokers <list>   comma-separated, default 127.0.0.1:9092
  --nats-servers <list>    comma-separated, default nats://127.0.0.1:4222
  --broker-prefix <p>      Redis key / Kafka topic / NATS prefix of the system
  --control-channel <c>    default control
  --results-stream <s>     the front ends' results (publishResults: true); default results
  --results-group <g>      the rollout's own consumer group of it (default rollout)
  --expect-front-ends <n>  front ends that must apply each stage's spec
  --publish-wait-ms <ms>   how long a publish waits for front ends (default 2000)
  --evaluate-every-ms <ms> how often the gate is evaluated (default 1000)
  --report-every-ms <ms>   how often a waiting stage prints its figures (default 10000)
  --retire-wait-ms <ms>    how long to resend the retire until the old version is gone (30000)
Output
  --archive <dir>          archive every event there (gzip JSONL, records of kind "event")
  --json                   one JSON event per line instead of text
  --help
`;

function number(
  flag: string,
  value: string | undefined,
  check: (n: number) => boolean,
  what: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new TypeError(`${flag} must be ${what}, got "${value}"`);
  return n;
}

const positive = (flag: string, v: string | undefined) =>
  number(flag, v, (n) => n > 0, 'a positive number');
const fraction = (flag: string, v: string | undefined) =>
  number(flag, v, (n) => n >= 0 && n <= 1, 'within [0, 1]');

function stagesOf(shares: string | undefined, shadow: boolean, retire: boolean): RolloutStage[] {
  const percents = (shares ?? '1,10,50')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(
      (s) => number('--shares', s.trim(), (n) => n > 0 && n < 100, 'percentages within (0, 100)')!,
    );
  for (let i = 1; i < percents.length; i++)
    if (percents[i]! <= percents[i - 1]!)
      throw new TypeError(`--shares must rise, got ${percents.join(',')}`);
  return [
    ...(shadow ? [{ kind: 'shadow' as const }] : []),
    ...percents.map((p) => ({ kind: 'canary' as const, share: p / 100 })),
    { kind: 'promoted' as const },
    ...(retire ? [{ kind: 'retired' as const }] : []),
  ];
}

/**
 * Parses and checks the flags of `rendezvous-rollout` (see {@link CLI_USAGE}). Throws a
 * `TypeError` naming the flag at fault; returns `'help'` for `--help`.
 *
 * @example
 * ```ts
 * const args = parseCliArgs(process.argv.slice(2));
 * ```
 */
export function parseCliArgs(argv: readonly string[]): CliArgs | 'help' {
  const { values: v } = parseArgs({
    args: [...argv],
    strict: true,
    allowNegative: true,
    options: {
      candidate: { type: 'string' },
      current: { type: 'string' },
      keep: { type: 'string', multiple: true },
      shares: { type: 'string' },
      shadow: { type: 'boolean' },
      retire: { type: 'boolean' },
      'min-samples': { type: 'string' },
      'min-agreement': { type: 'string' },
      'max-p99-ms': { type: 'string' },
      'max-p99-ratio': { type: 'string' },
      'p99-tolerance-ms': { type: 'string' },
      'p99-min-samples': { type: 'string' },
      'max-error-rate': { type: 'string' },
      'max-failed-rate': { type: 'string' },
      'min-stage-ms': { type: 'string' },
      'max-stage-ms': { type: 'string' },
      ...TRANSPORT_FLAG_OPTIONS,
      'control-channel': { type: 'string' },
      'results-stream': { type: 'string' },
      'results-group': { type: 'string' },
      'expect-front-ends': { type: 'string' },
      'publish-wait-ms': { type: 'string' },
      'evaluate-every-ms': { type: 'string' },
      'report-every-ms': { type: 'string' },
      'retire-wait-ms': { type: 'string' },
      archive: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (v.help) return 'help';
  if (!v.candidate)
    throw new TypeError('--candidate is required: the version to roll out, such as dt@2');
  if (!v.current)
    throw new TypeError('--current is required: the version it replaces, such as dt@1');
  const flags = transportFlags(v, { choices: ['redis', 'kafka', 'nats'], fallback: 'redis' });
  const minSamples = positive('--min-samples', v['min-samples']);
  if (minSamples !== undefined && !Number.isInteger(minSamples))
    throw new TypeError('--min-samples must be an integer');
  const expectFrontEnds = positive('--expect-front-ends', v['expect-front-ends']);
  if (expectFrontEnds !== undefined && !Number.isInteger(expectFrontEnds))
    throw new TypeError('--expect-front-ends must be an integer');
  const gate: Partial<Record<keyof RolloutGate, number>> = {
    minSamples,
    minAgreement: fraction('--min-agreement', v['min-agreement']),
    maxP99Ms: positive('--max-p99-ms', v['max-p99-ms']),
    maxP99Ratio: positive('--max-p99-ratio', v['max-p99-ratio']),
    p99ToleranceMs: number(
      '--p99-tolerance-ms',
      v['p99-tolerance-ms'],
      (n) => n >= 0,
      'a number >= 0',
    ),
    p99MinSamples: number(
      '--p99-min-samples',
      v['p99-min-samples'],
      (n) => Number.isInteger(n) && n > 0,
      'a positive integer',
    ),
    maxErrorRate: fraction('--max-error-rate', v['max-error-rate']),
    maxFailedRate: fraction('--max-failed-rate', v['max-failed-rate']),
    minStageMs: number('--min-stage-ms', v['min-stage-ms'], (n) => n >= 0, 'a number >= 0'),
    maxStageMs: positive('--max-stage-ms', v['max-stage-ms']),
  };
  return {
    candidate: v.candidate,
    current: v.current,
    keep: v.keep ?? [],
    stages: stagesOf(v.shares, v.shadow ?? true, v.retire ?? true),
    gate: Object.fromEntries(Object.entries(gate).filter(([, x]) => x !== undefined)),
    ...flags,
    controlChannel: v['control-channel'],
    resultsStream: v['results-stream'],
    resultsGroup: v['results-group'] ?? 'rollout',
    expectFrontEnds,
    publishWaitMs: positive('--publish-wait-ms', v['publish-wait-ms']),
    evaluateEveryMs: positive('--evaluate-every-ms', v['evaluate-every-ms']),
    reportEveryMs: positive('--report-every-ms', v['report-every-ms']),
    retireWaitMs: positive('--retire-wait-ms', v['retire-wait-ms']),
    archive: v.archive,
    json: v.json ?? false,
  };
}
