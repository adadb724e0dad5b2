export { AckSpyTransport } from '@rendezvous-ml/test-kit';

/**
 * Shared fixtures of the core behaviour tests: a front end, scripted model workers and a
 * virtual clock on one in-memory broker. Nothing here waits on real time.
 */
import {
  type ArchiveRecord,
  type ArchiveSink,
  type Delivery,
  type IncomingMessage,
  type Json,
  ModelWorker,
  type ModelWorkerOptions,
  Rendezvous,
  type RendezvousOptions,
  type RendezvousPolicy,
  type RendezvousResult,
  type Transport,
  VirtualClock,
} from '@rendezvous-ml/core';
import { MemoryBroker, MemoryTransport } from '@rendezvous-ml/transport-memory';

/**
 * What each model does for one request, keyed by `name@version`. A model that is absent never
 * answers. `{ ms, out }` answers `out` after `ms` virtual ms; `{ ms, fail }` throws after `ms`.
 */
export type Script = Record<string, { ms: number; out?: Json; fail?: string }>;

/** A promise's state, readable synchronously. */
export interface Tracked<T> {
  state: 'pending' | 'resolved' | 'rejected';
  value?: T;
  error?: unknown;
  /** Virtual time at which the promise settled. */
  at?: number;
}

/** Follows a promise so a test can assert *when* it settled, on virtual time. */
export function track<T>(promise: Promise<T>, clock?: VirtualClock): Tracked<T> {
  const t: Tracked<T> = { state: 'pending' };
  promise.then(
    (value) => {
      t.state = 'resolved';
      t.value = value;
      t.at = clock?.now();
    },
    (error: unknown) => {
      t.state = 'rejected';
      t.error = error;
      t.at = clock?.now();
    },
  );
  return t;
}

/** A promise resolved after `ms` of virtual time. */
export function after<T>(clock: VirtualClock, ms: number, value: T): Promise<T> {
  return new Promise((resolve) => clock.setTimeout(() => resolve(value), ms));
}

/** A predict function that follows the request's {@link Script}. */
export function scripted(key: string, clock: VirtualClock, calls?: string[]) {
  return (input: Json): Promise<Json> => {
    calls?.push(key);
    const step = (input as unknown as Script)[key];
    if (!step) return new Promise<Json>(() => undefined);
    return new Promise<Json>((resolve, reject) =>
      clock.setTimeout(
        () => (step.fail !== undefined ? reject(new Error(step.fail)) : resolve(step.out ?? key)),
        step.ms,
      ),
    );
  };
}

/** `'dt@1'` → `{ name: 'dt', version: '1' }`. */
export function ref(key: string): { name: string; version: string } {
  const at = key.lastIndexOf('@');
  return { name: key.slice(0, at), version: key.slice(at + 1) };
}

export interface FrontEndRig {
  readonly clock: VirtualClock;
  readonly broker: MemoryBroker;
  readonly transport: MemoryTransport;
  readonly rendezvous: Rendezvous;
  /** Every record `results$` emitted. */
  readonly results: RendezvousResult[];
  /** Whether `results$` completed. */
  readonly completed: { value: boolean };
  /** Workers by `name@version`, each on its own transport (its own "process"). */
  readonly workers: Map<string, { worker: ModelWorker; transport: MemoryTransport }>;
  /** Model keys in the order `predict` was called. */
  readonly calls: string[];
  addWorker(
    key: string,
    options?: Partial<ModelWorkerOptions>,
  ): Promise<{ worker: ModelWorker; transport: MemoryTransport }>;
  /** Closes the front end, moving virtual time on until the requests in flight are decided. */
  close(): Promise<void>;
}

/** A started front end with one started scripted worker per model key. */
export async function frontEndRig(
  policy: RendezvousPolicy,
  models: readonly string[],
  options: Partial<RendezvousOptions> & { heartbeatIntervalMs?: number } = {},
): Promise<FrontEndRig> {
  const clock = new VirtualClock(0);
  const broker = new MemoryBroker();
  const transport = new MemoryTransport({ broker });
  const rendezvous = new Rendezvous({
    transport,
    policy,
    clock,
    deadlineMs: 1000,
    instanceId: 'fe',
    // The rig starts its workers after the front end: there is nothing to discover.
    discoveryMs: 0,
    ...options,
  });
  const results: RendezvousResult[] = [];
  const completed = { value: false };
  rendezvous.results$.subscribe({
    next: (r) => results.push(r),
    complete: () => {
      completed.value = true;
    },
  });
  await rendezvous.start();
  const calls: string[] = [];
  const workers = new Map<string, { worker: ModelWorker; transport: MemoryTransport }>();
  const addWorker = async (key: string, extra: Partial<ModelWorkerOptions> = {}) => {
    const wt = new MemoryTransport({ broker });
    const worker = new ModelWorker({
      transport: wt,
      model: { ...ref(key), instance: `${key}-a` },
      predict: scripted(key, clock, calls),
      clock,
      ...(options.heartbeatIntervalMs === undefined
        ? {}
        : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
      ...extra,
    });
    await worker.start();
    await clock.tick();
    const entry = { worker, transport: wt };
    workers.set(key, entry);
    return entry;
  };
  for (const key of models) await addWorker(key);
  return {
    clock,
    broker,
    transport,
    rendezvous,
    results,
    completed,
    workers,
    calls,
    addWorker,
    async close() {
      const closing = rendezvous.stop();
      await clock.advance(options.deadlineMs ?? 1000);
      await closing;
    },
  };
}

/** An archive sink that records batches; `hold()` makes the next writes wait until released. */
export class RecordingSink implements ArchiveSink {
  readonly batches: ArchiveRecord[][] = [];
  closed = false;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  failWith: Error | undefined;

  get records(): ArchiveRecord[] {
    return this.batches.flat();
  }

  /** Makes writes wait until {@link release} is called. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async write(records: readonly ArchiveRecord[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (this.gate) await this.gate;
    this.batches.push([...records]);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Reads what lands on a stream, as a group created now. */
export async function tapStream(
  transport: Transport,
  stream: string,
  group = `tap-${Math.random().toString(36).slice(2)}`,
): Promise<Delivery[]> {
  await transport.ensureGroup(stream, group);
  const got: Delivery[] = [];
  transport.consume(stream, { group, consumer: 'tap' }).subscribe((d) => {
    got.push(d);
    void d.ack();
  });
  return got;
}

/** Collects what is broadcast on a channel from now on. */
export async function tapChannel(
  transport: Transport,
  channel: string,
): Promise<IncomingMessage[]> {
  const got: IncomingMessage[] = [];
  transport.listen(channel).subscribe((m) => got.push(m));
  return got;
}
