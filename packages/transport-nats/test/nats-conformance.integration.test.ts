import { requireService, startNatsServer, transportConformance } from '@rendezvous-ml/test-kit';
import { NatsTransport } from '@rendezvous-ml/transport-nats';
import { afterAll, describe } from 'vitest';

const gate = await requireService('nats-server', () => startNatsServer());
const server = gate.ok ? gate.service : undefined;

afterAll(async () => {
  await server?.dispose();
});

describe.skipIf(!gate.ok)('nats transport', () => {
  transportConformance('nats', {
    create: () => new NatsTransport({ servers: server!.url, ackWaitMs: 10_000 }),
    settleMs: 5000,
    quietMs: 200,
  });
});
