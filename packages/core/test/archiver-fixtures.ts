/**
 * Fixtures of the archiver fault tests: a sink whose outages and poison records are scripted on
 * virtual time, and a transport wrapper that measures how long each delivery is held.
 */
import {
  type ArchiveRecord,
  type ArchiveSink,
  type ConsumeOptions,
  type Delivery,
  type IncomingMessage,
  type OutgoingMessage,
  RejectedRecordsError,
  SinkWriteError,
  type Transport,
  type VirtualClock,
} from '@rendezvous-ml/core';
import { encodeEnvelope } from '@rendezvous-ml/core/wire';
import { DelegatingTransport, wrapDelivery } from '@rendezvous-ml/test-kit';
import { map, type Observable } from 'rxjs';

/** How a {@link FaultySink} refuses a poison record. */
export type PoisonMode = 'list' | 'plain' | 'range';

/**
 * A sink that is down during scripted windows of virtual time (a retryable error) and refuses
 * poison records for good: with a `RejectedRecordsError` naming them (`list`), a non-retryable
 * `SinkWriteError` that names nothing (`plain`), or the `RangeError` of an encoder (`range`).
 * A batch with a poison record writes nothing.
 */
export class FaultySink implements ArchiveSink {
  /** Every record written, in order (a redelivered record may appear twice). */
  readonly written: ArchiveRecord[] = [];
  readonly poison = new Set<string>();
  calls = 0;
  closed = false;
  private outages: { from: number; to: number }[] = [];

  constructor(
    private readonly clock: VirtualClock,
    public mode: PoisonMode = 'list',
  ) {}

  /** The sink fails retryably from `from` (inclusive) to `to` (exclusive), virtual ms. */
  down(from: number, to: number): this {
    this.outages.push({ from, to });
    return this;
  }

  isDown(at = this.clock.now()): boolean {
    return this.outages.some((o) => at >= o.from && at < o.to);
  }

  /** Distinct ids written. */
  ids(): string[] {
    return [...new Set(this.written.map((r) => r.id))];
  }

  async write(records: readonly ArchiveRecord[]): Promise<void> {
    this.calls++;
    if (this.closed) throw new SinkWriteError('sink is closed', { retryable: false });
    if (this.isDown()) throw new SinkWriteError('sink is down', { retryable: true });
    const bad = records.filter((r) => this.poison.has(r.id));
    if (bad.length > 0) {
      if (this.mode === 'range') throw new RangeError('Maximum call stack size exceeded');
      if (this.mode === 'plain')
        throw new SinkWriteError('cannot encode a record', { retryable: false });
      throw new RejectedRecordsError(
        `${bad.length} records cannot be encoded`,
        bad.map((r) => ({ id: r.id, reason: `record ${r.id} cannot be encoded` })),
      );
    }
    this.written.push(...records);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A request envelope as published by a front end. */
export function requestMessage(id: string, now: number): OutgoingMessage {
  return {
    key: id,
    payload: encodeEnvelope({
      v: 1,
      id,
      ts: now,
      deadline: now + 1000,
      replyTo: 'nowhere',
      input: { id },
      meta: {},
    }),
  };
}

/** How a delivery ended. */
export type Outcome = 'acked' | 'released';

/**
 * Delegates to another transport and records, per delivery, when it was received and when it
 * was acknowledged or released, so a test can bound how long the archiver holds one.
 */
export class HoldTracker extends DelegatingTransport {
  /** Deliveries received and not yet acknowledged or released, by id, with their receipt time. */
  readonly holding = new Map<string, number>();
  /** Longest time a delivery was held, settled or still held at the last {@link longestHold}. */
  private longest = 0;
  readonly outcomes: { id: string; outcome: Outcome; deliveryCount: number }[] = [];

  constructor(
    inner: Transport,
    private readonly clock: VirtualClock,
  ) {
    super(inner);
  }

  /** Longest hold so far, counting the deliveries still held up to now. */
  longestHold(): number {
    const now = this.clock.now();
    for (const at of this.holding.values()) this.longest = Math.max(this.longest, now - at);
    return this.longest;
  }

  override consume(stream: string, options: ConsumeOptions): Observable<Delivery> {
    return this.inner.consume(stream, options).pipe(
      map((d) => {
        this.holding.set(d.id, this.clock.now());
        const settle = (outcome: Outcome) => {
          const at = this.holding.get(d.id);
          if (at === undefined) return;
          this.longest = Math.max(this.longest, this.clock.now() - at);
          this.holding.delete(d.id);
          this.outcomes.push({ id: d.id, outcome, deliveryCount: d.deliveryCount });
        };
        return wrapDelivery(d, {
          ack: async () => {
            settle('acked');
            await d.ack();
          },
          release: async (o) => {
            settle('released');
            await d.release(o);
          },
        });
      }),
    );
  }
}

/** Payloads of `IncomingMessage`s as parsed JSON. */
export function parsed<T>(messages: readonly IncomingMessage[]): T[] {
  return messages.map((m) => JSON.parse(m.payload) as T);
}
