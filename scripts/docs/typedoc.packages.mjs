// Extended by typedoc.json: the entry points are computed, not listed, so every published package
// (packages/*/package.json without `private: true`) is documented as soon as it has sources.
// Each package is documented from src/index.ts, the source of its "." export (tsup's `index`
// entry; scripts/ci/check-manifests.mjs keeps the exports map and the tsup entries in sync). A
// package with documented subpaths lists all its entries in its own typedoc.json (core: `.`,
// `./transport` and `./wire`; the main entry's `@mergeModuleWith <project>` keeps its names on
// the package's page, each subpath a module under it).
// Packages still without src/index.ts are skipped with a printed note.
//
// Also here (not in typedoc.json, which other changes edit): the sidebar (groups in the order
// users look for them) and the "Defined in" source links.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { entryPoints } from '../ci/entry-points.mjs';
import { readyPackages, repoRoot } from '../ci/published-packages.mjs';
import { SIDEBAR_GROUPS } from './sidebar-groups.mjs';

const packages = readyPackages(undefined, (message) => console.log(`[docs] ${message}`));
// Every entry point's specifier -> its source, subpaths included (`@rendezvous-ml/core/transport`).
const sourcesBySpecifier = Object.fromEntries(
  (await Promise.all(packages.map(entryPoints))).flat().map((e) => [e.specifier, [e.source]]),
);

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
const GUIDES = 'https://github.com/rendezvous-ml/rendezvous/blob/main/docs/guides';
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
  // Internals a public comment names (the front end's mailbox, a rollout's stage judge): linked
  // to the guide that explains them, not documented as API.
  externalSymbolLinkMappings: {
    '@rendezvous-ml/core': { Mailbox: `${GUIDES}/concepts.md#mailbox` },
    '@rendezvous-ml/rollout': { StageJudge: `${GUIDES}/rollout.md` },
  },
  packageOptions: {
    entryPoints: ['src/index.ts'],
    excludePrivate: true,
    excludeInternal: true,
    // Resolve sibling packages to their sources (not their built .d.ts), so a {@link} from one
    // package to another's export lands on that export's page after the merge.
    compilerOptions: {
      rootDir: join(repoRoot, 'packages'),
      paths: sourcesBySpecifier,
    },
    // No git remote on a fresh clone or in CI: link sources with a fixed template instead.
    ...sources,
  },
};
