import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { childCost } from '../lib/child-cost.js';
import { ProcessCost } from '../lib/process-cost.mjs';

const probe = fileURLToPath(new URL('../lib/cost-probe.mjs', import.meta.url));

describe('ProcessCost', () => {
  it('counts the bytes of objects that were collected long before the reading', () => {
    const meter = new ProcessCost();
    const n = 2_000_000;
    let last: { a: number; b: number } | undefined;
    const before = meter.read();
    for (let i = 0; i < n; i++) last = { a: i, b: i };
    const after = meter.read();
    expect(last?.a).toBe(n - 1);
    // 80 MB went through a young generation of a few MB: most of it was freed by scavenges.
    // A two-field object is 40 B on a 64-bit heap without pointer compression (Node's default).
    const perObject = (after.allocatedBytes - before.allocatedBytes) / n;
    expect(perObject).toBeGreaterThan(36);
    expect(perObject).toBeLessThan(48);
  });

  it('reads nothing allocated when nothing was', () => {
    const meter = new ProcessCost();
    const a = meter.read();
    const b = meter.read();
    // Only the readings themselves (their result objects): a few hundred bytes.
    expect(b.allocatedBytes - a.allocatedBytes).toBeLessThan(4096);
  });

  it('counts CPU time spent on this thread', () => {
    const meter = new ProcessCost();
    const before = meter.read();
    // Burn 50 ms of CPU, however long that takes on a loaded machine (a wall-clock busy loop
    // gets only a share of a core when other processes compete for it).
    const start = process.cpuUsage();
    const giveUpAt = performance.now() + 10_000;
    const burnt = (): number => {
      const u = process.cpuUsage(start);
      return u.user + u.system;
    };
    while (burnt() < 50_000 && performance.now() < giveUpAt) {
      // busy
    }
    const spent = meter.read().cpuUs - before.cpuUs;
    expect(burnt()).toBeGreaterThanOrEqual(50_000);
    expect(spent).toBeGreaterThanOrEqual(50_000);
  });
});

describe('cost-probe preloaded into a process the bench does not own', () => {
  it('answers its CPU and allocations over IPC, and lets the process exit by itself', async () => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        'let keep; for (let i = 0; i < 1e6; i++) keep = [i, i]; process.once("message", () => setTimeout(() => {}, 50));',
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: { ...process.env, NODE_OPTIONS: `--import=${probe}` },
      },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const reading = await childCost(child);
    // A million two-element arrays: 32 B (the array) + 32 B (its elements) each.
    expect(reading.allocatedBytes).toBeGreaterThan(60e6);
    expect(reading.cpuUs).toBeGreaterThan(0);
    expect(await exited).toBe(0);
  });

  it('does not keep alive a process that has no listener of its own', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 50)'], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: `--import=${probe}` },
    });
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0); // ended by itself: the test's timeout would fail it otherwise
  });
});
