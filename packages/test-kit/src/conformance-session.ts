import { randomUUID } from 'node:crypto';
import type { Delivery, IncomingMessage, ReplyChannel, Transport } from '@rendezvous-ml/core';
import type { Subscription } from 'rxjs';
import type { ConformanceBroker } from './conformance-broker.js';
import { schemaErrors } from './wire-schemas.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

/**
 * A check failed: `message` says what the worker did wrong and what the rule is.
 *
 * @example
 * ```ts
 * throw new ConformanceFailure("no valid 'leaving' heartbeat within 3 s of SIGTERM");
 * ```
 */
export class ConformanceFailure extends Error {
  override readonly name = 'ConformanceFailure';
}

/**
 * One message heard, with when, and why it failed its schema (if it did).
 *
 * @example
 * ```ts
 * const bad = session.heartbeats.filter((h: Heard) => h.invalid !== undefined);
 * ```
 */
export interface Heard {
  readonly at: number;
  readonly payload: string;
  readonly value: Record<string, unknown> | undefined;
  readonly invalid: string | undefined;
}

function hear(kind: 'heartbeat' | 'score' | 'dead-letter', payload: string): Heard {
  const invalid = schemaErrors(kind, payload);
  let value: Record<string, unknown> | undefined;
  try {
    const v: unknown = JSON.parse(payload);
    if (typeof v === 'object' && v !== null) value = v as Record<string, unknown>;
  } catch {
    value = undefined;
  }
  return { at: Date.now(), payload, value, invalid };
}

/**
 * What the worker under test is started with and serves.
 *
 * @example
 * ```ts
 * const options: SessionOptions = { cmd: 'python3 -u worker.py', model: { name: 'echo', version: '1' }, heartbeatMs: 5000 };
 * ```
 */
export interface SessionOptions {
  readonly cmd: string;
  readonly cwd?: string | undefined;
  readonly model: { readonly name: string; readonly version: string };
  /** Heartbeat period the worker is asked for (long, so probe answers stand out). */
  readonly heartbeatMs: number;
}

/**
 * The state of one conformance run: the front end's side on the broker (a return address, the
 * heartbeats heard, the dead letters), and the worker processes started.
 *
 * @example
 * ```ts
 * const session = new ConformanceSession(broker, { cmd, model: { name: 'echo', version: '1' }, heartbeatMs: 5000 });
 * await session.open();
 * const id = await session.request({ x: 1 });
 * const score = await session.score(id, 10_000);
 * ```
 */
export class ConformanceSession {
  readonly front: Transport;
  readonly heartbeats: Heard[] = [];
  readonly replies: Heard[] = [];
  readonly deadLetters: Heard[] = [];
  readonly workers: WorkerProcess[] = [];
  private channel: ReplyChannel | undefined;
  private readonly subs: Subscription[] = [];

  constructor(
    readonly broker: ConformanceBroker,
    readonly options: SessionOptions,
  ) {
    this.front = broker.transport();
  }

  get group(): string {
    return `model:${this.options.model.name}@${this.options.model.version}`;
  }

  get address(): string {
    return this.channel?.address ?? '';
  }

  async open(): Promise<void> {
    await this.front.ensureGroup('dead-letter', 'conformance');
    this.subs.push(
      this.front
        .consume('dead-letter', { group: 'conformance', consumer: 'runner' })
        .subscribe((d: Delivery) => {
          this.deadLetters.push(hear('dead-letter', d.payload));
          void d.ack();
        }),
    );
    this.subs.push(
      this.front
        .listen('heartbeats')
        .subscribe((m: IncomingMessage) => this.heartbeats.push(hear('heartbeat', m.payload))),
    );
    this.channel = await this.front.openReplyChannel();
    this.subs.push(
      this.channel.messages.subscribe((m) => this.replies.push(hear('score', m.payload))),
    );
    await new Promise((r) => setTimeout(r, 300)); // a SUBSCRIBE / a listener's first fetch
  }

  /** Starts one more worker process. */
  startWorker(): WorkerProcess {
    const { cmd, cwd, model, heartbeatMs } = this.options;
    const worker = startWorkerProcess(
      cmd,
      {
        ...this.broker.env,
        RENDEZVOUS_PREFIX: this.broker.prefix,
        RENDEZVOUS_MODEL_NAME: model.name,
        RENDEZVOUS_MODEL_VERSION: model.version,
        RENDEZVOUS_HEARTBEAT_MS: String(heartbeatMs),
        RENDEZVOUS_CLAIM_IDLE_MS: '2000',
      },
      cwd,
    );
    this.workers.push(worker);
    return worker;
  }

  /**
   * Publishes a request to this session's return address; resolves with its id. Requests with
   * the same `key` go to the same partition, so a worker reads them in order.
   */
  async request(input: unknown, deadlineMs = 10_000, key?: string): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    const payload = JSON.stringify({
      v: 1,
      id,
      ts: now,
      deadline: now + deadlineMs,
      replyTo: this.address,
      input,
      meta: {},
    });
    await this.front.publish('requests', { key: key ?? id, payload });
    return id;
  }

  /** Publishes a raw payload to the requests stream. */
  async publishRaw(payload: string): Promise<void> {
    await this.front.publish('requests', { key: randomUUID(), payload });
  }

  /** The replies heard for request `id`. */
  repliesFor(id: string): Heard[] {
    return this.replies.filter((r) => r.value?.requestId === id);
  }

  /** Waits for the score of `id`; fails with the rule when none comes or it is invalid. */
  async score(id: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const start = Date.now();
    while (Date.now() - start < timeoutMs) {
      const [reply] = this.repliesFor(id);
      if (reply) {
        if (reply.invalid)
          throw new ConformanceFailure(
            `the score for ${id} fails score.schema.json (front ends dead-letter it): ${reply.invalid}; payload ${reply.payload.slice(0, 300)}`,
          );
        return reply.value!;
      }
      const bad = this.replies.find((r) => r.invalid);
      if (bad)
        throw new ConformanceFailure(
          `a reply at the return address fails score.schema.json: ${bad.invalid}; payload ${bad.payload.slice(0, 300)}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new ConformanceFailure(
      `no score for request ${id} at the return address '${this.address}' within ${timeoutMs} ms ` +
        '(docs/protocol.md, "Return addresses": on Redis replyTo is a bare id, send to <prefix>r:<replyTo> with NOMKSTREAM; on Kafka it is the topic)' +
        this.exitNote(),
    );
  }

  /** The valid heartbeats of `kind` from the model under test heard since `since`. */
  heartbeatsOf(kind: 'alive' | 'leaving', since: number, instance?: string): Heard[] {
    const { name, version } = this.options.model;
    return this.heartbeats.filter((h) => {
      const m = h.value?.model as
        | { name?: string; version?: string; instance?: string }
        | undefined;
      return (
        !h.invalid &&
        h.at >= since &&
        h.value?.kind === kind &&
        m?.name === name &&
        m?.version === version &&
        (instance === undefined || m?.instance === instance)
      );
    });
  }

  /** Sends a probe on the heartbeats channel. */
  probe(): Promise<void> {
    return this.front.broadcast(
      'heartbeats',
      JSON.stringify({ v: 1, kind: 'probe', ts: Date.now() }),
    );
  }

  /** Waits until `check` holds, else fails with `why`. */
  async until(
    check: () => boolean | Promise<boolean>,
    timeoutMs: number,
    why: () => string,
  ): Promise<void> {
    const start = Date.now();
    while (!(await check())) {
      if (Date.now() - start > timeoutMs) throw new ConformanceFailure(why());
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** What the last worker printed, when it has exited (for failure reasons). */
  exitNote(): string {
    const w = this.workers[this.workers.length - 1];
    if (!w?.exited) return '';
    return `; the worker exited with code ${w.exitCode}: ${w.output().slice(-1500)}`;
  }

  async close(): Promise<void> {
    for (const w of this.workers) await w.kill('SIGKILL', 5000);
    for (const s of this.subs) s.unsubscribe();
    await this.channel?.close().catch(() => undefined);
  }
}
