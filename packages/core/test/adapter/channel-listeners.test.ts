import { ChannelListeners } from '@rendezvous-ml/core/transport';
import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

describe('ChannelListeners', () => {
  it('says when a channel gets its first listener and loses its last, and fans out to its own', () => {
    const listeners = new ChannelListeners<string>();
    const opened: string[] = [];
    const closed: string[] = [];
    const listen = (channel: string) =>
      new Observable<string>((s) => {
        if (listeners.add(channel, s)) opened.push(channel);
        return () => {
          if (listeners.remove(channel, s)) closed.push(channel);
        };
      });
    const heard: string[] = [];
    const a = listen('config').subscribe((m) => heard.push(`a:${m}`));
    const b = listen('config').subscribe((m) => heard.push(`b:${m}`));
    let failed: unknown;
    const c = listen('heartbeats').subscribe({
      next: (m) => heard.push(`c:${m}`),
      error: (e: unknown) => (failed = e),
    });
    listeners.next('config', 'x');
    listeners.next('nobody', 'y');
    expect(heard).toEqual(['a:x', 'b:x']);
    a.unsubscribe();
    expect(closed).toEqual([]);
    b.unsubscribe();
    expect([opened, closed]).toEqual([['config', 'heartbeats'], ['config']]);
    expect(listeners.has('config')).toBe(false);
    listeners.fail(new Error('refused'));
    expect(c.closed).toBe(true);
    expect((failed as Error).message).toBe('refused');
    expect(closed).toEqual(['config', 'heartbeats']);
  });

  it('completes every listener on complete, and a late teardown changes nothing', () => {
    const listeners = new ChannelListeners<string>();
    let completed = 0;
    const sub = new Observable<string>((s) => {
      listeners.add('config', s);
      return () => expect(listeners.remove('config', s)).toBe(false);
    }).subscribe({ complete: () => completed++ });
    listeners.complete();
    expect([completed, sub.closed, listeners.has('config')]).toEqual([1, true, false]);
  });

  it('listen wires each listener as it joins and drops the channel when the last leaves, until closed', () => {
    let closed = false;
    const listeners = new ChannelListeners<string>(() => closed);
    const log: string[] = [];
    const listen = (channel: string) =>
      listeners.listen(channel, {
        join: (_subscriber, first) => {
          log.push(`join ${channel} ${first}`);
          return () => log.push(`undo ${channel}`);
        },
        empty: () => log.push(`empty ${channel}`),
      });
    const heard: string[] = [];
    const a = listen('config').subscribe((m) => heard.push(`a:${m}`));
    const b = listen('config').subscribe((m) => heard.push(`b:${m}`));
    listeners.next('config', listeners.nextId());
    a.unsubscribe();
    b.unsubscribe();
    listen('heartbeats').subscribe();
    closed = true;
    listeners.complete();
    let failed: unknown;
    listen('config').subscribe({ error: (e: unknown) => (failed = e) });
    expect(heard).toEqual(['a:1', 'b:1']);
    expect(log).toEqual([
      'join config true',
      'join config false',
      'undo config',
      'empty config',
      'undo config',
      'join heartbeats true',
      'undo heartbeats',
    ]);
    expect((failed as Error).name).toBe('TransportClosedError');
  });
});
