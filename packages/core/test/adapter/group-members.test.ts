import type { Delivery } from '@rendezvous-ml/core';
import { GroupMembers } from '@rendezvous-ml/core/transport';
import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

class Member {
  stops = 0;
  private release: (() => void) | undefined;
  readonly stopped = new Promise<void>((resolve) => (this.release = resolve));
  stop(): Promise<void> {
    this.stops++;
    return this.stopped;
  }
  finish(): void {
    this.release?.();
  }
}

describe('GroupMembers', () => {
  it('stops a member whose subscriber leaves, and close waits for it and for the rest', async () => {
    const members = new GroupMembers<Member>();
    const made: Member[] = [];
    const consume = () =>
      new Observable<Delivery>((subscriber) => {
        const member = new Member();
        made.push(member);
        members.add(subscriber, member);
        return () => members.leave(subscriber);
      });
    let completed = 0;
    const left = consume().subscribe();
    consume().subscribe({ complete: () => completed++ });
    left.unsubscribe();
    expect(made.map((m) => m.stops)).toEqual([1, 0]);
    let closed = false;
    void members.close().then(() => (closed = true));
    expect(completed).toBe(1);
    made[1]!.finish();
    await Promise.resolve();
    await Promise.resolve();
    expect(closed).toBe(false);
    made[0]!.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
  });

  it('ends every subscriber with an error, each leaving through its teardown', () => {
    const members = new GroupMembers<Member>();
    const member = new Member();
    let failed: unknown;
    new Observable<Delivery>((subscriber) => {
      members.add(subscriber, member);
      return () => members.leave(subscriber);
    }).subscribe({ error: (e: unknown) => (failed = e) });
    members.fail(new Error('refused'));
    expect((failed as Error).message).toBe('refused');
    expect(member.stops).toBe(1);
  });
});
