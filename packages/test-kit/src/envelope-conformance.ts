import {
  type Delivery,
  type IncomingMessage,
  REPLY_TAP,
  type Transport,
} from '@rendezvous-ml/core';
import type { Subscription } from 'rxjs';
import { expect, it } from 'vitest';
import { waitFor } from './wait-for.js';

/**
 * What {@link envelopeConformance} needs from the suite: connections it closes, subscriptions it
 * ends, and its time bounds.
 *
 * @example
 * ```ts
 * envelopeConformance({ connect, track, settle, timeout, unique });
 * ```
 */
export interface EnvelopeConformanceHost {
  connect(): Promise<Transport>;
  track<T>(source: { subscribe(next: (v: T) => void): Subscription }): T[];
  readonly settle: number;
  readonly timeout: number;
  unique(prefix: string): string;
}

/**
 * A message as the core sends it to a transport with `capabilities.envelopes`: its `payload`
 * is computed on first read, its `envelope` is not enumerable. Every transport must read the
 * text through the property, so both kinds of transport get the same text.
 */
function lazyMessage(key: string, envelope: object): { key: string; payload: string } {
  const message = {
    key,
    get payload(): string {
      return JSON.stringify(envelope);
    },
  };
  Object.defineProperty(message, 'envelope', { value: envelope });
  return message;
}

/**
 * The cases of the Transport contract about envelope objects (`OutgoingMessage.envelope`,
 * `capabilities.envelopes`), registered inside the transport conformance suite: a message whose
 * text is computed on first read reaches every reader with the same text, on every transport;
 * a transport that advertises `envelopes` also hands on the very envelope object, read-only, to
 * every group, the owner of a return address and the reply tap.
 *
 * @example
 * ```ts
 * describe('transport conformance: memory', () => envelopeConformance(host));
 * ```
 */
export function envelopeConformance(host: EnvelopeConformanceHost): void {
  const { settle, timeout } = host;

  it('reads a payload computed on first read, the same text for every group', {
    timeout,
  }, async () => {
    const t = await host.connect();
    const stream = host.unique('s');
    await t.ensureGroup(stream, 'g1');
    await t.ensureGroup(stream, 'g2');
    const a = host.track<Delivery>(t.consume(stream, { group: 'g1', consumer: 'c' }));
    const b = host.track<Delivery>(t.consume(stream, { group: 'g2', consumer: 'c' }));
    const envelope = Object.freeze({ v: 1, id: 'e1', input: Object.freeze([1, 'ü']) });
    await t.publish(stream, lazyMessage('e1', envelope));
    await waitFor(() => a.length === 1 && b.length === 1, 'both groups to get it', settle);
    const text = JSON.stringify(envelope);
    expect([a[0]!.payload, b[0]!.payload]).toEqual([text, text]);
    expect(a[0]!.key).toBe('e1');
    if (t.capabilities.envelopes) {
      expect(a[0]!.envelope).toBe(envelope);
      expect(b[0]!.envelope).toBe(envelope);
      // Read-only and not enumerable: a wrapper that rebuilds the message drops it.
      expect(Object.keys(a[0]!)).not.toContain('envelope');
    }
    await Promise.all([...a, ...b].map((d) => d.ack()));
  });

  it('carries the same text (and, with envelopes, the object) to a return address and the reply tap', {
    timeout,
  }, async () => {
    const t = await host.connect();
    const channel = await t.openReplyChannel();
    const replies = host.track<IncomingMessage>(channel.messages);
    const tap = async (): Promise<Delivery[]> => {
      const group = host.unique('tap');
      await t.ensureGroup(REPLY_TAP, group);
      return host.track<Delivery>(t.consume(REPLY_TAP, { group, consumer: 'c' }));
    };
    const tapped = t.capabilities.replyTap ? await tap() : [];
    const envelope = Object.freeze({ v: 1, requestId: 'e2', ok: true, output: 2 });
    await t.reply(channel.address, lazyMessage('e2', envelope));
    const text = JSON.stringify(envelope);
    await waitFor(
      () =>
        replies.length === 1 &&
        (!t.capabilities.replyTap || tapped.some((d) => d.payload === text)),
      'the reply (and its tap copy)',
      settle,
    );
    expect(replies[0]!.payload).toBe(text);
    if (t.capabilities.envelopes) {
      expect(replies[0]!.envelope).toBe(envelope);
      expect(tapped.find((d) => d.payload === text)?.envelope).toBe(envelope);
    }
    for (const d of tapped) await d.ack();
    await channel.close();
  });
}
