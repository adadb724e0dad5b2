import type { ModelDiff } from './diff-report.js';

/**
 * Every request of the selection, accounted for.
 *
 * @example
 * ```ts
 * expect(report.accounting.replayed).toBe(report.accounting.selected);
 * ```
 */
export interface ReplayAccounting {
  /** Archived requests within the filters. */
  readonly selected: number;
  /** Replayed requests in the report (this run and earlier runs it resumed). */
  readonly replayed: number;
  /** Replayed by earlier runs and skipped by this one (`resume`). */
  readonly resumed: number;
  /** Replayed requests that failed as a whole (no new version answered). */
  readonly failed: number;
  /** Replayed requests with no archived answer from any model. */
  readonly withoutArchivedAnswers: number;
  /** Replayed requests with an archived result (so an answer that was given, or a failure). */
  readonly withArchivedResult: number;
}

/**
 * The diff report of a replay, as JSON. {@link renderMarkdownReport} turns it into a page.
 *
 * @example
 * ```ts
 * const report = await replay({ ... });
 * await writeFile('report.json', JSON.stringify(report, null, 2));
 * ```
 */
export interface ReplayReport {
  readonly v: 1;
  readonly namespace: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly filter: {
    readonly since?: string;
    readonly until?: string;
    readonly limit?: number;
  };
  readonly rate: number | null;
  /** The archived model treated as production (rows of the confusion matrices). */
  readonly production: string | null;
  readonly archivedModels: readonly string[];
  readonly newModels: readonly string[];
  readonly accounting: ReplayAccounting;
  readonly models: Readonly<Record<string, ModelDiff>>;
}
