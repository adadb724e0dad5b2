import type { DeadLetterRecord, Delivery, Transport } from '@rendezvous-ml/core';
import type { Subscription } from 'rxjs';
import { waitFor } from './wait-for.js';

/** What {@link inspectDeadLetters} sees on a dead-letter stream. */
export interface DeadLetterInspector {
  /** The dead letters received so far, in order. */
  readonly deliveries: readonly Delivery[];
  /** The inspecting consumer's subscription: unsubscribe it when the test ends. */
  readonly subscription: Subscription;
  /**
   * Waits until exactly `count` dead letters have arrived and the component that wrote them
   * counts them too (`counted`, for example `() => worker.stats().deadLettered`), and returns
   * their records. The count rises once the publish has resolved, which this consumer can beat
   * on a loaded machine; so both are waited for, not asserted at the first arrival.
   */
  settle(count: number, counted: () => number, timeoutMs?: number): Promise<DeadLetterRecord[]>;
  /** Acknowledges every dead letter received so far. */
  ackAll(): Promise<void>;
}

/**
 * Reads `stream` (a dead-letter stream) in a group of its own (`inspect` by default), for a
 * fault test that checks what a component dead-lettered and that it counted it.
 */
export async function inspectDeadLetters(
  transport: Transport,
  stream: string,
  group = 'inspect',
): Promise<DeadLetterInspector> {
  await transport.ensureGroup(stream, group);
  const deliveries: Delivery[] = [];
  const subscription = transport
    .consume(stream, { group, consumer: 'inspector' })
    .subscribe((d) => deliveries.push(d));
  return {
    deliveries,
    subscription,
    async settle(count, counted, timeoutMs = 10_000) {
      await waitFor(() => deliveries.length === count, `${count} dead letter(s)`, timeoutMs);
      await waitFor(() => counted() === count, `the writer to count ${count} dead letter(s)`);
      return deliveries.map((d) => JSON.parse(d.payload) as DeadLetterRecord);
    },
    async ackAll() {
      await Promise.all(deliveries.map((d) => d.ack()));
    },
  };
}
