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
});
