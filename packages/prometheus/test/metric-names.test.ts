import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS, RendezvousMetrics } from '../src/index.js';
import { type Deployment, deployment } from './support/deployment.js';
import { checkMetrics } from './support/promlint.js';

const README = new URL('../README.md', import.meta.url);

/** The rows of the README's metric tables: name, type, labels. */
async function readmeMetrics() {
  const text = await readFile(README, 'utf8');
  const rows = text.split('\n').filter((l) => /^\| `rendezvous_/.test(l));
  return rows.map((row) => {
    const [name = '', type = '', labels = ''] = row
      .split(/(?<!\\)\|/)
      .slice(1)
      .map((c) => c.trim());
    return {
      name: name.replaceAll('`', ''),
      type,
      labels: labels === '—' ? [] : labels.split(',').map((l) => l.trim().replaceAll('`', '')),
    };
  });
}

const documented = () =>
  METRICS.map((m) => ({ name: m.name, type: m.type, labels: [...m.labels] }));

describe('the documented metrics', () => {
  it('are exactly the README tables: names, types and labels, in order', async () => {
    expect(await readmeMetrics()).toEqual(documented());
  });

  it('follow the naming conventions: rendezvous_ prefix, _total counters, base units, bounded labels', () => {
    const allowedLabels = new Set(['status', 'model', 'version', 'outcome', 'trigger', 'archiver']);
    for (const l of ['window', 'feature', 'kind', 'state']) allowedLabels.add(l);
    for (const m of METRICS) {
      expect(m.name, m.name).toMatch(/^rendezvous_[a-z0-9_]+$/);
      expect(m.name.endsWith('_total'), m.name).toBe(m.type === 'counter');
      expect(m.name, m.name).not.toMatch(/_(ms|milliseconds|minutes|percent)(_|$)/);
      if (m.type === 'histogram') expect(m.name, m.name).toMatch(/_seconds$/);
      for (const l of m.labels) expect(allowedLabels.has(l), `${m.name}{${l}}`).toBe(true);
      expect(m.help.length, m.name).toBeGreaterThan(10);
    }
    expect(new Set(METRICS.map((m) => m.name)).size).toBe(METRICS.length);
  });
});

describe('the exposition of a whole deployment', () => {
  let d: Deployment;
  let text: string;

  beforeAll(async () => {
    d = await deployment();
    // Answers from dt and lr, errors from lr (negative inputs), then a scorecard snapshot.
    expect(await d.send([1, 2, 3, -1, -2, 4, 5])).toEqual(Array(7).fill('answered'));
    d.scorecard.snapshot();
    text = await d.registry.metrics();
  });

  afterAll(async () => {
    await d?.stop();
  });

  it('parses with prom2javascript and passes promtool-style linting', async () => {
    const { families, problems } = await checkMetrics(text);
    expect(problems).toEqual([]);
    expect(families.length).toBe(METRICS.length);
  });

  it('registers exactly the documented metrics, with their types and label names', async () => {
    const { families } = await checkMetrics(text);
    const exposed = families
      .map((f) => {
        const labels = new Set<string>();
        for (const s of f.data) for (const l of Object.keys(s.labels)) labels.add(l);
        labels.delete('le');
        return { name: f.name, type: f.type, labels: [...labels].sort() };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const expected = documented()
      .map((m) => ({ ...m, labels: [...m.labels].sort() }))
      .sort((a, b) => a.name.localeCompare(b.name));
    // A family without samples yet shows no labels: compare those on names and types only.
    expect(exposed.map(({ name, type }) => ({ name, type }))).toEqual(
      expected.map(({ name, type }) => ({ name, type })),
    );
    for (const e of exposed) {
      if (e.labels.length === 0) continue;
      expect(e.labels, e.name).toEqual(expected.find((m) => m.name === e.name)?.labels);
    }
  });

  it('never labels a series with a request id or a worker instance', () => {
    const ids = [d.rendezvous.instanceId, ...d.workers.map((w) => w.model.instance)];
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).not.toMatch(/request_?id|instance=/i);
  });

  it('a second RendezvousMetrics on the same registry fails loudly (names are taken)', () => {
    expect(() => new RendezvousMetrics({ registry: d.registry })).toThrow(
      /already been registered/,
    );
    expect(() => new RendezvousMetrics({ registry: new Registry() })).not.toThrow();
  });
});
