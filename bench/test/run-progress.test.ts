import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { formatSeconds, RunProgress } from '../lib/run-progress.js';

function progress(total = 3, everyMs = 10_000) {
  const clock = new VirtualClock(0);
  const lines: string[] = [];
  const p = new RunProgress({ label: 'bench', total, clock, everyMs, write: (l) => lines.push(l) });
  return { clock, lines, p };
}

describe('RunProgress (the progress lines of a bench or chaos run)', () => {
  it('says which scenario of how many starts, and how far into the run', async () => {
    const { clock, lines, p } = progress();
    await clock.advance(75_000);
    p.start('redis');
    expect(lines.at(-1)).toBe('\n▶ bench 1/3: redis (1m15s into the run)');
    p.log('redis-server on redis://127.0.0.1:1');
    expect(lines.at(-1)).toBe('bench 1/3 redis: redis-server on redis://127.0.0.1:1');
  });

  it('a long scenario never goes quiet: a line every 10 s while it runs, none after it ended', async () => {
    const { clock, lines, p } = progress();
    p.start('kafka');
    await clock.advance(9_999);
    expect(lines).toHaveLength(1);
    await clock.advance(1);
    expect(lines.at(-1)).toBe('  … bench 1/3 kafka still running: 10.0 s (run 10.0 s)');
    await clock.advance(50_000);
    expect(lines.filter((l) => l.includes('still running'))).toHaveLength(6);
    expect(lines.at(-1)).toBe('  … bench 1/3 kafka still running: 1m00s (run 1m00s)');
    p.end('kafka', 'ran');
    expect(lines.at(-1)).toBe('  bench 1/3 kafka: ran (1m00s)');
    const count = lines.length;
    await clock.advance(60_000);
    expect(lines).toHaveLength(count);
    expect(clock.pendingTimers).toBe(0);
  });

  it('the next scenario restarts the count; the summary gives the counts by status and the total', async () => {
    const { clock, lines, p } = progress(3);
    p.start('memory');
    await clock.advance(2_000);
    p.end('memory', 'ran');
    p.start('redis');
    p.end('redis', 'skipped', 'redis-server could not start: ENOENT');
    expect(lines.at(-1)).toBe(
      '  bench 2/3 redis: skipped: redis-server could not start: ENOENT (0.0 s)',
    );
    p.start('kafka');
    await clock.advance(10_000);
    expect(lines.at(-1)).toContain('bench 3/3 kafka still running: 10.0 s (run 12.0 s)');
    p.end('kafka', 'failed', 'boom');
    expect(p.summary()).toBe('bench: 3 of 3 scenarios in 12.0 s: 1 ran, 1 skipped, 1 failed');
    expect(lines.at(-1)).toBe('bench: 3 of 3 scenarios in 12.0 s: 1 ran, 1 skipped, 1 failed');
  });

  it('a run stopped early says how many of the scenarios ended', () => {
    const { p } = progress(5);
    p.start('memory');
    p.end('memory', 'ran');
    expect(p.summary()).toBe('bench: 1 of 5 scenarios in 0.0 s: 1 ran');
  });

  it('formatSeconds: seconds under a minute, minutes and seconds above', () => {
    expect(formatSeconds(3_140)).toBe('3.1 s');
    expect(formatSeconds(59_900)).toBe('59.9 s');
    expect(formatSeconds(61_000)).toBe('1m01s');
    expect(formatSeconds(3_600_000)).toBe('60m00s');
  });
});

describe('RunProgress in a real process', () => {
  it('the "still running" lines come on time even while the scenario keeps the main thread busy', () => {
    const fixture = fileURLToPath(new URL('./fixtures/busy-scenario.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(''); // progress is on stderr only
    const lines = run.stderr.split('\n');
    const ended = lines.findIndex((l) => l.includes('bench 1/1 busy: ran'));
    expect(ended).toBeGreaterThan(0);
    const ticks = lines.slice(0, ended).filter((l) => l.includes('bench 1/1 busy still running'));
    // 1.5 s at one line per 200 ms is 7; a loaded machine may lose some, never all.
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks[0]).toMatch(/^ {2}… bench 1\/1 busy still running: \d+\.\d s \(run \d+\.\d s\)$/);
    expect(lines.slice(ended + 1).some((l) => l.includes('still running'))).toBe(false);
    expect(lines.some((l) => /^bench: 1 of 1 scenarios in \d+\.\d s: 1 ran$/.test(l))).toBe(true);
  }, 60_000);
});
