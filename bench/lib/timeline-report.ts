import type { Measurement } from './types.js';

const esc = (s: string) => s.replace(/\|/g, '\\|');

/**
 * The Markdown of a measurement's `notes` (a list) and `timeline` (a table of answers per model
 * version and failures, one row per second, folded in a `<details>`); empty when it has neither.
 *
 * @example
 * ```ts
 * lines.push(...timelineMarkdown(measurement));
 * ```
 */
export function timelineMarkdown(m: Measurement): string[] {
  if (!m.notes?.length && !m.timeline?.length) return [];
  const out: string[] = [`**${esc(m.variant)}**`, ''];
  if (m.notes?.length) out.push(...m.notes.map((n) => `- ${esc(n)}`), '');
  const timeline = m.timeline ?? [];
  if (timeline.length === 0) return out;
  const versions = [...new Set(timeline.flatMap((b) => Object.keys(b.answers)))].sort();
  out.push(
    '<details><summary>Answers per version and latency, per second of send time (first run)</summary>',
    '',
    `| s | ${versions.join(' | ')} | failed | p50 ms | p99 ms |`,
    `| ---: | ${versions.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`,
    ...timeline.map(
      (b) =>
        `| ${b.s} | ${versions.map((v) => b.answers[v] ?? 0).join(' | ')} | ${b.failed ? `**${b.failed}**` : 0} | ${b.p50Ms ?? '–'} | ${b.p99Ms ?? '–'} |`,
    ),
    '',
    '</details>',
    '',
  );
  return out;
}
