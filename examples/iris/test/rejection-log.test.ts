import type { Rejection } from '@rendezvous-ml/core';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { logRejections } from '../src/rejection-log.js';

const rejection = (path: string, sender = 'py@1/a'): Rejection => ({
  kind: 'heartbeat',
  reason: `${path}: unsupported wire version`,
  path,
  sender,
  excerpt: '{"v":"1"}',
  at: 0,
});

describe('iris: rejected messages are logged as warnings a person can act on', () => {
  it('one line per problem and sender every 10 s, counting the ones suppressed', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const subject = new Subject<Rejection>();
    let now = 0;
    logRejections(subject, logger, () => now);
    for (let i = 0; i < 50; i++) subject.next(rejection('/v'));
    subject.next(rejection('/v', 'other@1/b'));
    now = 10_000;
    subject.next(rejection('/v'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 40, kind: 'heartbeat', path: '/v', sender: 'py@1/a' });
    expect(String(lines[0]!.msg)).toContain('docs/protocol.md');
    expect(lines[1]).toMatchObject({ sender: 'other@1/b', suppressed: 0 });
    expect(lines[2]).toMatchObject({ sender: 'py@1/a', suppressed: 49 });
  });
});
