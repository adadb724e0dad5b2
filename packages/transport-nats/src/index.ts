/**
 * The NATS JetStream transport for Rendezvous, on the official `@nats-io` packages.
 *
 * @packageDocumentation
 */
export {
  loadNats,
  NATS_RANGE,
  type NatsJetStreamModule,
  type NatsModuleImporter,
  type NatsModules,
  type NatsNodeModule,
} from './load-nats.js';
export { NatsTransport, type NatsTransportStats } from './nats-transport.js';
export type { NatsTransportOptions } from './nats-transport-options.js';
