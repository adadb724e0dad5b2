import type { Json, ScoreError } from '@rendezvous-ml/core';
import { jsonEqual, wilsonInterval } from '@rendezvous-ml/scorecard';
import type { ArchivedOutcome } from './archived-outcomes.js';
import { type LatencySummary, outputLabel, summarizeLatency } from './statistics.js';

/**
 * One new model version's answer to one replayed request. `missing`: the model was expected but
 * no score arrived before the replayed request's deadline.
 */
export type ReplayedAnswer =
  | { readonly status: 'ok'; readonly output: Json; readonly latencyMs: number }
  | { readonly status: 'error'; readonly error: ScoreError; readonly latencyMs: number }
  | { readonly status: 'missing' };

/**
 * The new versions' answers to one replayed request, keyed by `name@version`.
 */
export interface ReplayedOutcome {
  /** The id of the archived request this one replays. */
  readonly originalId: string;
  readonly answers: ReadonlyMap<string, ReplayedAnswer>;
  /** The replayed input, for the disagreement examples. */
  readonly input?: Json;
  /** Set when the replayed request failed as a whole (no model answered, deadline). */
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * How often a new version gave the same answer as a reference, over the requests where both
 * answered successfully, with its 95 % Wilson interval.
 */
export interface AgreementFigure {
  readonly compared: number;
  readonly agreed: number;
  /** `agreed / compared`; `null` when nothing could be compared. */
  readonly rate: number | null;
  readonly interval95: readonly [number, number];
}

/**
 * Counts of (production output, new output) pairs. `counts[i][j]`: production said
 * `labels[i]`, the new version said `labels[j]`. Its cells sum to `total`, the requests where
 * both answered successfully.
 */
export interface ConfusionMatrix {
  readonly against: string;
  readonly labels: readonly string[];
  readonly counts: readonly (readonly number[])[];
  readonly total: number;
  /** Set instead of `labels`/`counts` when the outputs have more distinct values than allowed. */
  readonly omitted?: string;
}

/**
 * A request on which a new version and production disagreed, as an example for a person.
 */
export interface Disagreement {
  readonly requestId: string;
  readonly input?: Json;
  readonly production: Json;
  readonly replayed: Json;
}

/**
 * What the report says about one new model version.
 *
 * @example
 * ```ts
 * const m = report.models['dt@2']!;
 * console.log(m.ok, m.agreementWithChosen.rate, m.latencyMs?.p99);
 * ```
 */
export interface ModelDiff {
  readonly model: string;
  readonly ok: number;
  readonly errors: number;
  /** Replayed requests for which no score of this version arrived before the deadline. */
  readonly missing: number;
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** Latency of its scores (ok and error), from the replay front end's point of view. */
  readonly latencyMs: LatencySummary | undefined;
  /** Agreement with each archived model, by `name@version`. */
  readonly agreement: Readonly<Record<string, AgreementFigure>>;
  /** Agreement with the answer production actually gave (the results archive's `chosen`). */
  readonly agreementWithChosen: AgreementFigure;
  readonly confusion: ConfusionMatrix | undefined;
  /** The first few disagreements with production, in replay order. */
  readonly disagreements: readonly Disagreement[];
}

/**
 * What {@link buildDiffReport} needs besides the outcomes.
 */
export interface DiffInputs {
  readonly archived: ReadonlyMap<string, ArchivedOutcome>;
  readonly newModels: readonly string[];
  /** Default: the model the results archive shows as chosen most often, else the first archived model. */
  readonly production?: string;
  readonly agree?: (a: Json, b: Json) => boolean;
  /** Most distinct outputs a confusion matrix shows. Default 20. */
  readonly maxConfusionLabels?: number;
  /** How many disagreements to list per model. Default 10. */
  readonly maxDisagreements?: number;
}

/**
 * The figures of a diff report that depend only on outcomes and the archive.
 *
 * @example
 * ```ts
 * const { production, models, withoutArchivedAnswers }: DiffFigures = buildDiffReport(outcomes, inputs);
 * ```
 */
export interface DiffFigures {
  readonly production: string | null;
  readonly archivedModels: readonly string[];
  readonly models: Readonly<Record<string, ModelDiff>>;
  readonly withoutArchivedAnswers: number;
  readonly withArchivedResult: number;
  readonly failed: number;
}

class Tally {
  compared = 0;
  agreed = 0;
  add(same: boolean): void {
    this.compared++;
    if (same) this.agreed++;
  }
  figure(): AgreementFigure {
    const rate = this.compared === 0 ? null : this.agreed / this.compared;
    return {
      compared: this.compared,
      agreed: this.agreed,
      rate,
      interval95: toPair(wilsonInterval(this.agreed, this.compared)),
    };
  }
}

/**
 * The archived model chosen most often (from the results archive); ties go to the first in
 * name order; `null` when no result was archived. The default production model of a report.
 *
 * @example
 * ```ts
 * mostChosenModel(await loadArchivedOutcomes({ results: 'data/archive/results' })); // 'dt@1'
 * ```
 */
export function mostChosenModel(archived: ReadonlyMap<string, ArchivedOutcome>): string | null {
  const counts = new Map<string, number>();
  for (const o of archived.values())
    if (o.chosen) counts.set(o.chosen.model, (counts.get(o.chosen.model) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return ranked[0]?.[0] ?? null;
}

/**
 * Compares the new versions' answers with what production archived for the same requests:
 * agreement with each archived model and with the answer given, a confusion matrix against
 * production, latency percentiles and errors. Pure: the same outcomes give the same figures.
 *
 * @example
 * ```ts
 * const figures = buildDiffReport(outcomes, { archived, newModels: ['dt@2'], production: 'dt@1' });
 * figures.models['dt@2']?.agreement['dt@1']?.rate;
 * ```
 */
export function buildDiffReport(
  outcomes: Iterable<ReplayedOutcome>,
  inputs: DiffInputs,
): DiffFigures {
  const agree = inputs.agree ?? jsonEqual;
  const maxLabels = inputs.maxConfusionLabels ?? 20;
  const maxDisagreements = inputs.maxDisagreements ?? 10;
  const list = [...outcomes];
  const archivedModels = new Set<string>();
  for (const o of list)
    for (const key of inputs.archived.get(o.originalId)?.answers.keys() ?? [])
      archivedModels.add(key);
  const archivedSorted = [...archivedModels].sort();
  const production =
    inputs.production ?? mostChosenModel(inputs.archived) ?? archivedSorted[0] ?? null;
  let withoutArchivedAnswers = 0;
  let withArchivedResult = 0;
  let failed = 0;
  for (const o of list) {
    const a = inputs.archived.get(o.originalId);
    if (!a || a.answers.size === 0) withoutArchivedAnswers++;
    if (a?.hasResult) withArchivedResult++;
    if (o.error) failed++;
  }
  const models: Record<string, ModelDiff> = {};
  for (const model of inputs.newModels) {
    let ok = 0;
    let errors = 0;
    let missing = 0;
    const errorsByCode: Record<string, number> = {};
    const latencies: number[] = [];
    const tallies = new Map(archivedSorted.map((k) => [k, new Tally()]));
    const chosenTally = new Tally();
    const pairs: [string, string][] = [];
    const disagreements: Disagreement[] = [];
    for (const o of list) {
      const answer = o.answers.get(model) ?? { status: 'missing' };
      if (answer.status === 'missing') {
        missing++;
        continue;
      }
      latencies.push(answer.latencyMs);
      if (answer.status === 'error') {
        errors++;
        errorsByCode[answer.error.code] = (errorsByCode[answer.error.code] ?? 0) + 1;
        continue;
      }
      ok++;
      const archived = inputs.archived.get(o.originalId);
      if (!archived) continue;
      for (const [key, a] of archived.answers) {
        if (!a.ok) continue;
        const same = agree(answer.output, a.output);
        tallies.get(key)?.add(same);
        if (key === production) {
          pairs.push([outputLabel(a.output), outputLabel(answer.output)]);
          if (!same && disagreements.length < maxDisagreements) {
            disagreements.push({
              requestId: o.originalId,
              ...(o.input === undefined ? {} : { input: o.input }),
              production: a.output,
              replayed: answer.output,
            });
          }
        }
      }
      if (archived.chosen) chosenTally.add(agree(answer.output, archived.chosen.output));
    }
    const agreement: Record<string, AgreementFigure> = {};
    for (const [key, t] of tallies) agreement[key] = t.figure();
    models[model] = {
      model,
      ok,
      errors,
      missing,
      errorsByCode,
      latencyMs: summarizeLatency(latencies),
      agreement,
      agreementWithChosen: chosenTally.figure(),
      confusion: production === null ? undefined : confusionOf(production, pairs, maxLabels),
      disagreements,
    };
  }
  return {
    production,
    archivedModels: archivedSorted,
    models,
    withoutArchivedAnswers,
    withArchivedResult,
    failed,
  };
}

function confusionOf(
  against: string,
  pairs: readonly [string, string][],
  maxLabels: number,
): ConfusionMatrix {
  const labels = [...new Set(pairs.flat())].sort();
  if (labels.length > maxLabels)
    return {
      against,
      labels: [],
      counts: [],
      total: pairs.length,
      omitted: `${labels.length} distinct outputs (more than ${maxLabels})`,
    };
  const index = new Map(labels.map((l, i) => [l, i]));
  const counts = labels.map(() => labels.map(() => 0));
  for (const [row, col] of pairs) {
    const r = counts[index.get(row) as number] as number[];
    r[index.get(col) as number] = (r[index.get(col) as number] as number) + 1;
  }
  return { against, labels, counts, total: pairs.length };
}

/** The report keeps an interval as `[low, high]`. */
function toPair(interval: {
  readonly low: number;
  readonly high: number;
}): readonly [number, number] {
  return [interval.low, interval.high];
}
