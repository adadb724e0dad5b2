import { parseArgs } from 'node:util';
import { TRANSPORT_FLAG_OPTIONS, type TransportFlags, transportFlags } from './cli-transport.js';

/**
 * The parsed command line of `rendezvous-replay`.
 *
 * @example
 * ```ts
 * const args = parseCliArgs(['--archive', 'data/archive/decoy', '--model', './dt2.mjs', '--rate', '100']);
 * ```
 */
export interface CliArgs extends TransportFlags<'memory' | 'redis' | 'kafka' | 'nats'> {
  readonly archive: string;
  readonly scores?: string;
  readonly results?: string;
  readonly models: readonly string[];
  readonly expect: readonly string[];
  readonly namespace: string;
  readonly rate?: number;
  readonly limit?: number;
  readonly since?: number;
  readonly until?: number;
  readonly deadlineMs?: number;
  readonly maxInFlight?: number;
  readonly production?: string;
  readonly out?: string;
  readonly resume: boolean;
  readonly json?: string;
  readonly markdown?: string;
  readonly quiet: boolean;
}

/**
 * The help text of `rendezvous-replay`.
 *
 * @example
 * ```ts
 * process.stdout.write(CLI_USAGE);
 * ```
 */
export const CLI_USAGE = `Usage: rendezvous-replay --archive <decoy folder> [options]

Re-drives archived inputs through new model versions on their own streams and writes a diff
report against what production archived for the same requests.

Inputs
  --archive <dir>        the decoy's gzip JSONL folder (records of kind "request"); required
  --scores <dir>         production's score archive (kind "score"): agreement with each model
  --results <dir>        production's results archive (kind "result"): agreement with the answer given
New versions (at least one)
  --model <module>       a module whose default export is a ReplayModel { name, version, predict }
                         (or an array of them), run in-process on the replay streams; repeatable
  --expect <name@ver>    a version whose workers run elsewhere on the replay streams; repeatable
Transport
  --transport <t>        memory (default; needs --model), redis, kafka or nats
  --redis-url <url>      default redis://127.0.0.1:6379
  --kafka-brokers <list> comma-separated, default 127.0.0.1:9092
  --nats-servers <list>  comma-separated, default nats://127.0.0.1:4222
  --broker-prefix <p>    Redis key / Kafka topic / NATS prefix the workers use (default: the transport's)
  --namespace <ns>       prefix of the replay's stream names (default replay: replay.requests, ...)
Selection and pace
  --since <time>         only requests with ts >= time (ISO 8601 or ms since the epoch)
  --until <time>         only requests with ts < time
  --limit <n>            at most n requests
  --rate <n>             at most n requests per second (default: as fast as --max-in-flight allows)
  --max-in-flight <n>    replayed requests in flight at once (default 64)
  --deadline-ms <ms>     deadline of each replayed request (default 1000)
Report
  --production <name@v>  the archived model the confusion matrix compares with (default: chosen most)
  --out <dir>            the replay's own archive of replayed requests (needed for --resume)
  --resume               skip the requests already in --out and report on all of them
  --json <file>          write the JSON report there
  --markdown <file>      write the Markdown report there (default: to stdout)
  --quiet                no progress on stderr
  --help
`;

function time(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new TypeError(`${flag}: "${value}" is neither ISO 8601 nor ms since the epoch`);
  return ms;
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n))
    throw new TypeError(`${flag} must be a positive number, got "${value}"`);
  return n;
}

/**
 * Parses and checks the flags of `rendezvous-replay` (see {@link CLI_USAGE}). Throws a
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
    options: {
      archive: { type: 'string' },
      scores: { type: 'string' },
      results: { type: 'string' },
      model: { type: 'string', multiple: true },
      expect: { type: 'string', multiple: true },
      ...TRANSPORT_FLAG_OPTIONS,
      namespace: { type: 'string' },
      rate: { type: 'string' },
      limit: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      'deadline-ms': { type: 'string' },
      'max-in-flight': { type: 'string' },
      production: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (v.help) return 'help';
  if (!v.archive) throw new TypeError('--archive is required: the folder of the decoy archive');
  const flags = transportFlags(v, {
    choices: ['memory', 'redis', 'kafka', 'nats'],
    fallback: 'memory',
  });
  const models = v.model ?? [];
  const expect = v.expect ?? [];
  if (models.length + expect.length === 0)
    throw new TypeError(
      'name the new versions: --model <module> (in-process) or --expect <name@version> (running elsewhere)',
    );
  if (flags.transport === 'memory' && expect.length > 0)
    throw new TypeError(
      '--expect needs a broker (--transport redis, kafka or nats): on memory, workers elsewhere cannot join',
    );
  const limit = positive('--limit', v.limit);
  if (limit !== undefined && !Number.isInteger(limit))
    throw new TypeError('--limit must be an integer');
  if (v.resume && !v.out)
    throw new TypeError('--resume needs --out <dir>, the folder of the run to resume');
  return {
    archive: v.archive,
    scores: v.scores,
    results: v.results,
    models,
    expect,
    ...flags,
    namespace: v.namespace ?? 'replay',
    rate: positive('--rate', v.rate),
    limit,
    since: time('--since', v.since),
    until: time('--until', v.until),
    deadlineMs: positive('--deadline-ms', v['deadline-ms']),
    maxInFlight: positive('--max-in-flight', v['max-in-flight']),
    production: v.production,
    out: v.out,
    resume: v.resume ?? false,
    json: v.json,
    markdown: v.markdown,
    quiet: v.quiet ?? false,
  };
}
