import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { describe, expect, it } from 'vitest';
import { Archiver } from '../src/archiver.js';
import { PolicyController } from '../src/control/policy-controller.js';
import { ConfigurationError } from '../src/errors.js';
import { resolveStreams } from '../src/stream-names.js';
import { DEFAULT_STREAMS } from '../src/transport.js';

describe('resolveStreams: the one way components name their streams', () => {
  it('starts from the defaults and takes what `streams` renames', () => {
    expect(resolveStreams('c', undefined)).toEqual(DEFAULT_STREAMS);
    expect(resolveStreams('c', { requests: 'rq', control: undefined })).toEqual({
      ...DEFAULT_STREAMS,
      requests: 'rq',
    });
  });

  it('honours a deprecated per-stream option, and refuses it when `streams` says otherwise', () => {
    const legacy = { requests: { option: 'requestsStream', value: 'old-rq' } };
    expect(resolveStreams('archiver', undefined, legacy).requests).toBe('old-rq');
    expect(resolveStreams('archiver', { requests: 'old-rq' }, legacy).requests).toBe('old-rq');
    expect(() => resolveStreams('archiver', { requests: 'rq' }, legacy)).toThrow(
      /archiver: `requestsStream` \("old-rq"\) and `streams.requests` \("rq"\) name different streams/,
    );
  });

  it('refuses an unknown stream and an empty name, saying which', () => {
    expect(() => resolveStreams('c', { request: 'x' } as never)).toThrow(ConfigurationError);
    expect(() => resolveStreams('c', { request: 'x' } as never)).toThrow(
      /unknown stream `streams.request`/,
    );
    expect(() => resolveStreams('c', { results: '' })).toThrow(
      /`streams.results` must be a non-empty string/,
    );
  });

  it('an archiver reads the requests stream `streams` names', async () => {
    const broker = new MemoryBroker();
    const transport = new MemoryTransport({ broker });
    const written: unknown[] = [];
    const archiver = new Archiver({
      transport,
      source: 'requests',
      streams: { requests: 'renamed-requests' },
      sinks: [
        {
          write: async (records) => void written.push(...records),
          close: async () => {},
        },
      ],
      flushIntervalMs: 10,
    });
    await archiver.start();
    await transport.publish('renamed-requests', {
      key: 'r1',
      payload: JSON.stringify({ v: 1, id: 'r1', ts: 1, input: {}, replyTo: 'a', deadline: 2 }),
    });
    await archiver.drain();
    await archiver.stop();
    await transport.close();
    expect(written).toHaveLength(1);
  });

  it('a policy controller broadcasts on the control channel `streams` names', async () => {
    const broker = new MemoryBroker();
    const transport = new MemoryTransport({ broker });
    const heard: string[] = [];
    const sub = transport.listen('renamed-control').subscribe((m) => heard.push(m.payload));
    const controller = new PolicyController({
      transport,
      streams: { control: 'renamed-control' },
      queryMs: 1,
    });
    await controller.start();
    await controller.stop();
    sub.unsubscribe();
    await transport.close();
    expect(heard.length).toBeGreaterThan(0); // its query went out on the renamed channel
  });
});
