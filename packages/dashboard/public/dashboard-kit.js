// Helpers of the dashboard page (dashboard.js): number formats, uPlot time-series charts and
// table filling, on one global, `DashboardKit`. Tables and figures are filled with textContent
// only.
window.DashboardKit = (() => {
  const COLORS = [
    '#2f6fdf',
    '#d9480f',
    '#2b8a3e',
    '#9c36b5',
    '#e67700',
    '#0c8599',
    '#c2255c',
    '#5c940d',
  ];
  const charts = new Map(); // element id -> { plot, signature }
  const NO_SCORECARD = 'no scorecard snapshot (yet)';

  const $ = (id) => document.getElementById(id);
  const num = (x, digits = 1) =>
    x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(digits);
  const pct = (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
  const time = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
  const text = (id, value) => {
    const el = $(id);
    if (el.textContent !== String(value)) el.textContent = String(value);
  };

  /** Every key of `pick(point)` over the history, sorted, so each one gets a stable series. */
  function keysOf(history, pick) {
    const keys = new Set();
    for (const p of history) for (const k of Object.keys(pick(p))) keys.add(k);
    return [...keys].sort();
  }

  /**
   * Draws a time series chart in the element `id`: `series` is a list of
   * { label, values, dash?, band? } (values aligned with `xs`, seconds). The chart is made
   * again only when its series change; otherwise its data is replaced.
   */
  function timeSeries(id, xs, series, options = {}) {
    const el = $(id);
    const signature = series.map((s) => s.label).join('|');
    let entry = charts.get(id);
    if (entry && entry.signature !== signature) {
      entry.plot.destroy();
      entry = undefined;
    }
    const data = [xs, ...series.map((s) => s.values)];
    if (!entry) {
      // A band's two series take the colour of the rate they follow.
      let color = -1;
      const strokes = series.map((s) => COLORS[(s.band ? color : ++color) % COLORS.length]);
      const config = series.map((s, i) => {
        const stroke = strokes[i];
        return {
          label: s.label,
          stroke: s.band ? `${stroke}55` : stroke,
          width: s.band ? 1 : 2,
          dash: s.dash,
          spanGaps: true,
          value: (_u, v) => (v === null || v === undefined ? '–' : num(v, options.digits ?? 2)),
        };
      });
      const bands = [];
      series.forEach((s, i) => {
        if (s.band === 'high' && series[i + 1]?.band === 'low')
          bands.push({ series: [i + 1, i + 2], fill: `${strokes[i]}22` });
      });
      const plot = new uPlot(
        {
          width: Math.max(el.clientWidth, 300),
          height: 220,
          series: [{}, ...config],
          bands,
          scales: { y: options.range ? { range: options.range } : { auto: true } },
          axes: [{}, { label: options.unit ?? '', size: 60 }],
          legend: { live: true },
        },
        data,
        el,
      );
      entry = { plot, signature };
      charts.set(id, entry);
    } else {
      entry.plot.setData(data);
    }
    el.dataset.points = String(xs.length);
    el.dataset.series = String(series.length);
  }

  /** Replaces the rows of a table's body; `rows` are arrays of cell texts. */
  function fill(tableId, rows, empty, rowClass) {
    const body = $(tableId).tBodies[0];
    const cells = document.createDocumentFragment();
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = $(tableId).tHead.rows[0].cells.length;
      td.className = 'empty';
      td.textContent = empty;
      tr.append(td);
      cells.append(tr);
    }
    rows.forEach((row, i) => {
      const tr = document.createElement('tr');
      if (rowClass) tr.className = rowClass(i);
      for (const value of row) {
        const td = document.createElement('td');
        td.textContent = String(value);
        tr.append(td);
      }
      cells.append(tr);
    });
    body.replaceChildren(cells);
  }

  return { $, charts, fill, keysOf, num, NO_SCORECARD, pct, text, time, timeSeries };
})();
