import type { StreamConfig } from '@nats-io/jetstream';
import type { NatsLink } from './nats-session.js';

/** The limits every stream is created with (trimming), and how consumers are configured. */
export interface TopologyLimits {
  readonly maxAgeMs: number;
  readonly maxMsgs: number;
  readonly replyMaxAgeMs: number;
  readonly replyMaxMsgs: number;
  readonly storage: 'file' | 'memory';
  readonly replicas: number;
  readonly ackWaitMs: number;
}

const NS = 1_000_000;
/** JetStream's default duplicate window; it may not exceed `max_age`. */
const DUPLICATE_WINDOW_MS = 120_000;

/** A JetStream API error's status (404 not found, ...) and error code (10059, ...). */
function apiCode(error: unknown): { status?: number; code?: number } {
  if (typeof error !== 'object' || error === null) return {};
  const e = error as { status?: unknown; code?: unknown };
  return {
    status: typeof e.status === 'number' ? e.status : undefined,
    code: typeof e.code === 'number' ? e.code : undefined,
  };
}

/** Whether `error` says a stream or consumer does not exist. */
export function isNotFound(error: unknown): boolean {
  const { status, code } = apiCode(error);
  if (status === 404 || code === 10059 || code === 10014) return true;
  const name = error instanceof Error ? error.name : '';
  const text = error instanceof Error ? error.message.toLowerCase() : '';
  return (
    name === 'StreamNotFoundError' ||
    name === 'ConsumerNotFoundError' ||
    text.includes('stream not found') ||
    text.includes('consumer not found') ||
    text.includes('consumer deleted') ||
    text.includes('no responders')
  );
}

/** Whether `error` says the stream or consumer was just created by someone else. */
function isAlreadyThere(error: unknown): boolean {
  const { code } = apiCode(error);
  const text = error instanceof Error ? error.message.toLowerCase() : '';
  return (
    code === 10058 ||
    code === 10148 ||
    code === 10013 ||
    text.includes('already in use') ||
    text.includes('already exists')
  );
}

/**
 * Creates the streams and durable consumers a transport uses, once each, and remembers which it
 * made sure of. Streams exist before anything is published to them (JetStream drops nothing
 * silently: a publish to a subject without a stream fails with "no responders"), and carry the
 * trimming limits (`max_age`, `max_msgs`, oldest discarded). A stream or consumer the server
 * lost is created again when a call finds it missing ({@link forget}).
 */
export class JetStreamTopology {
  private readonly streams = new Map<string, Promise<void>>();
  private readonly consumers = new Map<string, Promise<void>>();

  constructor(private readonly limits: TopologyLimits) {}

  /** Makes sure `stream` exists on `subjects` (a reply stream when `replies`). */
  ensureStream(link: NatsLink, stream: string, subjects: string[], replies = false): Promise<void> {
    return once(this.streams, stream, () => this.createStream(link, stream, subjects, replies));
  }

  /**
   * Makes sure the durable consumer `name` exists on `stream`. A new one starts at the end of
   * the stream (`deliver_policy: new`): the group sees what is published from now on.
   */
  ensureConsumer(link: NatsLink, stream: string, name: string, filter?: string): Promise<void> {
    return once(this.consumers, `${stream}/${name}`, () =>
      this.createConsumer(link, stream, name, filter),
    );
  }

  /**
   * What the durable consumer `name` of `stream` has not acknowledged: `num_pending` (not yet
   * delivered) plus `num_ack_pending` (delivered, or nak'ed with a delay, and not acked).
   * 0 when the stream or the consumer does not exist.
   */
  async lagOf({ jsm }: NatsLink, stream: string, name: string): Promise<number> {
    try {
      const info = await jsm.consumers.info(stream, name);
      return info.num_pending + info.num_ack_pending;
    } catch (error) {
      if (isNotFound(error)) return 0;
      throw error;
    }
  }

  /** Forgets what it knew of `stream` (and its consumers): the next ensure checks the server. */
  forget(stream: string): void {
    this.streams.delete(stream);
    for (const key of [...this.consumers.keys()])
      if (key.startsWith(`${stream}/`)) this.consumers.delete(key);
  }

  private async createStream(
    { jsm, modules }: NatsLink,
    name: string,
    subjects: string[],
    replies: boolean,
  ): Promise<void> {
    try {
      await jsm.streams.info(name);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const { limits } = this;
    const maxAgeMs = replies ? limits.replyMaxAgeMs : limits.maxAgeMs;
    const config: Partial<StreamConfig> & { name: string } = {
      name,
      subjects,
      max_age: maxAgeMs * NS,
      max_msgs: replies ? limits.replyMaxMsgs : limits.maxMsgs,
      duplicate_window: Math.min(DUPLICATE_WINDOW_MS, maxAgeMs) * NS,
      storage:
        limits.storage === 'memory'
          ? modules.jetstream.StorageType.Memory
          : modules.jetstream.StorageType.File,
      num_replicas: limits.replicas,
    };
    try {
      await jsm.streams.add(config);
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
    }
  }

  private async createConsumer(
    { jsm, modules }: NatsLink,
    stream: string,
    name: string,
    filter: string | undefined,
  ): Promise<void> {
    try {
      await jsm.consumers.info(stream, name);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    try {
      await jsm.consumers.add(stream, {
        durable_name: name,
        ack_policy: modules.jetstream.AckPolicy.Explicit,
        deliver_policy: modules.jetstream.DeliverPolicy.New,
        ack_wait: this.limits.ackWaitMs * NS,
        // Each member bounds what it holds (prefetch); the consumer must not bound the group.
        max_ack_pending: -1,
        max_deliver: -1,
        ...(filter === undefined ? {} : { filter_subject: filter }),
      });
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
    }
  }
}

/** The creation of `key` in `made`: started once, forgotten if it fails (the next call tries again). */
function once(
  made: Map<string, Promise<void>>,
  key: string,
  create: () => Promise<void>,
): Promise<void> {
  let p = made.get(key);
  if (!p) {
    p = create();
    made.set(key, p);
    p.catch(() => made.delete(key));
  }
  return p;
}
