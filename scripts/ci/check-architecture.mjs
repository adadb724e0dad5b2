#!/usr/bin/env node
// docs/architecture.md reads as the architecture: its "Core, file by file" table names every
// source file of packages/core/src (directly or by a `folder/*.ts` glob), and every file it
// names exists; its package tree lists every folder of packages/. Exits 1 with what differs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
const problems = [];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

// The core table: the rows between its heading and the next heading.
const coreSrc = join(root, 'packages/core/src');
const section = doc.split('## Core, file by file')[1]?.split('\n## ')[0];
if (!section) problems.push('docs/architecture.md has no "## Core, file by file" section');
const named = new Set();
const globs = [];
for (const line of (section ?? '').split('\n')) {
  if (!line.startsWith('| `')) continue;
  const firstCell = line.split(' | ')[0];
  for (const [, ref] of firstCell.matchAll(/`([^`]+)`/g)) {
    if (ref.includes('*')) globs.push(ref);
    else named.add(ref);
  }
}
const files = walk(coreSrc)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => relative(coreSrc, f));
const matchesGlob = (file) =>
  globs.some((g) => {
    const [dir, pattern] = [g.slice(0, g.lastIndexOf('/') + 1), g.slice(g.lastIndexOf('/') + 1)];
    return (
      file.startsWith(dir) &&
      !file.slice(dir.length).includes('/') &&
      new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`).test(
        file.slice(dir.length),
      )
    );
  });
for (const file of files) {
  if (file === 'index.ts' || file === 'transport-kit.ts') continue; // entry points
  if (!named.has(file) && !matchesGlob(file))
    problems.push(`core/src/${file} is not in the core table`);
}
for (const ref of named) {
  if (!files.includes(ref))
    problems.push(`the core table names ${ref}, which packages/core/src does not have`);
}
for (const g of globs) {
  if (
    !files.some(
      (f) => matchesGlob(f) && globs.length && f.startsWith(g.slice(0, g.lastIndexOf('/') + 1)),
    )
  )
    problems.push(`the core table's ${g} matches no file`);
}

// The package tree: every folder of packages/ is listed.
const tree = doc.split('## Packages')[1]?.split('\n## ')[0] ?? '';
for (const name of readdirSync(join(root, 'packages'))) {
  if (!statSync(join(root, 'packages', name)).isDirectory()) continue;
  if (!new RegExp(`^\\s+${name}/`, 'm').test(tree))
    problems.push(`packages/${name}/ is not in the package tree`);
}
for (const [, name] of tree.matchAll(/^ {2}([a-z0-9-]+)\/\s/gm)) {
  try {
    statSync(join(root, 'packages', name));
  } catch {
    problems.push(`the package tree lists packages/${name}/, which does not exist`);
  }
}

if (problems.length > 0) {
  console.error(
    `check-architecture: docs/architecture.md does not match the tree:\n- ${problems.join('\n- ')}`,
  );
  process.exit(1);
}
console.log(
  `check-architecture: OK — ${files.length} core files in the table, the package tree complete`,
);
