/**
 * The in-memory transport for Rendezvous.
 *
 * @packageDocumentation
 */
export {
  MemoryBroker,
  type MemoryBrokerOptions,
  type MemoryBrokerStats,
  REPLY_TAP_STREAM,
} from './memory-broker.js';
export { MemoryTransport, type MemoryTransportOptions } from './memory-transport.js';
