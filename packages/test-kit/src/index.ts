/**
 * The transport conformance suite. Every transport package runs it against its own transport:
 *
 * ```ts
 * transportConformance('redis', { create: () => new RedisTransport({ url }) });
 * ```
 *
 * @packageDocumentation
 */

export { AckSpyTransport } from './ack-spy-transport.js';
export { type ConformanceBrokerSpec, openConformanceBroker } from './conformance-broker.js';
export {
  type ConformanceContext,
  type ConformanceTarget,
  conformanceContext,
} from './conformance-context.js';
export { type DeadLetterInspector, inspectDeadLetters } from './dead-letter-inspector.js';
export { DelegatingTransport } from './delegating-transport.js';
export { deliveryCases } from './delivery-cases.js';
export { type DrainScenarioOptions, drainScenario } from './drain-scenario.js';
export {
  type FixtureProcess,
  type FixtureProcessOptions,
  startFixtureProcess,
} from './fixture-process.js';
export { type LateJoinScenarioOptions, lateJoinScenario } from './late-join-scenario.js';
export { openGate } from './open-gate.js';
export { replyCases } from './reply-cases.js';
export { normal, seededRandom } from './seeded-random.js';
export { type ElasticsearchNode, startElasticsearchNode } from './services/elasticsearch-node.js';
export { freePort } from './services/free-port.js';
export { type KafkaBroker, startKafkaBroker } from './services/kafka-broker.js';
export { type NatsServer, startNatsServer } from './services/nats-server.js';
export { type RedisServer, startRedisServer } from './services/redis-server.js';
export { requireService, type ServiceGate, servicesRequired } from './services/require-service.js';
export { type SinkConformanceTarget, sinkConformance } from './sink-conformance.js';
export { transportConformance } from './transport-conformance.js';
export { waitFor } from './wait-for.js';
export { schemaErrors, type WireKind } from './wire-schemas.js';
export {
  type CheckOutcome,
  formatCheck,
  formatConformanceReport,
  runWorkerConformance,
  type WorkerConformanceOptions,
  type WorkerConformanceReport,
} from './worker-conformance.js';
export { startWorkerProcess, type WorkerProcess } from './worker-process.js';
export { wrapDelivery } from './wrap-delivery.js';
