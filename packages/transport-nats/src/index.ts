/**
 * The NATS JetStream transport for Rendezvous, on the official `@nats-io` packages.
 *
 * @packageDocumentation
 */
export { NatsTransport } from './nats-transport.js';
export type { NatsTransportOptions } from './nats-transport-options.js';
export type { NatsTransportStats } from './nats-transport-stats.js';
