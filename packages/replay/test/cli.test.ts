import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReplayReport } from '@rendezvous-ml/replay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCliArgs, runCli } from '../src/cli.js';
import { buildProductionArchive, type ProductionArchive } from './production-archive.js';

const model = fileURLToPath(new URL('./fixtures/dt2-model.ts', import.meta.url));
let archive: ProductionArchive;
beforeAll(async () => {
  archive = await buildProductionArchive(200);
});
afterAll(async () => {
  if (archive) await rm(archive.dir, { recursive: true, force: true });
});

function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: (s: string) => {
        out.stdout += s;
      },
      stderr: (s: string) => {
        out.stderr += s;
      },
    },
  };
}

describe('rendezvous-replay', () => {
  it('refuses bad flags with exit code 2 and says which flag', async () => {
    const cases: [string[], RegExp][] = [
      [[], /--archive is required/],
      [['--archive', 'a'], /name the new versions/],
      [['--archive', 'a', '--expect', 'dt@2'], /--expect needs a broker/],
      [['--archive', 'a', '--model', 'm', '--rate', '0'], /--rate must be a positive number/],
      [['--archive', 'a', '--model', 'm', '--since', 'yesterday'], /--since: "yesterday"/],
      [['--archive', 'a', '--model', 'm', '--resume'], /--resume needs --out/],
      [['--archive', 'a', '--model', 'm', '--nope'], /Unknown option '--nope'/],
    ];
    for (const [argv, message] of cases) {
      const { out, io: sink } = io();
      expect(await runCli(argv, sink), argv.join(' ')).toBe(2);
      expect(out.stderr).toMatch(message);
    }
    expect(parseCliArgs(['--help'])).toBe('help');
    expect(
      parseCliArgs([
        '--archive',
        'a',
        '--model',
        'm',
        '--since',
        '1700000000000',
        '--until',
        '2025-01-01T00:00:00Z',
      ]),
    ).toMatchObject({
      since: 1_700_000_000_000,
      until: Date.parse('2025-01-01T00:00:00Z'),
      transport: 'memory',
      namespace: 'replay',
    });
  });

  it('replays on memory with an in-process model, writes JSON and Markdown, progress on stderr, and resumes', async () => {
    const json = join(archive.dir, 'report.json');
    const markdown = join(archive.dir, 'report.md');
    const outDir = join(archive.dir, 'replayed');
    const base = [
      '--archive',
      archive.decoy,
      '--scores',
      archive.scores,
      '--results',
      archive.results,
      '--model',
      model,
      '--out',
      outDir,
    ];
    const first = io();
    expect(await runCli([...base, '--limit', '120'], first.io)).toBe(0);
    expect(first.out.stdout).toMatch(/^# Replay report: dt@2/); // Markdown on stdout by default
    const second = io();
    expect(
      await runCli([...base, '--resume', '--json', json, '--markdown', markdown], second.io),
    ).toBe(0);
    expect(second.out.stdout).toBe('');
    expect(second.out.stderr).toMatch(
      /replay: 200\/200 replayed \(120 resumed, 0 failed\); dt@2 agrees with the answer given on 90.0 %/,
    );
    const report = JSON.parse(await readFile(json, 'utf8')) as ReplayReport;
    expect(report.accounting).toMatchObject({ selected: 200, replayed: 200, resumed: 120 });
    const md = await readFile(markdown, 'utf8');
    expect(md).toContain('Every selected request was replayed exactly once.');
    expect(md).toContain('| dt@1 | 180 / 200 | 90.0 % |');
  });
});
