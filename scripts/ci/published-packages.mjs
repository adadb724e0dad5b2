// The published packages of the workspace: every packages/*/package.json without `private: true`.
// Shared by the docs config and the CI checks, so a new package is picked up without editing them.
//
//   node scripts/ci/published-packages.mjs            -> "dir<TAB>name<TAB>ready|no-source" per package
//   node scripts/ci/published-packages.mjs --ready    -> dirs of packages that have src/index.ts;
//                                                        each package skipped is named on stderr
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * @returns {{ dir: string, relDir: string, name: string, manifest: Record<string, any>, hasSource: boolean }[]}
 */
export function publishedPackages(root = repoRoot) {
  const packagesDir = join(root, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(packagesDir, d.name, 'package.json')))
    .map((d) => {
      const dir = join(packagesDir, d.name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return {
        dir,
        relDir: relative(root, dir),
        name: manifest.name,
        manifest,
        hasSource: existsSync(join(dir, 'src', 'index.ts')),
      };
    })
    .filter((p) => p.manifest.private !== true)
    .sort((a, b) => a.relDir.localeCompare(b.relDir));
}

/**
 * Packages ready to check; prints a note for each package skipped because it has no sources yet.
 * RENDEZVOUS_ONLY_PACKAGES="packages/core packages/transport-memory" narrows the set (for local
 * debugging; the narrowing is printed too).
 */
export function readyPackages(root = repoRoot, log = (m) => console.error(m)) {
  let all = publishedPackages(root);
  const only = process.env.RENDEZVOUS_ONLY_PACKAGES?.split(/[\s,]+/).filter(Boolean);
  if (only?.length) {
    log(`note: RENDEZVOUS_ONLY_PACKAGES: checking only ${only.join(', ')}`);
    all = all.filter((p) => only.includes(p.relDir) || only.includes(p.name));
  }
  for (const p of all.filter((p) => !p.hasSource)) {
    log(`note: skipping ${p.name} (${p.relDir}): no src/index.ts yet`);
  }
  return all.filter((p) => p.hasSource);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--ready')) {
    for (const p of readyPackages()) console.log(p.relDir);
  } else {
    for (const p of publishedPackages()) {
      console.log(`${p.relDir}\t${p.name}\t${p.hasSource ? 'ready' : 'no-source'}`);
    }
  }
}
