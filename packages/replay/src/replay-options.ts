import type { Clock, Json, PredictContext, RequestEnvelope, Transport } from '@rendezvous-ml/core';

/**
 * A new model version run in-process by the replay, as a `ModelWorker` on the replay's streams.
 */
export interface ReplayModel {
  readonly name: string;
  readonly version: string;
  readonly predict: (input: Json, context: PredictContext) => Json | Promise<Json>;
  /** Predictions at once. Default 8. */
  readonly concurrency?: number;
}

/**
 * Progress of a running replay, reported every `progressEvery` requests and at the end.
 *
 * @example
 * ```ts
 * onProgress: (p) => process.stderr.write(`${p.done}/${p.selected ?? '?'} ${p.ratePerSecond.toFixed(0)}/s\n`)
 * ```
 */
export interface ReplayProgress {
  /** Archived requests within the filters read so far. */
  readonly selected: number;
  /** Requests replayed and settled by this run. */
  readonly replayed: number;
  /** Requests skipped because an earlier run already replayed them. */
  readonly resumed: number;
  readonly inFlight: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /** Settled requests per second of this run. */
  readonly ratePerSecond: number;
  /** `true` on the last report, once every selected request is settled. */
  readonly finished: boolean;
}

/**
 * Options of {@link replay}.
 *
 * @example
 * ```ts
 * const options: ReplayOptions = {
 *   transport: new MemoryTransport(), archive: 'data/archive/decoy', scores: 'data/archive/scores',
 *   results: 'data/archive/results', models: [dt2], output: 'data/replay/dt2', rate: 200,
 * };
 * ```
 */
export interface ReplayOptions {
  /**
   * The transport the replay's front end (and its in-process models) use. The replay never
   * closes it. On memory, pass a fresh `MemoryTransport` and `models`; on Redis or Kafka,
   * workers started elsewhere on {@link replayStreams} take part too (name them in `expect`).
   */
  readonly transport: Transport;
  /**
   * The archived inputs: the decoy's gzip JSONL folder, or any async iterable of archived
   * request envelopes (such as documents read from the `decoy-log` Elasticsearch index).
   */
  readonly archive: string | AsyncIterable<RequestEnvelope>;
  /** Production's score archive (records of kind `score`), to compare with each archived model. */
  readonly scores?: string;
  /** Production's results archive (kind `result`), to compare with the answer that was given. */
  readonly results?: string;
  /** New versions to run in-process on the replay's streams. */
  readonly models?: readonly ReplayModel[];
  /** New versions (`name@version`) whose workers run elsewhere on the replay's streams. */
  readonly expect?: readonly string[];
  /** Prefix of the replay's stream names (see {@link replayStreams}). Default `replay`. */
  readonly namespace?: string;
  /** Requests per second. Default: as fast as `maxInFlight` allows. */
  readonly rate?: number;
  /** Only archived requests with `ts >= since` (ms since the epoch). */
  readonly since?: number;
  /** Only archived requests with `ts < until`. */
  readonly until?: number;
  /** At most this many archived requests (after the time filter). */
  readonly limit?: number;
  /** Deadline of each replayed request, in ms. Default 1000. */
  readonly deadlineMs?: number;
  /** Replayed requests in flight at once. Default 64. */
  readonly maxInFlight?: number;
  /**
   * Folder of the replay's own results archive (gzip JSONL, one record per replayed request, id =
   * the original request id). Needed for `resume`. Default: none (outcomes kept in memory only).
   */
  readonly output?: string;
  /**
   * Skip the requests already in `output` (a previous run that stopped) and report on all of
   * them. Without it, an `output` folder that already holds records is refused.
   */
  readonly resume?: boolean;
  /** The archived model treated as production. Default: the one chosen most in `results`. */
  readonly production?: string;
  /** Whether two outputs agree. Default: the same JSON value. */
  readonly agree?: (a: Json, b: Json) => boolean;
  /** Also publish each replayed result to `<namespace>.results`. Default false. */
  readonly publishResults?: boolean;
  /** Model discovery window of the replay's front end (ms). Default 300. */
  readonly discoveryMs?: number;
  /** Most distinct outputs in a confusion matrix. Default 20. */
  readonly maxConfusionLabels?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Report progress every this many settled requests. Default 100. */
  readonly progressEvery?: number;
  /** Stop feeding requests (those in flight still settle); the report covers what was replayed. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}
