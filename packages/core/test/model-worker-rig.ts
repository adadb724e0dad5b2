/**
 * Fixtures of the ModelWorker tests: one worker on its own transport, a caller that publishes
 * requests and collects the scores, all on one in-memory broker driven by a virtual clock, and a
 * transport wrapper that injects faults and keeps a ledger of every delivery the worker got.
 */
import {
  ConnectionLostError,
  type ConsumeOptions,
  type Delivery,
  type Json,
  ModelWorker,
  type ModelWorkerOptions,
  type OutgoingMessage,
  type ScoreEnvelope,
  VirtualClock,
  type WorkerEvent,
} from '@rendezvous-ml/core';
import { decodeScore, encodeEnvelope } from '@rendezvous-ml/core/wire';
import { wrapDelivery } from '@rendezvous-ml/test-kit';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';
import { map, Observable } from 'rxjs';
import { AckSpyTransport, tapStream } from './harness.js';

export const START = 10_000;

/** One delivery the worker received, and how (and when) it ended. */
export interface LedgerEntry {
  readonly id: string;
  readonly deliveryCount: number;
  readonly payload: string;
  readonly receivedAt: number;
  settled?: { readonly how: 'ack' | 'release'; readonly at: number; readonly delayMs?: number };
}

/**
 * An {@link AckSpyTransport} that can make `reply` and `ensureGroup` fail or wait, and records
 * every delivery with the virtual time it arrived and was acknowledged or handed back.
 */
export class FaultyTransport extends AckSpyTransport {
  readonly ledger: LedgerEntry[] = [];
  /** Returns true when this reply attempt should fail (with a retryable ConnectionLostError). */
  replyFails: (message: OutgoingMessage) => boolean = () => false;
  /** Runs before ensureGroup; a rejection makes ensureGroup reject. */
  beforeEnsureGroup: () => Promise<void> = async () => undefined;
  replyAttempts = 0;
  /** Times `consume` was subscribed to: how many times the worker joined the group. */
  joins = 0;
  /** Ends the current consume subscription with this error (or completes it without one). */
  loseConsumer: (error?: Error) => void = () => undefined;

  constructor(
    inner: MemoryTransport,
    private readonly clock: VirtualClock,
  ) {
    super(inner);
  }

  override async ensureGroup(stream: string, group: string): Promise<void> {
    await this.beforeEnsureGroup();
    return super.ensureGroup(stream, group);
  }

  override reply(address: string, message: OutgoingMessage): Promise<void> {
    this.replyAttempts++;
    if (this.replyFails(message)) return Promise.reject(new ConnectionLostError('reply failed'));
    return super.reply(address, message);
  }

  override consume(stream: string, options: ConsumeOptions): Observable<Delivery> {
    const deliveries = super.consume(stream, options);
    return new Observable<Delivery>((subscriber) => {
      this.joins++;
      this.loseConsumer = (error) => (error ? subscriber.error(error) : subscriber.complete());
      return deliveries.subscribe(subscriber);
    }).pipe(
      map((d): Delivery => {
        const entry: LedgerEntry = {
          id: d.id,
          deliveryCount: d.deliveryCount,
          payload: d.payload,
          receivedAt: this.clock.now(),
        };
        this.ledger.push(entry);
        return wrapDelivery(d, {
          ack: async () => {
            await d.ack();
            entry.settled ??= { how: 'ack', at: this.clock.now() };
          },
          release: async (o) => {
            await d.release(o);
            entry.settled ??= {
              how: 'release',
              at: this.clock.now(),
              ...(o?.delayMs === undefined ? {} : { delayMs: o.delayMs }),
            };
          },
        });
      }),
    );
  }
}

/** A worker on its own transport, plus a caller that publishes requests and collects scores. */
export async function workerRig(
  predict: ModelWorkerOptions['predict'],
  options: Partial<ModelWorkerOptions> = {},
  { start = true }: { start?: boolean } = {},
) {
  const clock = new VirtualClock(START);
  const broker = new MemoryBroker({ clock });
  const caller = new MemoryTransport({ broker });
  const spy = new FaultyTransport(new MemoryTransport({ broker }), clock);
  const channel = await caller.openReplyChannel();
  const scores: ScoreEnvelope[] = [];
  const replyKeys: (string | undefined)[] = [];
  channel.messages.subscribe((m) => {
    const d = decodeScore(m.payload);
    if (!d.ok) throw d.error;
    scores.push(d.value);
    replyKeys.push(m.key);
  });
  const dead = await tapStream(caller, 'dead-letter');
  const worker = new ModelWorker({
    transport: spy,
    model: { name: 'm', version: '1', instance: 'm-1' },
    predict,
    clock,
    ...options,
  });
  const events: WorkerEvent[] = [];
  let eventsCompleted = false;
  worker.events$.subscribe({
    next: (e) => events.push(e),
    complete: () => {
      eventsCompleted = true;
    },
  });
  if (start) {
    await worker.start();
    await clock.tick();
  }
  /** Publishes a request with a deadline `deadlineIn` ms from now. */
  const send = async (
    id: string,
    { input = id as Json, deadlineIn = 1000 }: { input?: Json; deadlineIn?: number } = {},
  ): Promise<void> => {
    await caller.publish('requests', {
      key: id,
      payload: encodeEnvelope({
        v: 1,
        id,
        ts: clock.now(),
        deadline: clock.now() + deadlineIn,
        replyTo: channel.address,
        input,
        meta: {},
      }),
    });
  };
  return {
    clock,
    broker,
    caller,
    spy,
    worker,
    scores,
    replyKeys,
    events,
    dead,
    send,
    eventsCompleted: () => eventsCompleted,
  };
}

/** A promise that never settles: a predict that hangs. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}
