import type { ScorecardSnapshot } from '@rendezvous-ml/scorecard';

const pct = (x: number | null | undefined): string =>
  x == null || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`;
const psi = (x: number | null | undefined): string =>
  x == null || Number.isNaN(x) ? '–' : x.toFixed(3);

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * A scorecard snapshot (`GET /scorecard`) as the text `iris scorecard` prints: for one window,
 * each model's answers, agreement with the reference (95% Wilson interval) and output PSI, then
 * the input PSI of each feature. The JSON has everything; this is what a person reads first.
 *
 * @example
 * ```ts
 * console.log(formatScorecard(await (await fetch(`${url}/scorecard`)).json(), '1m'));
 * ```
 */
export function formatScorecard(snapshot: ScorecardSnapshot, window = '1m'): string {
  const w = snapshot.windows.find((x) => x.window === window) ?? snapshot.windows[0];
  if (!w) return 'no window in this scorecard';
  const ref = snapshot.shiftReference;
  const lines = [
    `Scorecard, window ${w.window}: ${w.results} results (${w.answered} answered, ${w.failed} failed); ` +
      `agreement reference ${snapshot.reference ?? '–'}; shift reference ${ref.ready ? `ready (${ref.results} results)` : `filling (${ref.results})`}`,
    '',
    ...table([
      [
        'model',
        'chosen',
        'ok',
        'errors',
        'late',
        'p99 ms',
        'agreement',
        '95% interval',
        'output PSI',
      ],
      ...w.models.map((m) => [
        m.model,
        String(m.chosen),
        String(m.ok),
        String(m.errors),
        String(m.late),
        m.latencyMs ? m.latencyMs.p99.toFixed(1) : '–',
        m.agreement ? pct(m.agreement.rate) : 'reference',
        m.agreement ? `${pct(m.agreement.interval.low)}–${pct(m.agreement.interval.high)}` : '',
        psi(m.outputShift?.psi),
      ]),
    ]),
    '',
    ...table([
      ['input feature', 'PSI', 'samples'],
      ...w.inputShift.map((f) => [f.feature, psi(f.psi), String(f.samples)]),
    ]),
  ];
  return lines.join('\n');
}
