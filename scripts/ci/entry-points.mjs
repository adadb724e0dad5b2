// The entry points of every published package, from its `exports` map and its tsup entries:
// `.` is the package's main entry, `./transport` a subpath such as `@rendezvous-ml/core/transport`.
// Shared by check-api.mjs (built exports <-> README lists), check-manifests.mjs, check-snippets.mjs
// and the typedoc config, so a new subpath is documented and checked once it is in `exports` and
// in tsup.config.ts.
import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { tsImport } from 'tsx/esm/api';

/** The output stem of a built file: dist/index.d.cts -> "index", dist/sub/x.js -> "sub/x". */
export function stemOf(file, outDir) {
  return relative(outDir, file).replace(/\.d\.[cm]?ts$|\.[cm]?js$/, '');
}

/** tsup's entries of a package (stem -> source), formats, dts and outDir. */
export async function tsupEntries(dir) {
  const configPath = join(dir, 'tsup.config.ts');
  if (!existsSync(configPath)) return { error: 'no tsup.config.ts' };
  const mod = await tsImport(configPath, import.meta.url);
  let config = mod.default ?? mod;
  if (typeof config === 'function') config = await config({});
  const configs = Array.isArray(config) ? config : [config];
  const entries = new Map(); // stem -> source
  const formats = new Set();
  let dts = false;
  let outDir = 'dist';
  for (const c of configs) {
    const entry = c.entry ?? [];
    if (Array.isArray(entry)) {
      for (const src of entry) entries.set(basename(src).replace(/\.[cm]?[tj]sx?$/, ''), src);
    } else for (const [name, src] of Object.entries(entry)) entries.set(name, src);
    for (const f of [c.format ?? ['cjs']].flat()) formats.add(f);
    dts ||= Boolean(c.dts);
    outDir = c.outDir ?? outDir;
  }
  return { entries, formats, dts, outDir };
}

/** The ESM types file of one `exports` value (`{ import: { types } }`, `{ types }` or a string). */
function importTypes(value) {
  if (typeof value === 'string') return value.endsWith('.d.ts') ? value : undefined;
  if (!value || typeof value !== 'object') return undefined;
  if (typeof value.types === 'string') return value.types;
  return value.import === undefined ? undefined : importTypes(value.import);
}

/**
 * The code entry points of a package (data subpaths such as "./schemas/*" and ./package.json
 * left out), main entry first.
 *
 * @returns {Promise<{ subpath: string, specifier: string, source: string, types: string }[]>}
 *   absolute paths of the source file and of the built ESM .d.ts
 */
export async function entryPoints(pkg) {
  const { dir, manifest, name } = pkg;
  const tsup = await tsupEntries(dir);
  const out = [];
  for (const [subpath, value] of Object.entries(manifest.exports ?? {})) {
    if (subpath === './package.json' || subpath.includes('*')) continue;
    const types = importTypes(value);
    if (!types) continue;
    const stem = stemOf(join(dir, types), join(dir, tsup.outDir ?? 'dist'));
    const source = tsup.entries?.get(stem);
    if (!source) continue;
    out.push({
      subpath,
      specifier: subpath === '.' ? name : `${name}/${subpath.slice(2)}`,
      source: join(dir, source),
      types: join(dir, types),
    });
  }
  return out.sort((a, b) => (a.subpath === '.' ? -1 : b.subpath === '.' ? 1 : 0));
}

// CLI: node scripts/ci/entry-points.mjs  -> "<specifier>" of every entry point of every ready
// package, one a line (the consumer smoke test loads each of them).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readyPackages } from './published-packages.mjs';

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const pkg of readyPackages()) {
    for (const e of await entryPoints(pkg)) console.log(e.specifier);
  }
}
