import { readFile } from 'node:fs/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** One row of a profile summary: self time of a function, or total time of a group. */
export interface ProfileRow {
  readonly name: string;
  readonly selfPct: number;
  readonly totalPct: number;
}

/** Where the time of a `node --cpu-prof` profile goes. */
export interface ProfileSummary {
  /** Functions with the most self time. */
  readonly functions: readonly ProfileRow[];
  /** Self time grouped by area (core file, rxjs, node internals, GC...). */
  readonly areas: readonly ProfileRow[];
  readonly durationMs: number;
}

/** Short location of a script URL: `core/rendezvous.ts`, `rxjs`, `node:internal`. */
export function areaOf(url: string): string {
  if (!url) return '(native / idle / gc)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /packages\/([^/]+)\/src\/(.+)$/.exec(url);
  if (pkg) return `${pkg[1]}/${pkg[2]}`;
  const mod = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (mod) return mod[1]!;
  const bench = /\/bench\/(.+)$/.exec(url);
  if (bench) return `bench/${bench[1]}`;
  return url.replace(/^file:\/\//, '');
}

/**
 * Summarises a `.cpuprofile`: self time per function and per area, as a share of the samples.
 *
 * @example
 * ```ts
 * const s = await summariseProfile('bench/profiles/memory.cpuprofile');
 * s.functions.slice(0, 5);
 * ```
 */
export async function summariseProfile(path: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  if (profile.samples) for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  else for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let total = 0;
  for (const [id, h] of hits) if (byId.get(id)?.callFrame.functionName !== '(idle)') total += h;
  const fnSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const areaSelf = new Map<string, number>();
  const areaTotal = new Map<string, number>();
  const label = (n: ProfileNode): string => {
    const f = n.callFrame;
    const fn = f.functionName || '(anonymous)';
    return f.url ? `${fn} (${areaOf(f.url)}:${f.lineNumber + 1})` : fn;
  };
  for (const [id, h] of hits) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)' || h === 0) continue;
    const own = label(node);
    fnSelf.set(own, (fnSelf.get(own) ?? 0) + h);
    const area = areaOf(node.callFrame.url);
    areaSelf.set(area, (areaSelf.get(area) ?? 0) + h);
    // Inclusive time: count each function and area once per sample along the stack.
    const seenFn = new Set<string>();
    const seenArea = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const l = label(n);
      if (!seenFn.has(l)) {
        seenFn.add(l);
        fnTotal.set(l, (fnTotal.get(l) ?? 0) + h);
      }
      const a = areaOf(n.callFrame.url);
      if (n.callFrame.url && !seenArea.has(a)) {
        seenArea.add(a);
        areaTotal.set(a, (areaTotal.get(a) ?? 0) + h);
      }
    }
  }
  const pct = (v: number) => (total ? (100 * v) / total : 0);
  const rows = (self: Map<string, number>, tot: Map<string, number>) =>
    [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, v]) => ({ name, selfPct: pct(v), totalPct: pct(tot.get(name) ?? v) }));
  return {
    functions: rows(fnSelf, fnTotal),
    areas: rows(areaSelf, areaTotal),
    durationMs: (profile.endTime - profile.startTime) / 1000,
  };
}
