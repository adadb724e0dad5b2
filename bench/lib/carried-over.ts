import { readFile } from 'node:fs/promises';
import type { RunReport, ScenarioOutcome } from './report.js';

/**
 * The scenarios of a previous run (`latestJson`) that `ran` does not include, each marked with
 * the run it comes from: a run of some scenarios (`--only`) keeps the others' figures in
 * `latest.json` and `docs/benchmarks.md`, said to be older, instead of dropping them.
 *
 * @example
 * ```ts
 * outcomes.push(...(await carriedOver('bench/results/latest.json', outcomes)));
 * ```
 */
export async function carriedOver(
  latestJson: string,
  ran: readonly ScenarioOutcome[],
): Promise<ScenarioOutcome[]> {
  let previous: RunReport;
  try {
    previous = JSON.parse(await readFile(latestJson, 'utf8')) as RunReport;
  } catch {
    return [];
  }
  return previous.scenarios
    .filter((p) => !ran.some((o) => o.name === p.name))
    .map((p) => ({
      ...p,
      carriedFrom: p.carriedFrom ?? `${previous.date}${previous.quick ? ' (quick)' : ''}`,
    }));
}
