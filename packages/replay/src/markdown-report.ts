import type { AgreementFigure, ConfusionMatrix, ModelDiff } from './diff-report.js';
import type { ReplayReport } from './replay-report.js';

const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const ms = (x: number | undefined): string =>
  x === undefined ? '–' : `${Number(x.toFixed(2))} ms`;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const json = (v: unknown): string => cell(JSON.stringify(v) ?? 'undefined');

function agreementRow(reference: string, a: AgreementFigure): string {
  const [lo, hi] = a.interval95;
  const interval = a.compared === 0 ? '–' : `${pct(lo)} – ${pct(hi)}`;
  return `| ${cell(reference)} | ${a.agreed} / ${a.compared} | ${pct(a.rate)} | ${interval} |`;
}

function confusionTable(m: ConfusionMatrix, model: string): string[] {
  if (m.omitted) return [`Confusion matrix against ${m.against}: omitted, ${m.omitted}.`, ''];
  if (m.total === 0) return [`Confusion matrix against ${m.against}: nothing to compare.`, ''];
  const head = `| ${cell(m.against)} ↓ / ${cell(model)} → | ${m.labels.map(cell).join(' | ')} | total |`;
  const rule = `| --- | ${m.labels.map(() => '---:').join(' | ')} | ---: |`;
  const rows = m.labels.map((label, i) => {
    const row = m.counts[i] ?? [];
    const sum = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n, j) => (i === j ? `**${n}**` : String(n)));
    return `| ${cell(label)} | ${cells.join(' | ')} | ${sum} |`;
  });
  return [
    `Confusion matrix against production (${m.total} requests both answered):`,
    '',
    head,
    rule,
    ...rows,
    '',
  ];
}

function modelSection(m: ModelDiff): string[] {
  const lines = [`## ${m.model}`, ''];
  const errorCodes = Object.entries(m.errorsByCode)
    .map(([code, n]) => `${code} × ${n}`)
    .join(', ');
  lines.push(
    `Scores: **${m.ok} ok**, ${m.errors} errors${errorCodes ? ` (${errorCodes})` : ''}, ${m.missing} missing (no score before the deadline).`,
    '',
  );
  const l = m.latencyMs;
  lines.push(
    l
      ? `Latency (${l.count} scores): p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ${ms(l.max)}, mean ${ms(l.mean)}.`
      : 'Latency: no scores.',
    '',
  );
  lines.push(
    '| agreement with | agreed / compared | rate | 95 % interval (Wilson) |',
    '| --- | ---: | ---: | --- |',
  );
  for (const [reference, a] of Object.entries(m.agreement)) lines.push(agreementRow(reference, a));
  lines.push(agreementRow('answer given (results archive)', m.agreementWithChosen), '');
  if (m.confusion) lines.push(...confusionTable(m.confusion, m.model));
  if (m.disagreements.length > 0) {
    lines.push(`First ${m.disagreements.length} disagreements with production:`, '');
    lines.push('| request | input | production | replayed |', '| --- | --- | --- | --- |');
    for (const d of m.disagreements)
      lines.push(
        `| ${cell(d.requestId)} | ${json(d.input)} | ${json(d.production)} | ${json(d.replayed)} |`,
      );
    lines.push('');
  }
  return lines;
}

/**
 * Renders a {@link ReplayReport} as a Markdown page a person can read: what was replayed (and
 * that every request is accounted for), then per new version its scores, latency, agreement with
 * each archived model and with the answer given, the confusion matrix against production and the
 * first disagreements.
 *
 * @example
 * ```ts
 * await writeFile('replay-report.md', renderMarkdownReport(report));
 * ```
 */
export function renderMarkdownReport(report: ReplayReport): string {
  const a = report.accounting;
  const f = report.filter;
  const window = [
    f.since ? `since ${f.since}` : undefined,
    f.until ? `until ${f.until}` : undefined,
    f.limit !== undefined ? `limit ${f.limit}` : undefined,
  ].filter(Boolean);
  const lines = [
    `# Replay report: ${report.newModels.join(', ')}`,
    '',
    `Replayed on namespace \`${report.namespace}\` from ${report.startedAt} to ${report.finishedAt} (${(report.durationMs / 1000).toFixed(1)} s)${report.rate === null ? '' : `, at most ${report.rate} requests/s`}.`,
    `Archived inputs: ${window.length > 0 ? window.join(', ') : 'all'}. Production model: **${report.production ?? 'none archived'}**; archived models: ${report.archivedModels.join(', ') || 'none'}.`,
    '',
    '| archived inputs selected | replayed | of which resumed from an earlier run | failed as a whole | without archived scores | with an archived result |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${a.selected} | ${a.replayed} | ${a.resumed} | ${a.failed} | ${a.withoutArchivedAnswers} | ${a.withArchivedResult} |`,
    '',
    a.replayed === a.selected
      ? 'Every selected request was replayed exactly once.'
      : `**${a.selected - a.replayed} selected requests were not replayed** (the run was stopped): run it again with --resume.`,
    '',
  ];
  for (const model of report.newModels) {
    const m = report.models[model];
    if (m) lines.push(...modelSection(m));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
