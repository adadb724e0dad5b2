import type { ProducerBatch, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ProduceBatcher } from '../src/produce-batcher.js';

/** A producer whose requests the test answers one by one, recording what each carried. */
function scriptedProducer() {
  const requests: { kind: 'send' | 'batch'; messages: string[]; settle: (e?: Error) => void }[] =
    [];
  const request = (kind: 'send' | 'batch', messages: string[]) =>
    new Promise<never[]>((resolve, reject) => {
      requests.push({ kind, messages, settle: (e) => (e ? reject(e) : resolve([])) });
    });
  return {
    requests,
    producer: {
      send: (r: ProducerRecord) =>
        request(
          'send',
          r.messages.map((m) => `${r.topic}:${m.value}`),
        ),
      sendBatch: (b: ProducerBatch) =>
        request(
          'batch',
          (b.topicMessages ?? []).flatMap((t) => t.messages.map((m) => `${t.topic}:${m.value}`)),
        ),
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

function kafkaError(type: string, retriable: boolean): Error {
  return Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });
}

describe('ProduceBatcher', () => {
  it('sends at once when idle, and what arrives meanwhile in one request, each topic in order', async () => {
    const { producer, requests } = scriptedProducer();
    const batcher = new ProduceBatcher(producer);
    const first = batcher.send('a', null, '1');
    const rest = [batcher.send('b', null, '2'), batcher.send('a', 'k', '3')];
    expect(requests.map((r) => r.messages)).toEqual([['a:1']]);
    requests[0]!.settle();
    await first;
    await tick();
    expect(requests[1]).toMatchObject({ kind: 'batch', messages: ['b:2', 'a:3'] });
    requests[1]!.settle();
    await Promise.all(rest);
  });

  it('keeps each request within maxMessages and maxBytes (one message however large)', async () => {
    const { producer, requests } = scriptedProducer();
    const batcher = new ProduceBatcher(producer, { maxMessages: 2, maxBytes: 5 });
    const sent = [
      batcher.send('t', null, 'x'),
      batcher.send('t', null, 'aa'),
      batcher.send('t', null, 'bb'),
      batcher.send('t', null, 'cc'),
      batcher.send('t', null, 'huge-payload'),
      batcher.send('t', null, 'd'),
    ];
    for (let i = 0; i < 5 && requests[i]; i++) {
      requests[i]!.settle();
      await tick();
    }
    await Promise.all(sent);
    expect(requests.map((r) => r.messages.map((m) => m.slice(2)))).toEqual([
      ['x'],
      ['aa', 'bb'],
      ['cc'],
      ['huge-payload'],
      ['d'],
    ]);
  });

  it('a request refused for a message of its own is split, so only that message fails', async () => {
    const { producer, requests } = scriptedProducer();
    const batcher = new ProduceBatcher(producer);
    const first = batcher.send('t', null, 'first');
    const good = batcher.send('t', null, 'good');
    const bad = batcher.send('t', null, 'bad');
    requests[0]!.settle();
    await first;
    await tick();
    requests[1]!.settle(kafkaError('MESSAGE_TOO_LARGE', false));
    await tick();
    expect(requests.slice(2).map((r) => [r.kind, r.messages])).toEqual([
      ['send', ['t:good']],
      ['send', ['t:bad']],
    ]);
    requests[2]!.settle();
    requests[3]!.settle(kafkaError('MESSAGE_TOO_LARGE', false));
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('MESSAGE_TOO_LARGE');
  });

  it('a transient failure fails every message of the request (their senders retry)', async () => {
    const { producer, requests } = scriptedProducer();
    const batcher = new ProduceBatcher(producer);
    const first = batcher.send('t', null, '1');
    const others = [batcher.send('t', null, '2'), batcher.send('t', null, '3')];
    requests[0]!.settle();
    await first;
    await tick();
    requests[1]!.settle(kafkaError('NOT_LEADER_FOR_PARTITION', true));
    for (const o of others) await expect(o).rejects.toThrow('NOT_LEADER_FOR_PARTITION');
    expect(requests).toHaveLength(2);
    // and the batcher goes on
    const next = batcher.send('t', null, '4');
    await tick();
    requests[2]!.settle();
    await expect(next).resolves.toBeUndefined();
  });
});
