import { AuthenticationError, ConnectionLostError, VirtualClock } from '@rendezvous-ml/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startWithRetry } from '../src/start-with-retry.js';

/** A pino logger that keeps its lines. */
function recordingLogger(): { logger: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
  );
  return { logger, lines };
}

const transient = () =>
  new ConnectionLostError(
    'kafka: ensureGroup archiver:results on results failed (UNKNOWN_TOPIC_OR_PARTITION, transient): This server does not host this topic-partition',
  );

describe('startWithRetry', () => {
  it('retries a transient start failure with backoff and logs each failed attempt', async () => {
    const clock = new VirtualClock(0);
    const { logger, lines } = recordingLogger();
    let calls = 0;
    const started = startWithRetry(
      async () => {
        calls++;
        if (calls < 3) throw transient();
        return 'running';
      },
      { what: 'results archiver', logger, clock, initialDelayMs: 500 },
    );
    await clock.advance(60_000);
    await expect(started).resolves.toBe('running');
    expect(calls).toBe(3);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([
      'results archiver failed to start; retrying with backoff',
      'results archiver failed to start; retrying with backoff',
    ]);
  });

  it('waits between attempts, on the clock it is given', async () => {
    const clock = new VirtualClock(0);
    const { logger } = recordingLogger();
    let calls = 0;
    void startWithRetry(
      async () => {
        calls++;
        throw transient();
      },
      { what: 'decoy', logger, clock, initialDelayMs: 1000, attempts: 3 },
    ).catch(() => undefined);
    await clock.advance(0);
    expect(calls).toBe(1);
    await clock.advance(400); // the first delay is at least half of initialDelayMs (jitter)
    expect(calls).toBe(1);
    await clock.advance(10_000);
    expect(calls).toBe(3);
  });

  it('gives up after a bounded number of attempts, with the last error', async () => {
    const clock = new VirtualClock(0);
    const { logger, lines } = recordingLogger();
    let calls = 0;
    const started = startWithRetry(
      async () => {
        calls++;
        throw transient();
      },
      { what: 'score archiver', logger, clock, attempts: 4 },
    );
    started.catch(() => undefined);
    await clock.advance(120_000);
    await expect(started).rejects.toBeInstanceOf(ConnectionLostError);
    expect(calls).toBe(4);
    expect(lines.at(-1)).toMatchObject({
      level: 50,
      msg: 'score archiver failed to start after 4 attempts',
    });
  });

  it('does not retry a failure that cannot pass (credentials refused)', async () => {
    const { logger, lines } = recordingLogger();
    let calls = 0;
    const started = startWithRetry(
      async () => {
        calls++;
        throw new AuthenticationError('kafka: the broker refused the credentials');
      },
      { what: 'decoy', logger, clock: new VirtualClock(0) },
    );
    await expect(started).rejects.toBeInstanceOf(AuthenticationError);
    expect(calls).toBe(1);
    expect(lines.at(-1)).toMatchObject({ level: 50, msg: 'decoy failed to start (not retryable)' });
  });
});
