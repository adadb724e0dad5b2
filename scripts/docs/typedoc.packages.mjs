// Extended by typedoc.json: the entry points are computed, not listed, so every published package
// (packages/*/package.json without `private: true`) is documented as soon as it has sources.
// Each package is documented from src/index.ts, the source of its "." export (tsup's `index`
// entry; scripts/ci/check-exports.mjs keeps the exports map and the tsup entries in sync).
// Packages still without src/index.ts are skipped with a printed note.
//
// Also here (not in typedoc.json, which other changes edit): the sidebar (groups in the order
// users look for them) and the "Defined in" source links.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readyPackages, repoRoot } from '../ci/published-packages.mjs';
import { SIDEBAR_GROUPS } from './sidebar-groups.mjs';

const packages = readyPackages(undefined, (message) => console.log(`[docs] ${message}`));

/** The commit the source links point at: RENDEZVOUS_DOCS_REVISION, else HEAD, else `main`. */
function revision() {
  if (process.env.RENDEZVOUS_DOCS_REVISION) return process.env.RENDEZVOUS_DOCS_REVISION;
  try {
    return execFileSync('git', ['-C', repoRoot, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'main';
  }
}

// {path} is relative to displayBasePath: the repository root, so it keeps `packages/<name>/src/`.
// Without displayBasePath typedoc takes the common directory of the entry points (the package's
// src/), and the links lose the package path.
export const SOURCE_LINK_TEMPLATE =
  'https://github.com/rendezvous-ml/rendezvous/blob/{gitRevision}/{path}#L{line}';
const sources = {
  disableGit: true,
  gitRevision: revision(),
  basePath: repoRoot,
  displayBasePath: repoRoot,
  sourceLinkTemplate: SOURCE_LINK_TEMPLATE,
};

export default {
  entryPoints: packages.map((p) => p.dir),
  ...sources,
  // Sidebar: the docs pages by their front matter `group`, then the packages ("API reference",
  // renamed from typedoc's "Modules" by typedoc-plugin-pending-pages.mjs), each by kind.
  navigation: { includeGroups: true, includeCategories: false, includeFolders: false },
  groupOrder: [
    ...SIDEBAR_GROUPS,
    'Classes',
    'Interfaces',
    'Type Aliases',
    'Functions',
    'Variables',
    '*',
  ],
  // docs/index.md has its own `# Rendezvous`: do not print the project name above it again.
  headings: { readme: false },
  // Links only with a scheme: `kafka.sh` in a table is a file name, not http://kafka.sh.
  markdownItLoader: (md) => md.linkify.set({ fuzzyLink: false }),
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
    ...sources,
  },
};
