import { rm } from 'node:fs/promises';
import { type ArchiveRecord, Decoy, readJsonlArchive, VirtualClock } from '@rendezvous-ml/core';
import { readArchivedRequests, replay, replayStreams } from '@rendezvous-ml/replay';
import { MemoryTransport } from '@rendezvous-ml/transport-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RatePacer } from '../src/rate-pacer.js';
import { buildProductionArchive, dt2, type ProductionArchive } from './production-archive.js';

let archive: ProductionArchive;
let archived: { id: string; ts: number }[];
beforeAll(async () => {
  archive = await buildProductionArchive(300);
  archived = (await readJsonlArchive(archive.decoy)).flatMap((r) =>
    r.kind === 'request' ? [{ id: r.requestId, ts: r.request.ts }] : [],
  );
});
afterAll(async () => {
  if (archive) await rm(archive.dir, { recursive: true, force: true });
});

async function ids(filter: Parameters<typeof readArchivedRequests>[1]): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readArchivedRequests(archive.decoy, filter)) out.push(r.id);
  return out;
}

describe('which archived requests a replay takes', () => {
  it('--since and --until select by request ts, since inclusive and until exclusive', async () => {
    const sorted = [...new Set(archived.map((a) => a.ts))].sort((a, b) => a - b);
    const since = sorted[Math.floor(sorted.length / 4)]!;
    const until = sorted[Math.floor((3 * sorted.length) / 4)]!;
    const expected = archived.filter((a) => a.ts >= since && a.ts < until).map((a) => a.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(await ids({ since, until })).toEqual(expected);
    expect(await ids({ since })).toEqual(archived.filter((a) => a.ts >= since).map((a) => a.id));
    expect(await ids({ until })).toEqual(archived.filter((a) => a.ts < until).map((a) => a.id));
  });

  it('--limit takes the first n in archive order, after the time filter', async () => {
    expect(await ids({ limit: 25 })).toEqual(archived.slice(0, 25).map((a) => a.id));
    const since = archived[100]!.ts;
    const within = archived.filter((a) => a.ts >= since).map((a) => a.id);
    expect(await ids({ since, limit: 7 })).toEqual(within.slice(0, 7));
    expect(await ids({ limit: 0 })).toEqual([]);
    expect(await ids({ limit: 10_000 })).toHaveLength(300);
  });

  it('a missing archive folder yields nothing', async () => {
    expect(await ids({})).toHaveLength(300);
    const none: string[] = [];
    for await (const r of readArchivedRequests(`${archive.dir}/nope`)) none.push(r.id);
    expect(none).toEqual([]);
  });
});

describe('--rate on virtual time', () => {
  it('RatePacer spaces calls 1000/rate ms apart and does not bank credit across a pause', async () => {
    const clock = new VirtualClock(1000);
    const pacer = new RatePacer(4, clock);
    const at: number[] = [];
    const run = (async () => {
      for (let i = 0; i < 5; i++) {
        await pacer.wait();
        at.push(clock.now());
      }
    })();
    for (let i = 0; i < 20 && at.length < 5; i++) await clock.advance(50);
    await run;
    expect(at).toEqual([1000, 1250, 1500, 1750, 2000]);
    await clock.advance(5000); // a pause: the next call goes at once, the one after 250 ms later
    const t0 = clock.now();
    await pacer.wait();
    const next = pacer.wait();
    let done = false;
    void next.then(() => (done = true));
    await clock.advance(249);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    expect(clock.now()).toBe(t0 + 250);
    expect(() => new RatePacer(0)).toThrow(TypeError);
  });

  it('replay publishes at most rate requests per second (request ts 100 ms apart at rate 10)', async () => {
    const clock = new VirtualClock(Date.parse('2025-01-01T00:00:00Z'));
    const transport = new MemoryTransport();
    const seen: ArchiveRecord[] = [];
    const decoy = new Decoy({
      transport,
      streams: replayStreams(),
      sinks: [{ write: async (rs) => void seen.push(...rs), close: async () => {} }],
    });
    await decoy.start();
    let finished = false;
    const run = replay({
      transport,
      archive: archive.decoy,
      models: [{ name: 'dt', version: '2', predict: dt2 }],
      rate: 10,
      limit: 20,
      discoveryMs: 0,
      clock,
    }).finally(() => (finished = true));
    for (let i = 0; i < 10_000 && !finished; i++) {
      await clock.advance(10);
      await new Promise((r) => setImmediate(r));
    }
    const report = await run;
    await decoy.stop();
    expect(report.accounting).toMatchObject({ selected: 20, replayed: 20 });
    const ts = seen
      .flatMap((r) => (r.kind === 'request' ? [r.request.ts] : []))
      .sort((a, b) => a - b);
    expect(ts).toHaveLength(20);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(100);
    expect(ts.at(-1)! - ts[0]!).toBeLessThan(19 * 100 + 50);
    await transport.close();
  });
});
