// Every public export (each export of each entry point of each published package: src/index.ts
// and subpaths such as core's src/adapter/index.ts) has a TSDoc block with a summary, and every
// exported value (class, function, constant) an @example of its use. A type or interface needs
// no @example: one that only restates the type (`const r: ModelRef = { ... }`) shows nothing its
// declaration does not, so it is not required (keep one where it shows usage). Uses the
// TypeScript compiler API; prints each offender as "package: Name (file:line): missing
// summary/@example" and exits 1 if there is any.
import { relative } from 'node:path';
import ts from 'typescript';
import { entryPoints } from './entry-points.mjs';
import { readyPackages, repoRoot } from './published-packages.mjs';

const offenders = [];
let count = 0;
const entries = [];
for (const pkg of readyPackages()) {
  for (const e of await entryPoints(pkg)) entries.push({ pkg, entry: e.source });
}
for (const { pkg, entry } of entries) {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) {
    offenders.push(`${pkg.name}: cannot read the exports of ${relative(repoRoot, entry)}`);
    continue;
  }
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    count++;
    const symbol =
      exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    const where = decl
      ? `${relative(repoRoot, decl.getSourceFile().fileName)}:${decl.getSourceFile().getLineAndCharacterOfPosition(decl.getStart()).line + 1}`
      : '?';
    const summary = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
    const tags = symbol.getJsDocTags(checker);
    const missing = [];
    if (!summary) missing.push('summary');
    const isValue = (symbol.flags & ts.SymbolFlags.Value) !== 0;
    if (isValue && !tags.some((t) => t.name === 'example')) missing.push('@example');
    if (missing.length > 0)
      offenders.push(
        `${pkg.name}: ${exported.getName()} (${where}): missing ${missing.join(' and ')}`,
      );
  }
}
if (offenders.length > 0) {
  for (const o of offenders) console.error(`  ✗ ${o}`);
  console.error(
    `tsdoc: FAIL — ${offenders.length} of ${count} public export(s) lack a summary, or (a value) an @example`,
  );
  process.exit(1);
}
console.log(
  `tsdoc: OK — ${count} public export(s), each with a summary, each value with an @example`,
);
