// The Rendezvous dashboard page: reads one snapshot per second from the server-sent events
// endpoint (`events`, relative to the page's <base>) and draws every panel. Charts are uPlot's
// (served by the dashboard from node_modules); tables and figures are plain DOM, filled with
// textContent only.
(() => {
  const { $, charts, fill, keysOf, num, NO_SCORECARD, pct, text, time, timeSeries } =
    window.DashboardKit;

  function renderRequests(s, xs) {
    const h = s.history;
    const last = h[h.length - 1];
    const stats = s.frontEnd.stats;
    text('rps', last ? num(last.requestsPerSecond) : '–');
    text('answered', stats.answered);
    text('failed', stats.failed);
    text('deadline-exceeded', stats.deadlineExceeded);
    text('overloaded', stats.overloaded);
    text('in-flight', stats.inFlight);
    text('late-scores', stats.lateScores);
    timeSeries(
      'chart-requests',
      xs,
      [
        { label: 'requests/s', values: h.map((p) => p.requestsPerSecond) },
        { label: 'answered/s', values: h.map((p) => p.outcomes.answered) },
        { label: 'failed/s', values: h.map((p) => p.outcomes.failed) },
        { label: 'deadline exceeded/s', values: h.map((p) => p.outcomes.deadlineExceeded) },
        { label: 'overloaded/s', values: h.map((p) => p.outcomes.overloaded) },
      ],
      { unit: 'per second', digits: 1 },
    );
  }

  function renderAnswers(s, xs) {
    const h = s.history;
    const models = keysOf(h, (p) => p.answers);
    for (const m of s.scorecard?.models ?? []) if (!models.includes(m.model)) models.push(m.model);
    timeSeries(
      'chart-answers',
      xs,
      models.map((m) => ({ label: m, values: h.map((p) => p.answers[m] ?? 0) })),
      { unit: 'answers/s', digits: 1 },
    );
    const last = h[h.length - 1];
    const figures = new Map((s.scorecard?.models ?? []).map((m) => [m.model, m]));
    fill(
      'answers-table',
      models.map((m) => {
        const f = figures.get(m);
        return [
          m,
          num(last?.answers[m] ?? 0),
          f?.chosen ?? '–',
          f?.candidates ?? '–',
          f?.errors ?? '–',
          f?.timeouts ?? '–',
        ];
      }),
      'no answers yet',
    );
  }

  function renderLatency(s, xs) {
    const h = s.history;
    const models = keysOf(h, (p) => p.latency);
    const series = [];
    for (const m of models) {
      series.push({ label: `${m} p50`, values: h.map((p) => p.latency[m]?.p50 ?? null) });
      series.push({
        label: `${m} p99`,
        values: h.map((p) => p.latency[m]?.p99 ?? null),
        dash: [6, 4],
      });
    }
    timeSeries('chart-latency', xs, series, { unit: 'ms', digits: 2 });
    for (const el of document.querySelectorAll('.window-name'))
      el.textContent = s.scorecard ? `${s.scorecard.window}, as of ${time(s.scorecard.at)}` : '–';
    fill(
      'latency-table',
      (s.scorecard?.models ?? [])
        .filter((m) => m.latencyMs)
        .map((m) => [
          m.model,
          m.latencyMs.count,
          num(m.latencyMs.p50, 2),
          num(m.latencyMs.p95, 2),
          num(m.latencyMs.p99, 2),
          num(m.latencyMs.max, 2),
        ]),
      s.scorecard ? 'no scores in the window yet' : NO_SCORECARD,
    );
  }

  function renderAgreement(s, xs) {
    const h = s.history;
    const models = keysOf(h, (p) => p.agreement);
    const series = [];
    for (const m of models) {
      series.push({ label: `${m} agreement`, values: h.map((p) => p.agreement[m]?.rate ?? null) });
      series.push({
        label: `${m} high`,
        values: h.map((p) => p.agreement[m]?.high ?? null),
        band: 'high',
      });
      series.push({
        label: `${m} low`,
        values: h.map((p) => p.agreement[m]?.low ?? null),
        band: 'low',
      });
    }
    // Each band is drawn between the two series that follow its rate.
    timeSeries('chart-agreement', xs, series, { unit: 'agreement', digits: 3, range: [0, 1] });
    text('reference', s.scorecard?.reference ?? 'none yet');
    fill(
      'agreement-table',
      (s.scorecard?.models ?? [])
        .filter((m) => m.agreement)
        .map((m) => [
          m.model,
          pct(m.agreement.rate),
          `${pct(m.agreement.interval.low)} – ${pct(m.agreement.interval.high)}`,
          m.agreement.compared,
        ]),
      s.scorecard ? 'nothing compared yet' : NO_SCORECARD,
    );
  }

  function renderShift(s, xs) {
    const h = s.history;
    const features = keysOf(h, (p) => p.inputShift);
    const outputs = keysOf(h, (p) => p.outputShift);
    timeSeries(
      'chart-shift',
      xs,
      [
        ...features.map((f) => ({
          label: `input ${f}`,
          values: h.map((p) => p.inputShift[f] ?? null),
        })),
        ...outputs.map((m) => ({
          label: `output ${m}`,
          values: h.map((p) => p.outputShift[m] ?? null),
          dash: [6, 4],
        })),
      ],
      { unit: 'PSI', digits: 3 },
    );
    const ref = s.scorecard?.shiftReference;
    text(
      'shift-reference',
      ref
        ? ref.ready
          ? `ready (${ref.results} results)`
          : `building (${ref.results} results so far)`
        : NO_SCORECARD,
    );
    fill(
      'shift-table',
      [
        ...(s.scorecard?.inputShift ?? []).map((f) => [
          `input ${f.feature}`,
          num(f.psi, 3),
          f.samples,
        ]),
        ...(s.scorecard?.models ?? [])
          .filter((m) => m.outputShift)
          .map((m) => [`output ${m.model}`, num(m.outputShift.psi, 3), m.outputShift.samples]),
      ],
      ref && !ref.ready ? 'waiting for the reference window' : 'no shift figures',
    );
  }

  function renderAlarms(s) {
    const { firing, recent } = s.alarms;
    text('alarms-firing-count', firing.length);
    const about = (a) => a.model ?? a.feature ?? '–';
    fill(
      'alarms-table',
      firing.map((a) => [
        a.kind,
        a.reference ? `${about(a)} vs ${a.reference}` : about(a),
        a.window,
        num(a.value, 3),
        num(a.threshold, 3),
        a.sampleSize,
        a.interval ? `${num(a.interval.low, 3)} – ${num(a.interval.high, 3)}` : '–',
        time(a.at),
      ]),
      'no alarm firing',
      () => 'firing',
    );
    const list = document.createDocumentFragment();
    for (const a of [...recent].reverse()) {
      const li = document.createElement('li');
      li.textContent = `${time(a.at)} ${a.state} ${a.kind} ${about(a)} (${a.window}): ${num(a.value, 3)} vs ${num(a.threshold, 3)}, n=${a.sampleSize}`;
      list.append(li);
    }
    $('alarms-recent').replaceChildren(list);
  }

  function renderArchivers(s, xs) {
    const h = s.history;
    const names = keysOf(h, (p) => p.archivers);
    timeSeries(
      'chart-archivers',
      xs,
      names.map((n) => ({
        label: `${n} records/s`,
        values: h.map((p) => p.archivers[n]?.throughput ?? null),
      })),
      { unit: 'records/s', digits: 1 },
    );
    timeSeries(
      'chart-archiver-lag',
      xs,
      names.map((n) => ({ label: `${n} lag`, values: h.map((p) => p.archivers[n]?.lag ?? null) })),
      { unit: 'records behind', digits: 0 },
    );
    fill(
      'archivers-table',
      s.archivers.map((a) => [
        a.name,
        a.stats.archived,
        num(a.throughput),
        a.lagSource === 'pending' ? `${a.lag} pending` : a.lag,
        a.stats.deadLettered,
        a.stats.failedBatches,
      ]),
      'no archiver',
    );
  }

  function renderPolicy(s) {
    const { policy, liveModels, instanceId } = s.frontEnd;
    text('policy-name', policy.name);
    text('policy-version', policy.version ?? 'none (set in code)');
    text('live-models', liveModels.length > 0 ? liveModels.join(', ') : 'none');
    text('instance-id', instanceId ?? '–');
    const r = s.rollout;
    text(
      'rollout-stage',
      r
        ? `${r.stage} (stage ${r.stageIndex + 1}) of ${r.candidate} over ${r.current}`
        : 'no rollout',
    );
    text('rollout-event', r ? `${r.type}${r.reason ? `: ${r.reason}` : ''} at ${time(r.at)}` : '–');
    const problems = document.createDocumentFragment();
    for (const p of s.problems) {
      const li = document.createElement('li');
      li.textContent = p;
      problems.append(li);
    }
    $('problems').replaceChildren(problems);
  }

  function render(s) {
    const xs = s.history.map((p) => p.t / 1000);
    renderRequests(s, xs);
    renderAnswers(s, xs);
    renderLatency(s, xs);
    renderAgreement(s, xs);
    renderShift(s, xs);
    renderAlarms(s);
    renderArchivers(s, xs);
    renderPolicy(s);
    const status = $('status');
    status.classList.remove('lost');
    status.textContent = `live — snapshot ${s.seq} at ${time(s.at)}`;
    document.body.dataset.seq = String(s.seq);
  }

  // The first message of a connection carries the whole history; each next one, its new point.
  let history = [];
  function connect() {
    const source = new EventSource('events');
    source.onmessage = (event) => {
      const s = JSON.parse(event.data);
      if (s.history) history = s.history;
      else if (s.point) {
        history.push(s.point);
        if (history.length > s.historyPoints) history.splice(0, history.length - s.historyPoints);
      }
      render({ ...s, history });
    };
    // EventSource reconnects by itself (the server asks for 2 s).
    source.onerror = () => {
      const status = $('status');
      status.classList.add('lost');
      status.textContent = 'connection lost — reconnecting…';
    };
  }

  new ResizeObserver(() => {
    for (const [id, { plot }] of charts)
      plot.setSize({ width: Math.max($(id).clientWidth, 300), height: 220 });
  }).observe(document.querySelector('main'));

  connect();
})();
