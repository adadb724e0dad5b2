import { describe, expect, it } from 'vitest';
import { checkMetrics } from './support/promlint.js';

// The linter the exposition tests rely on must catch what promtool catches.
const family = (name: string, type: string, lines: string[], help = 'some help') =>
  [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines].join('\n');

describe('the promtool-style linter of the tests', () => {
  it.each([
    [family('jobs', 'counter', ['jobs 1']), 'counter metrics should have "_total" suffix'],
    [
      family('jobs_total', 'gauge', ['jobs_total 1']),
      'non-counter metrics should not have "_total" suffix',
    ],
    [family('wait_milliseconds', 'gauge', ['wait_milliseconds 1']), 'use base unit "seconds"'],
    [family('wait_ms', 'gauge', ['wait_ms 1']), 'abbreviated units'],
    [family('queueDepth', 'gauge', ['queueDepth 1']), 'camelCase'],
    [family('depth', 'gauge', ['depth 1'], ''), 'no help text'],
    [family('depth', 'gauge', ['depth{a="1"} 1', 'depth{a="1"} 2']), 'duplicate series'],
    [family('depth_gauge', 'gauge', ['depth_gauge 1']), "should not include type 'gauge'"],
    [family('depth', 'gauge', ['depth{le="1"} 1']), 'should not have "le" label'],
    [
      family('t_seconds', 'histogram', [
        't_seconds_bucket{s="a",le="1"} 2',
        't_seconds_bucket{s="a",le="+Inf"} 1',
        't_seconds_sum{s="a"} 1',
        't_seconds_count{s="a"} 1',
      ]),
      'not cumulative',
    ],
    [
      `${family('a', 'gauge', ['a 1'])}\n${family('b', 'gauge', ['b 1'])}\n${family('a', 'gauge', [])}`,
      'family appears twice',
    ],
  ])('reports %#: %s', async (text, problem) => {
    const { problems } = await checkMetrics(text);
    expect(problems.join('\n')).toContain(problem);
  });

  it('rejects a malformed sample line', async () => {
    await expect(checkMetrics(family('a', 'gauge', ['a{b=1} 1']))).rejects.toThrow();
  });

  it('passes a clean exposition', async () => {
    const text = family('jobs_total', 'counter', ['jobs_total{q="a"} 1', 'jobs_total{q="b"} 2']);
    expect((await checkMetrics(text)).problems).toEqual([]);
  });
});
