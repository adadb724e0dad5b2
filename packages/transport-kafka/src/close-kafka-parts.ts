import type { OpenWork } from './open-work.js';

/**
 * The close sequence both Kafka transports share: complete every subscription, stop the reply
 * and broadcast readers, wait for the background work (members leaving their groups), stop the
 * listeners, then disconnect.
 *
 * @param work - the transport's subscriptions and background work: closed first, settled after
 *   the readers stop.
 * @param replyChannels - the reply channels, whose readers stop at once.
 * @param listeners - the broadcast listeners: their readers stop at once, the listeners after
 *   the work settles.
 * @param connector - the broker connection, closed last.
 *
 * @example
 * ```ts
 * close(): Promise<void> {
 *   this.closing ??= closeKafkaParts(this.work, this.replyChannels, this.listeners, this.connector);
 *   return this.closing;
 * }
 * ```
 */
export async function closeKafkaParts(
  work: OpenWork,
  replyChannels: { stopReaders(): void },
  listeners: { stopReaders(): void; stopAll(): Promise<void> },
  connector: { disconnect(): Promise<void> },
): Promise<void> {
  work.close();
  replyChannels.stopReaders();
  listeners.stopReaders();
  await work.settle();
  await listeners.stopAll();
  await connector.disconnect();
}
