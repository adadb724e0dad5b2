import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonlArchive, VirtualClock } from '@rendezvous-ml/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs, runCli } from '../src/cli.js';
import { FakeControl } from './support/fake-control.js';
import { driveWithTraffic, GOOD, SyntheticTraffic } from './support/synthetic-traffic.js';

const MODELS = { candidate: 'dt@2', current: 'dt@1', keep: ['lr'] };
const BASE = ['--candidate', 'dt@2', '--current', 'dt@1', '--keep', 'lr', '--min-samples', '100'];

function harness(behaviour = GOOD) {
  const clock = new VirtualClock(0);
  const control = new FakeControl();
  const traffic = new SyntheticTraffic(control, clock, behaviour, MODELS);
  let out = '';
  let err = '';
  let closed = 0;
  const io = {
    stdout: (s: string) => {
      out += s;
    },
    stderr: (s: string) => {
      err += s;
    },
    clock,
    connect: async () => ({
      control,
      results: traffic.results$,
      close: async () => {
        closed++;
      },
    }),
  };
  return { clock, control, traffic, io, out: () => out, err: () => err, closed: () => closed };
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('rendezvous-rollout', () => {
  it('prints each stage, its figures and the decision, one line each, and exits 0 on completion', async () => {
    const h = harness();
    const code = await driveWithTraffic(runCli(BASE, h.io), h.clock, h.traffic);
    expect(code).toBe(0);
    const lines = h.out().trimEnd().split('\n');
    expect(lines[0]).toBe('rollout dt@2-0: dt@2 replaces dt@1, keeping lr; stages 6');
    expect(lines[1]).toMatch(
      /^\[ {3}0\.0 s\] shadow {6}started {5}v1 {2}applied by 1 front end\(s\) in 1 ms$/,
    );
    expect(lines[2]).toMatch(
      /^\[ +\d+\.\d s\] shadow {6}advanced {4}v1 {2}n=1\d\d \(dt@2 answered 0, dt@1 1\d\d\) agreement 1 \[0\.9\d+, 1\] p99 5 ms vs 5 ms \(1×\) errors 0% failed 0\/1\d\d — every threshold met$/,
    );
    expect(lines.at(-1)).toMatch(
      /retired {5}COMPLETED {3}v6 — dt@1 retired: gone from the results 0\.\d s later \(1 retire sent\)$/,
    );
    expect(lines).toHaveLength(1 + 2 * 5 + 2);
    expect(h.closed()).toBe(1);
  });

  it('exits 1 on a rollback and says why', async () => {
    const h = harness({ agree: 0.4, latencyMs: 5, errorRate: 0 });
    const code = await driveWithTraffic(runCli(BASE, h.io), h.clock, h.traffic);
    expect(code).toBe(1);
    expect(h.out().trimEnd().split('\n').at(-1)).toMatch(
      /shadow {6}ROLLED BACK v2 {2}applied by 1 front end\(s\) in 1 ms {2}n=\d+ .* — alarm: agreement with dt@1 of dt@2/,
    );
  });

  it('prints JSON events with --json and archives them with --archive', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollout-cli-'));
    const h = harness();
    const code = await driveWithTraffic(
      runCli([...BASE, '--json', '--archive', dir, '--no-shadow', '--shares', '5,50'], h.io),
      h.clock,
      h.traffic,
    );
    expect(code).toBe(0);
    const events = h
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; stage: string });
    expect(events.map((e) => `${e.type} ${e.stage}`)).toEqual([
      'stage-started canary 5%',
      'advanced canary 5%',
      'stage-started canary 50%',
      'advanced canary 50%',
      'stage-started promoted',
      'advanced promoted',
      'stage-started retired',
      'completed retired',
    ]);
    const records = await readJsonlArchive(dir);
    expect(records.map((r) => (r.kind === 'event' ? r.event.type : r.kind))).toEqual(
      events.map((e) => e.type),
    );
  });

  it('rolls back when the signal is aborted (Ctrl-C)', async () => {
    const h = harness();
    const controller = new AbortController();
    const code = await driveWithTraffic(
      runCli(BASE, { ...h.io, signal: controller.signal }),
      h.clock,
      h.traffic,
      {
        beforeTick: (tick) => {
          if (tick === 30) controller.abort();
        },
      },
    );
    expect(code).toBe(1);
    expect(h.out()).toMatch(/ROLLED BACK v\d+ .*— aborted: interrupted \(Ctrl-C\)\n$/);
  });

  it('refuses bad flags with exit code 2 and the usage', async () => {
    const h = harness();
    expect(await runCli(['--current', 'dt@1'], h.io)).toBe(2);
    expect(h.err()).toMatch(/^rendezvous-rollout: --candidate is required/);
    expect(h.err()).toContain('Usage: rendezvous-rollout');
    expect(() => parseCliArgs([...BASE, '--shares', '10,5'])).toThrow(
      '--shares must rise, got 10,5',
    );
    expect(() => parseCliArgs([...BASE, '--min-agreement', '2'])).toThrow(
      /--min-agreement must be within \[0, 1\]/,
    );
    expect(() => parseCliArgs([...BASE, '--transport', 'memory'])).toThrow(
      /--transport must be redis, kafka or nats/,
    );
    expect(() => parseCliArgs([...BASE, '--wat'])).toThrow();
  });

  it('parses the gate and the stages', () => {
    const args = parseCliArgs([
      ...BASE,
      '--max-p99-ms',
      '20',
      '--max-stage-ms',
      '30000',
      '--no-retire',
    ]);
    expect(args).toMatchObject({
      gate: { minSamples: 100, maxP99Ms: 20, maxStageMs: 30_000 },
      stages: [
        { kind: 'shadow' },
        { kind: 'canary', share: 0.01 },
        { kind: 'canary', share: 0.1 },
        { kind: 'canary', share: 0.5 },
        { kind: 'promoted' },
      ],
      transport: 'redis',
      resultsGroup: 'rollout',
    });
  });
});

describe('rendezvous-rollout --transport', () => {
  it('accepts redis, kafka and nats (not memory), and exits 2 naming them otherwise', async () => {
    const base = ['--candidate', 'dt@2', '--current', 'dt@1'];
    for (const t of ['redis', 'kafka', 'nats'])
      expect(parseCliArgs([...base, '--transport', t])).toMatchObject({ transport: t });
    expect(parseCliArgs(base)).toMatchObject({ transport: 'redis' });
    for (const t of ['memory', 'pulsar']) {
      const h = harness();
      expect(await runCli([...base, '--transport', t], h.io)).toBe(2);
      expect(h.out()).toBe('');
      expect(h.err()).toMatch(
        new RegExp(
          `^rendezvous-rollout: --transport must be redis, kafka or nats, got "${t}"\\n\\nUsage: rendezvous-rollout`,
        ),
      );
    }
  });
});
