/**
 * The Python worker package on a real Kafka broker: its Kafka unit tests, and the conformance
 * runner, which includes sharing one consumer group between the Python (librdkafka) worker and a
 * TypeScript (kafkajs) worker. Under CI=true a missing Python module or broker fails the run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '@rendezvous-ml/core';
import {
  formatConformanceReport,
  type KafkaBroker,
  requireService,
  runWorkerConformance,
  startKafkaBroker,
  startWorkerProcess,
  waitFor,
} from '@rendezvous-ml/test-kit';
import { KafkaTransport } from '@rendezvous-ml/transport-kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { findPython } from './support/find-python.js';

const packageDir = fileURLToPath(new URL('../rendezvous-worker', import.meta.url));
const sticky = fileURLToPath(new URL('./fixtures/sticky_member.py', import.meta.url));
const py = findPython(['confluent_kafka']);
const kafka = await requireService('kafka', () => startKafkaBroker());

describe.skipIf(!py.ok || !kafka.ok)('the Python worker on Kafka', () => {
  const broker = kafka.ok ? kafka.service : (undefined as unknown as KafkaBroker);
  const python = py.ok ? py.python : 'python3';

  afterAll(async () => {
    await broker?.dispose();
  });

  it('passes its Kafka unit tests against this broker', { timeout: 240_000 }, async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>(
      (resolve) => {
        const child = spawn(
          python,
          ['-m', 'unittest', 'discover', '-s', 'tests', '-p', 'test_kafka*.py', '-v'],
          {
            cwd: packageDir,
            env: {
              ...process.env,
              RENDEZVOUS_KAFKA_BROKERS: broker.brokers,
              RENDEZVOUS_REQUIRE_SERVICES: '1',
              PYTHONDONTWRITEBYTECODE: '1',
            },
          },
        );
        let text = '';
        child.stdout.on('data', (c: Buffer) => (text += c.toString()));
        child.stderr.on('data', (c: Buffer) => (text += c.toString()));
        child.on('exit', (exit) => resolve({ code: exit, output: text }));
      },
    );
    expect(code, output).toBe(0);
    expect(output).not.toMatch(/\.\.\. skipped|skipped=/);
  });

  it('passes the conformance runner, sharing its group with a kafkajs member', {
    timeout: 240_000,
  }, async () => {
    const report = await runWorkerConformance({
      broker: { transport: 'kafka', brokers: broker.brokers },
      cmd: `${python} -u examples/echo_worker.py`,
      cwd: packageDir,
      startTimeoutMs: 60_000,
    });
    expect(report.ok, formatConformanceReport(report)).toBe(true);
    expect(report.checks.map((c) => c.name)).toContain(
      'shares its group with a TypeScript instance of the same version',
    );
  });

  it('a kafkajs member refused by the group (a librdkafka member with only cooperative-sticky) ends its subscription with what to change, instead of looping', {
    timeout: 120_000,
  }, async () => {
    const topicPrefix = `rf${Date.now().toString(36)}.`;
    const transport = new KafkaTransport({
      brokers: broker.brokers,
      topicPrefix,
      logLevel: 'nothing',
    });
    const member = startWorkerProcess(
      `${python} -u ${sticky} ${broker.brokers} ${topicPrefix}requests ${topicPrefix}model:x@1`,
      {},
    );
    try {
      await transport.ensureGroup('requests', 'model:x@1');
      await waitFor(
        () => member.output().includes('assigned'),
        `the librdkafka member to join: ${member.output()}`,
        60_000,
      );
      let error: unknown;
      let deliveries = 0;
      transport.consume('requests', { group: 'model:x@1', consumer: 'ts' }).subscribe({
        next: () => deliveries++,
        error: (e: unknown) => {
          error = e;
        },
      });
      await waitFor(() => error !== undefined, 'the subscription to end with the refusal', 60_000);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(
        /INCONSISTENT_GROUP_PROTOCOL.*partition\.assignment\.strategy=roundrobin/,
      );
      expect(deliveries).toBe(0);
    } finally {
      await member.kill('SIGKILL');
      await transport.close();
    }
  });
});
