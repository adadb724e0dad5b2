import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { requireService, startNatsServer } from '@rendezvous-ml/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { buildProductionArchive, type ProductionArchive } from './production-archive.js';

const gate = await requireService('nats-server', () => startNatsServer());
const server = gate.ok ? gate.service : undefined;
const model = fileURLToPath(new URL('./fixtures/dt2-model.ts', import.meta.url));

let archive: ProductionArchive | undefined;
beforeAll(async () => {
  if (gate.ok) archive = await buildProductionArchive(60);
});
afterAll(async () => {
  if (archive) await rm(archive.dir, { recursive: true, force: true });
  await server?.dispose();
});

describe.skipIf(!gate.ok)('rendezvous-replay --transport nats', () => {
  it('replays every archived request through an in-process model on a real NATS server', async () => {
    const a = archive!;
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [
        '--archive',
        a.decoy,
        '--results',
        a.results,
        '--model',
        model,
        '--transport',
        'nats',
        '--nats-servers',
        server!.url,
        '--broker-prefix',
        'replay-cli',
        '--deadline-ms',
        '5000',
        '--quiet',
      ],
      {
        stdout: (s) => {
          stdout += s;
        },
        stderr: (s) => {
          stderr += s;
        },
      },
    );
    expect(stderr).toMatch(/replay: 60\/60 replayed \(0 resumed, 0 failed\)/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# Replay report: dt@2/);
  });
});
