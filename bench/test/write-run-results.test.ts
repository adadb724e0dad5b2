import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeRunResults } from '../lib/write-run-results.js';

describe('writeRunResults', () => {
  let root: string | undefined;
  afterEach(() => (root ? rm(root, { recursive: true, force: true }) : undefined));

  it('writes the report stamped and as latest.json, and the page; returns the stamped file', async () => {
    root = await mkdtemp(join(tmpdir(), 'run-results-'));
    const file = await writeRunResults({
      root,
      dir: 'chaos/results',
      date: '2026-12-02T04:50:00.000Z',
      quick: true,
      report: { ok: 1 },
      page: 'reliability.md',
      markdown: '# Reliability\n',
    });
    expect(file).toBe('chaos/results/2026-12-02T04-50-00-000Z-quick.json');
    expect((await readdir(join(root, 'chaos/results'))).sort()).toEqual([
      '2026-12-02T04-50-00-000Z-quick.json',
      'latest.json',
    ]);
    expect(await readFile(join(root, file), 'utf8')).toBe('{\n  "ok": 1\n}\n');
    expect(await readFile(join(root, 'chaos/results/latest.json'), 'utf8')).toBe(
      '{\n  "ok": 1\n}\n',
    );
    expect(await readFile(join(root, 'reliability.md'), 'utf8')).toBe('# Reliability\n');
  });
});
