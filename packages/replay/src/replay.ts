import {
  type ArchiveRecord,
  ConfigurationError,
  first,
  ModelWorker,
  modelKey,
  Rendezvous,
  type RequestEnvelope,
  RollingGzipJsonlSink,
  readJsonlArchive,
  systemClock,
  type Timer,
} from '@rendezvous-ml/core';
import { loadArchivedOutcomes } from './archived-outcomes.js';
import { filterRequests, readArchivedRequests } from './archived-requests.js';
import { buildDiffReport, type ReplayedOutcome } from './diff-report.js';
import { RatePacer } from './rate-pacer.js';
import type { ReplayOptions, ReplayProgress } from './replay-options.js';
import type { ReplayReport } from './replay-report.js';
import { replayStreams } from './replay-streams.js';
import { outcomeFromResult, replayFailureRecord, replayRecord } from './replayed-outcome.js';

export type { ReplayModel, ReplayOptions, ReplayProgress } from './replay-options.js';

/** Records written to the replay's own archive per batch. */
const WRITE_BATCH = 100;
/** How long after its deadline a refused request is declared failed if no result came. */
const SETTLE_GRACE_MS = 1000;

async function readPrevious(output: string): Promise<Map<string, ReplayedOutcome>> {
  const previous = new Map<string, ReplayedOutcome>();
  for (const r of await readJsonlArchive(output))
    if (r.kind === 'result') previous.set(r.requestId, outcomeFromResult(r.requestId, r.result));
  return previous;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/**
 * Re-drives archived inputs through one or more new model versions and diffs their answers with
 * what production archived for the same requests. The replay runs a real {@link Rendezvous} front
 * end (policy `first()`, which still collects every live version's score in `results$`) on its
 * own stream names ({@link replayStreams}), so replayed traffic never reaches production; each
 * replayed request carries the original id in `meta.replayOf`. With `output`, every replayed
 * request is archived there by original id, and `resume` skips those already replayed.
 *
 * @example
 * ```ts
 * const report = await replay({
 *   transport: new MemoryTransport(),
 *   archive: 'data/archive/decoy', scores: 'data/archive/scores', results: 'data/archive/results',
 *   models: [{ name: 'dt', version: '2', predict: (x) => dt2(x) }],
 *   rate: 200, limit: 1000,
 * });
 * console.log(renderMarkdownReport(report));
 * ```
 */
export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  const clock = options.clock ?? systemClock;
  const namespace = options.namespace ?? 'replay';
  const streams = replayStreams(namespace);
  const deadlineMs = options.deadlineMs ?? 1000;
  const maxInFlight = options.maxInFlight ?? 64;
  const progressEvery = options.progressEvery ?? 100;
  if (!(Number.isInteger(maxInFlight) && maxInFlight > 0))
    throw new ConfigurationError(
      `replay(): maxInFlight must be a positive integer, got ${maxInFlight}`,
    );
  const models = options.models ?? [];
  const newModels = [...new Set([...models.map((m) => modelKey(m)), ...(options.expect ?? [])])];
  if (newModels.length === 0)
    throw new ConfigurationError(
      'replay(): name the new versions: models (run in-process) or expect (workers started elsewhere on replayStreams(namespace))',
    );
  const pacer = new RatePacer(options.rate, clock);
  const startedAt = clock.now();
  const archived = await loadArchivedOutcomes({ scores: options.scores, results: options.results });
  const previous = options.output ? await readPrevious(options.output) : new Map();
  if (previous.size > 0 && !options.resume)
    throw new ConfigurationError(
      `replay(): ${options.output} already holds ${previous.size} replayed requests: pass resume: true (--resume) to continue that run, or choose another output folder`,
    );
  const sink = options.output
    ? new RollingGzipJsonlSink({ directory: options.output, prefix: 'replay', clock })
    : undefined;
  const workers = models.map(
    (m) =>
      new ModelWorker({
        transport: options.transport,
        model: { name: m.name, version: m.version },
        predict: m.predict,
        concurrency: m.concurrency,
        streams,
        clock,
      }),
  );
  const frontEnd = new Rendezvous({
    transport: options.transport,
    policy: first(),
    streams,
    deadlineMs,
    maxInFlight,
    clock,
    instanceId: `${namespace}-${Math.random().toString(36).slice(2, 8)}`,
    publishResults: options.publishResults ?? false,
    ...(options.discoveryMs === undefined ? {} : { discoveryMs: options.discoveryMs }),
  });

  const outcomes: ReplayedOutcome[] = [];
  const inFlight = new Map<string, { readonly originalId: string; fallback?: Timer }>();
  let selected = 0;
  let resumed = 0;
  let replayed = 0;
  let failed = 0;
  let buffer: ArchiveRecord[] = [];
  let writing: Promise<void> = Promise.resolve();
  let writeError: unknown;
  let wake: (() => void) | undefined;

  const progress = (finished: boolean): void => {
    const elapsedMs = clock.now() - startedAt;
    const p: ReplayProgress = {
      selected,
      replayed,
      resumed,
      inFlight: inFlight.size,
      failed,
      elapsedMs,
      ratePerSecond: elapsedMs > 0 ? (replayed * 1000) / elapsedMs : 0,
      finished,
    };
    options.onProgress?.(p);
  };
  const flush = (): void => {
    if (!sink || buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    writing = writing.then(() =>
      sink.write(batch).catch((error: unknown) => {
        writeError ??= error;
      }),
    );
  };
  const settle = (replayId: string, outcome: ReplayedOutcome, record: ArchiveRecord): void => {
    const entry = inFlight.get(replayId);
    if (!entry) return;
    entry.fallback?.cancel();
    inFlight.delete(replayId);
    outcomes.push(outcome);
    replayed++;
    if (outcome.error) failed++;
    buffer.push(record);
    if (buffer.length >= WRITE_BATCH) flush();
    if (replayed % progressEvery === 0) progress(false);
    wake?.();
  };
  const room = (): Promise<void> =>
    new Promise((resolve) => {
      wake = () => {
        wake = undefined;
        resolve();
      };
    });

  const subscription = frontEnd.results$.subscribe((result) => {
    const entry = inFlight.get(result.requestId);
    if (!entry) return;
    const record = replayRecord(entry.originalId, result, clock.now());
    settle(result.requestId, outcomeFromResult(entry.originalId, result), record);
  });
  const send = (request: RequestEnvelope): void => {
    const replayId = `${namespace}:${request.id}`;
    const entry: { readonly originalId: string; fallback?: Timer } = { originalId: request.id };
    inFlight.set(replayId, entry);
    const meta = { ...request.meta, replayOf: request.id };
    frontEnd.request(request.input, { id: replayId, deadlineMs, meta }).catch((error: unknown) => {
      // A request that reached its mailbox settles through results$ by its deadline; one refused
      // before (overload, a lost reply channel) never does: account for it as failed then.
      if (inFlight.get(replayId) !== entry) return;
      const e = error as { code?: unknown; message?: unknown };
      const why = { code: String(e.code ?? 'ERROR'), message: String(e.message ?? error) };
      entry.fallback = clock.setTimeout(
        () => {
          const at = clock.now();
          const record = replayFailureRecord(request.id, request.input, why, at);
          const outcome: ReplayedOutcome = {
            originalId: request.id,
            answers: new Map(),
            error: why,
          };
          settle(replayId, outcome, record);
        },
        deadlineMs + SETTLE_GRACE_MS,
        { keepAlive: true },
      );
    });
  };

  try {
    await Promise.all(workers.map((w) => w.start()));
    await frontEnd.start();
    const live = new Set(frontEnd.registry.live().map((m) => modelKey(m)));
    const absent = newModels.filter((k) => !live.has(k));
    if (absent.length > 0)
      throw new ConfigurationError(
        `replay(): no worker of ${absent.join(', ')} is live on "${streams.heartbeats}": start it with streams: replayStreams('${namespace}') on the same broker`,
      );
    const filter = { since: options.since, until: options.until, limit: options.limit };
    const source =
      typeof options.archive === 'string'
        ? readArchivedRequests(options.archive, filter)
        : filterRequests(options.archive, filter);
    for await (const request of source) {
      if (options.signal?.aborted) break;
      selected++;
      const done = previous.get(request.id);
      if (done) {
        resumed++;
        outcomes.push(done);
        continue;
      }
      while (inFlight.size >= maxInFlight) await room();
      await pacer.wait();
      send(request);
    }
    while (inFlight.size > 0) await room();
    flush();
    await writing;
    if (writeError) throw writeError;
  } finally {
    subscription.unsubscribe();
    for (const entry of inFlight.values()) entry.fallback?.cancel();
    await frontEnd.close();
    await Promise.all(workers.map((w) => w.stop()));
    await sink?.close();
  }
  progress(true);
  const figures = buildDiffReport(outcomes, {
    archived,
    newModels,
    ...(options.production === undefined ? {} : { production: options.production }),
    ...(options.agree === undefined ? {} : { agree: options.agree }),
    ...(options.maxConfusionLabels === undefined
      ? {}
      : { maxConfusionLabels: options.maxConfusionLabels }),
  });
  const finishedAt = clock.now();
  return {
    v: 1,
    namespace,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    durationMs: finishedAt - startedAt,
    filter: {
      ...(options.since === undefined ? {} : { since: iso(options.since) }),
      ...(options.until === undefined ? {} : { until: iso(options.until) }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    },
    rate: options.rate ?? null,
    production: figures.production,
    archivedModels: figures.archivedModels,
    newModels,
    accounting: {
      selected,
      replayed: outcomes.length,
      resumed,
      failed: figures.failed,
      withoutArchivedAnswers: figures.withoutArchivedAnswers,
      withArchivedResult: figures.withArchivedResult,
    },
    models: figures.models,
  };
}
