// Extended by typedoc.json: the entry points are computed, not listed, so every published package
// (packages/*/package.json without `private: true`) is documented as soon as it has sources.
// Each package is documented from src/index.ts, the source of its "." export (tsup's `index`
// entry; scripts/ci/check-exports.mjs keeps the exports map and the tsup entries in sync).
// Packages still without src/index.ts are skipped with a printed note.
import { join } from 'node:path';
import { readyPackages, repoRoot } from '../ci/published-packages.mjs';

const packages = readyPackages(undefined, (message) => console.log(`[docs] ${message}`));

export default {
  entryPoints: packages.map((p) => p.dir),
  packageOptions: {
    entryPoints: ['src/index.ts'],
    excludePrivate: true,
    excludeInternal: true,
    // Resolve sibling packages to their sources (not their built .d.ts), so a {@link} from one
    // package to another's export lands on that export's page after the merge.
    compilerOptions: {
      rootDir: join(repoRoot, 'packages'),
      paths: Object.fromEntries(packages.map((p) => [p.name, [join(p.dir, 'src', 'index.ts')]])),
    },
    // No git remote on a fresh clone or in CI: link sources with a fixed template instead.
    disableGit: true,
    basePath: repoRoot,
    sourceLinkTemplate: 'https://github.com/rendezvous-ml/rendezvous/blob/main/{path}#L{line}',
  },
};
