import { DeadlineExceededError, first, ModelWorker, Rendezvous } from '@rendezvous-ml/core';
import {
  requireService,
  startKafkaBroker,
  transportConformance,
  waitFor,
} from '@rendezvous-ml/test-kit';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type KafkaLogEntry, KafkaTransport, type KafkaTransportOptions } from '../src/index.js';
import {
  brokerRestartScenario,
  type KafkaFaultSetup,
  malformedRecordScenario,
  SASL_SECRET,
  saslRefusedScenario,
  until,
} from './support/kafka-fault-scenarios.js';
import {
  type KafkaWorkerProcess,
  startKafkaWorkerProcess,
} from './support/kafka-worker-process.js';

const gate = await requireService('kafka', () => startKafkaBroker());
const broker = gate.ok ? gate.service : undefined;

/** Fast group settings: joins and rebalances in ~100 ms, a dead member noticed within 3 s. */
const fast = {
  sessionTimeoutMs: 3000,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 5000,
  maxWaitTimeInMs: 20,
  replyTapRefreshMs: 200,
  partitions: 4,
} as const;

const logs: KafkaLogEntry[] = [];
const options = (extra: Partial<KafkaTransportOptions> = {}): KafkaTransportOptions => ({
  brokers: broker!.brokers,
  ...fast,
  logLevel:
    process.env.DEBUG_KAFKA === 'info' ? 'info' : process.env.DEBUG_KAFKA ? 'warn' : 'error',
  logger: (e) => {
    logs.push(e);
    if (process.env.DEBUG_KAFKA)
      console.log(
        new Date().toISOString().slice(17, 23),
        e.level,
        e.namespace,
        e.message,
        JSON.stringify(e.fields).slice(0, 200),
      );
  },
  ...extra,
});

let seq = 0;
const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`;
const streamsFor = () => ({
  requests: unique('requests'),
  deadLetter: unique('dead'),
  heartbeats: unique('hb'),
});

afterAll(async () => {
  await broker?.dispose();
});

describe.skipIf(!gate.ok)('kafka transport', () => {
  transportConformance('kafka', {
    create: () => new KafkaTransport(options()),
    settleMs: 10_000,
    quietMs: 500,
  });

  describe('KafkaTransport faults against a real broker', () => {
    const opened: KafkaTransport[] = [];
    const subs: Subscription[] = [];
    const connect = (extra: Partial<KafkaTransportOptions> = {}): KafkaTransport => {
      const t = new KafkaTransport(options(extra));
      opened.push(t);
      return t;
    };
    const setup: KafkaFaultSetup = {
      broker: broker!,
      connect: () => connect(),
      streams: streamsFor,
      unique,
      keep: (sub) => subs.push(sub),
    };
    afterEach(async () => {
      for (const s of subs.splice(0)) s.unsubscribe();
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });

    it('(a) a worker instance dies mid-stream: its partitions move to the survivor, every request is answered or times out', {
      timeout: 60_000,
    }, async () => {
      const streams = streamsFor();
      const [tA, tB, fe] = [connect(), connect(), connect()];
      const model = { name: 'm', version: '1' };
      const predict = async (x: number): Promise<number> => {
        await new Promise((r) => setTimeout(r, 5));
        return x * 2;
      };
      const a = new ModelWorker({
        transport: tA,
        model: { ...model, instance: 'a' },
        predict,
        streams,
        heartbeatIntervalMs: 200,
      });
      const b = new ModelWorker({
        transport: tB,
        model: { ...model, instance: 'b' },
        predict,
        streams,
        heartbeatIntervalMs: 200,
      });
      await a.start();
      await b.start();
      const rendezvous = new Rendezvous<number, number>({
        transport: fe,
        policy: first(),
        deadlineMs: 4000,
        streams,
      });
      await rendezvous.start();
      await waitFor(() => rendezvous.registry.live().length >= 1, 'the model to be live', 10_000);
      // both members hold partitions before the kill
      const by = new Map<string, number>();
      const tally = (i: string) => by.set(i, (by.get(i) ?? 0) + 1);
      await until(
        async () => {
          const r = await Promise.all(Array.from({ length: 20 }, (_, i) => rendezvous.request(i)));
          for (const x of r) tally(x.chosen!.model.instance);
          return by.has('a') && by.has('b');
        },
        'both instances to answer',
        20_000,
      );

      const outcomes: Promise<{ ok: boolean; instance?: string; error?: unknown }>[] = [];
      let killedAt = 0;
      for (let i = 0; i < 150; i++) {
        const x = i;
        outcomes.push(
          rendezvous.request(x).then(
            (r) => {
              expect(r.chosen?.output).toBe(x * 2);
              return { ok: true, instance: r.chosen!.model.instance };
            },
            (error: unknown) => ({ ok: false, error }),
          ),
        );
        if (i === 50) {
          killedAt = i;
          void tA.close(); // abrupt: the worker is not stopped, its transport just goes away
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      const settled = await Promise.all(outcomes);
      expect(killedAt).toBe(50);
      const failures = settled.filter((s) => !s.ok);
      for (const f of failures) expect(f.error).toBeInstanceOf(DeadlineExceededError);
      // requests sent well after the kill are all answered, by the survivor
      const late = settled.slice(100);
      expect(late.every((s) => s.ok && s.instance === 'b')).toBe(true);
      expect(settled.filter((s) => s.ok).length).toBeGreaterThanOrEqual(100);
      await rendezvous.stop();
      await b.stop();
    });

    describe('(a) with a real crash', () => {
      let proc: KafkaWorkerProcess | undefined;
      afterEach(async () => {
        await proc?.kill();
        proc = undefined;
      });
      afterAll(async () => {
        await proc?.kill();
      });

      it('(a) a worker process is SIGKILLed mid-stream: the survivor takes its partitions within the session timeout, every request settles', {
        timeout: 60_000,
      }, async () => {
        const crash = { sessionTimeoutMs: 3000, heartbeatIntervalMs: 500 };
        const deadlineMs = 8000;
        // its own prefix, so the group `model:m@1` has no members from other tests
        const topicPrefix = `${unique('crash')}.`;
        const streams = streamsFor();
        const model = { name: 'm', version: '1' };
        const groupId = `${topicPrefix}model:${model.name}@${model.version}`;
        proc = startKafkaWorkerProcess({
          brokers: broker!.brokers,
          topicPrefix,
          partitions: fast.partitions,
          ...crash,
          model: { ...model, instance: 'a' },
          streams,
          predictMs: 5,
        });
        // the survivor logs each join of the model's group, with the partitions it was given
        const joins: { at: number; partitions: number }[] = [];
        const tB = connect({
          topicPrefix,
          ...crash,
          logLevel: 'info',
          logger: (e) => {
            if (e.message !== 'Consumer has joined the group' || e.fields.groupId !== groupId)
              return;
            const assignment = (e.fields.memberAssignment ?? {}) as Record<string, unknown[]>;
            const partitions = Object.values(assignment).reduce((n, p) => n + p.length, 0);
            joins.push({ at: Date.now(), partitions });
          },
        });
        const fe = connect({ topicPrefix });
        const b = new ModelWorker({
          transport: tB,
          model: { ...model, instance: 'b' },
          predict: async (x: number): Promise<number> => {
            await new Promise((r) => setTimeout(r, 5));
            return x * 2;
          },
          streams,
          heartbeatIntervalMs: 200,
        });
        const rendezvous = new Rendezvous<number, number>({
          transport: fe,
          policy: first(),
          deadlineMs,
          streams,
        });
        await proc.ready;
        await b.start();
        await rendezvous.start();
        await waitFor(() => rendezvous.registry.live().length === 1, 'm@1 to be live', 20_000);
        const by = new Set<string>();
        await until(
          async () => {
            const r = await Promise.all(
              Array.from({ length: 20 }, (_, i) => rendezvous.request(i)),
            );
            for (const x of r) by.add(x.chosen!.model.instance);
            return by.has('a') && by.has('b');
          },
          'both instances to answer',
          20_000,
        );
        expect(joins.at(-1)?.partitions).toBeLessThan(fast.partitions);

        interface Outcome {
          readonly sentAt: number;
          settledAt?: number;
          instance?: string;
          output?: number;
          error?: unknown;
        }
        const total = 200;
        const killAfter = 40;
        const outcomes: Outcome[] = [];
        let killedAt = 0;
        for (let i = 0; i < total; i++) {
          const o: Outcome = { sentAt: Date.now() };
          outcomes.push(o);
          rendezvous.request(i).then(
            (r) => {
              o.settledAt = Date.now();
              o.instance = r.chosen?.model.instance;
              o.output = r.chosen?.output;
            },
            (error: unknown) => {
              o.settledAt = Date.now();
              o.error = error;
            },
          );
          if (i === killAfter) {
            killedAt = Date.now();
            void proc.kill(); // a real crash: no LeaveGroup, no commit, sockets cut by the OS
          }
          await new Promise((r) => setTimeout(r, 20)); // pacing of the stream, not a wait
        }
        const lastSentAt = Date.now();
        // none left hanging: every request settles within its deadline (plus slack)
        await waitFor(
          () => outcomes.every((o) => o.settledAt !== undefined),
          'every request to settle',
          deadlineMs + 5000,
        );
        expect(Math.max(...outcomes.map((o) => o.settledAt!))).toBeLessThan(
          lastSentAt + deadlineMs + 5000,
        );
        const failures = outcomes.filter((o) => o.error !== undefined);
        for (const f of failures) expect(f.error).toBeInstanceOf(DeadlineExceededError);
        const answered = outcomes.filter((o) => o.error === undefined);
        for (const [i, o] of outcomes.entries()) if (!o.error) expect(o.output).toBe(i * 2);
        // after the kill only the survivor answers
        const afterKill = answered.filter((o) => o.sentAt > killedAt);
        expect(afterKill.length).toBeGreaterThan(0);
        expect(afterKill.every((o) => o.instance === 'b')).toBe(true);

        // failover: the survivor is given every partition once the broker drops the dead member
        await waitFor(
          () => joins.some((j) => j.at > killedAt && j.partitions === fast.partitions),
          'the survivor to own every partition',
          crash.sessionTimeoutMs + 10_000,
        );
        const takeover = joins.find((j) => j.at > killedAt && j.partitions === fast.partitions)!;
        const failoverMs = takeover.at - killedAt;
        // requests that landed on the dead member's partitions waited for the takeover
        const stalled = afterKill.filter((o) => o.settledAt! - o.sentAt > 1000);
        const longest = Math.max(...answered.map((o) => o.settledAt! - o.sentAt));
        console.log(
          `(a) SIGKILL failover: the survivor owned all ${fast.partitions} partitions ${failoverMs} ms after the kill ` +
            `(sessionTimeoutMs ${crash.sessionTimeoutMs}, heartbeatIntervalMs ${crash.heartbeatIntervalMs}); ` +
            `${answered.length}/${total} answered, ${failures.length} deadline errors, ` +
            `${stalled.length} stalled until the takeover, longest answer ${longest} ms`,
        );
        expect(stalled.length).toBeGreaterThan(0);
        expect(failoverMs).toBeGreaterThan(crash.sessionTimeoutMs - 1000);
        expect(failoverMs).toBeLessThan(crash.sessionTimeoutMs + 4000);
        // and from then on the survivor answers everything, promptly
        const after = await Promise.all(
          Array.from({ length: 20 }, (_, i) => rendezvous.request(i, { deadlineMs: 2000 })),
        );
        expect(after.map((r) => r.chosen?.model.instance)).toEqual(Array(20).fill('b'));
        await rendezvous.stop();
        await b.stop();
      });
    });

    it('(b) survives a broker restart: new requests are answered after recovery, acknowledged archive records are kept', {
      timeout: 120_000,
    }, async () => {
      await brokerRestartScenario(setup);
    });

    it('(c) sends a malformed record to the dead letter and counts it', {
      timeout: 30_000,
    }, async () => {
      await malformedRecordScenario(setup);
    });

    it('refuses SASL on a listener without it as a non-retryable AuthenticationError, and never logs the secret', {
      timeout: 30_000,
    }, async () => {
      const before = logs.length;
      const t = connect({
        sasl: { mechanism: 'plain', username: 'svc', password: SASL_SECRET },
        logLevel: 'debug',
        connectionTimeoutMs: 1000,
        producerRetry: { retries: 0 },
      });
      await saslRefusedScenario(setup, t);
      const text = JSON.stringify(logs.slice(before));
      expect(logs.length).toBeGreaterThan(before);
      expect(text).not.toContain(SASL_SECRET);
    });
  });
});
