import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markdown, type RunReport } from '../lib/report.js';

const report = (over: Partial<RunReport>): RunReport => ({
  date: '2026-12-01T00:00:00.000Z',
  quick: false,
  machine: { cpu: 'x', cores: 2, memoryGb: 24, node: 'v20', platform: 'linux', loadAverage: 0 },
  totalSeconds: 1,
  scenarios: [{ name: 'memory', status: 'ran', seconds: 1, measurements: [] }],
  targets: [{ scenario: 'memory', description: '≥ 200,000 req/s', met: false, actual: '20,000' }],
  profiles: { memory: 'bench/profiles/memory.cpuprofile' },
  ...over,
});

describe('the benchmarks page', () => {
  it('keeps the profile tables of an unmet target when the .cpuprofile file is gone (--report-only)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bench-report-'));
    try {
      const row = { name: 'JSON.parse (native)', selfPct: 7.1, totalPct: 7.1 };
      const page = await markdown(
        report({
          profileSummaries: { memory: { areas: [row], functions: [row], durationMs: 1000 } },
        }),
        root,
      );
      expect(page).toContain('| self time by area | self % | incl. % |');
      expect(page).toContain('| JSON.parse (native) | 7.1 | 7.1 |');
      expect(page).not.toContain('No profile was captured');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('says no profile was captured when there is neither a summary nor a file', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bench-report-'));
    const page = await markdown(report({}), root);
    await rm(root, { recursive: true, force: true });
    expect(page).toContain('No profile was captured');
  });
});
