import { mkdir, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';

/**
 * Writes a run's report (of `npm run bench` or `npm run chaos`) as JSON into `dir`, twice: as
 * `<date>[-quick].json` and as `latest.json`, and its Markdown page to `page`. Returns the
 * stamped file, relative to `root`, for the closing line.
 *
 * @example
 * ```ts
 * const file = await writeRunResults({ root, dir: 'chaos/results', date, quick, report: run,
 *   page: 'docs/reliability.md', markdown: reliabilityMarkdown(run) });
 * ```
 */
export async function writeRunResults(options: {
  readonly root: string;
  /** The results folder, relative to `root`. */
  readonly dir: string;
  /** The run's date (ISO): the stamp of its file. */
  readonly date: string;
  readonly quick: boolean;
  readonly report: unknown;
  /** The Markdown page, relative to `root`, and its text. */
  readonly page: string;
  readonly markdown: string;
}): Promise<string> {
  const results = resolve(options.root, options.dir);
  await mkdir(results, { recursive: true });
  const json = `${JSON.stringify(options.report, null, 2)}\n`;
  const stamp = options.date.replace(/[:.]/g, '-');
  const file = resolve(results, `${stamp}${options.quick ? '-quick' : ''}.json`);
  await writeFile(file, json);
  await writeFile(resolve(results, 'latest.json'), json);
  await writeFile(resolve(options.root, options.page), options.markdown);
  return relative(options.root, file);
}
