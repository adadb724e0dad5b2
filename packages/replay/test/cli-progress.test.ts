import { VirtualClock } from '@rendezvous-ml/core';
import { describe, expect, it } from 'vitest';
import { cliProgress } from '../src/cli-progress.js';
import type { ReplayProgress } from '../src/replay-options.js';

const report = (replayed: number, elapsedMs: number, finished = false): ReplayProgress => ({
  selected: finished ? replayed : replayed + 10,
  replayed,
  resumed: 0,
  inFlight: finished ? 0 : 10,
  failed: 0,
  elapsedMs,
  ratePerSecond: elapsedMs > 0 ? (replayed * 1000) / elapsedMs : 0,
  finished,
});

function setup() {
  const clock = new VirtualClock(0);
  const lines: string[] = [];
  const progress = cliProgress((s) => lines.push(s), clock, 2_000);
  return { clock, lines, progress };
}

describe('the replay CLI progress (stderr, by time)', () => {
  it('before any request settles, a line every 2 s says it is still at it', async () => {
    const { clock, lines, progress } = setup();
    await clock.advance(1_999);
    expect(lines).toEqual([]);
    await clock.advance(1);
    expect(lines).toEqual([
      'replay: no request settled yet (2.0 s: reading the archive, waiting for the models)\n',
    ]);
    await clock.advance(4_000);
    expect(lines).toHaveLength(3);
    progress.stop();
  });

  it('the first report prints, then at most one line per 2 s however many requests settle', async () => {
    const { clock, lines, progress } = setup();
    progress.onProgress(report(1, 10));
    expect(lines).toEqual([
      'replay: 1/11+ requests (0 resumed, 0 failed, 10 in flight), 100.0/s, 0.0 s\n',
    ]);
    for (let i = 2; i <= 500; i++) progress.onProgress(report(i, 1_000));
    expect(lines).toHaveLength(1);
    await clock.advance(2_000); // the latest figures, not the first ones
    expect(lines.at(-1)).toBe(
      'replay: 500/510+ requests (0 resumed, 0 failed, 10 in flight), 500.0/s, 1.0 s\n',
    );
    progress.onProgress(report(900, 2_000));
    expect(lines).toHaveLength(2);
    await clock.advance(1_000);
    progress.onProgress(report(950, 3_000));
    expect(lines).toHaveLength(2);
    await clock.advance(1_000);
    expect(lines.at(-1)).toBe(
      'replay: 950/960+ requests (0 resumed, 0 failed, 10 in flight), 316.7/s, 3.0 s\n',
    );
    progress.stop();
  });

  it('a stalled replay repeats its last figures with the time it has run', async () => {
    const { clock, lines, progress } = setup();
    progress.onProgress(report(40, 500));
    await clock.advance(6_000);
    expect(lines.at(-1)).toBe(
      'replay: 40/50+ requests (0 resumed, 0 failed, 10 in flight), 80.0/s, 0.5 s (still running: 6.0 s)\n',
    );
    progress.stop();
  });

  it('the last report always prints, and nothing comes after it', async () => {
    const { clock, lines, progress } = setup();
    progress.onProgress(report(1, 10));
    progress.onProgress(report(200, 900, true));
    expect(lines.at(-1)).toBe(
      'replay: 200/200 requests (0 resumed, 0 failed, 0 in flight), 222.2/s, 0.9 s\n',
    );
    const count = lines.length;
    await clock.advance(10_000);
    progress.onProgress(report(201, 1_000));
    expect(lines).toHaveLength(count);
    expect(clock.pendingTimers).toBe(0);
  });
});
