// The public API of each package is the list in its README: the section `## API` has one
// `### \`<entry point>\`` heading per entry point (`@rendezvous-ml/core`,
// `@rendezvous-ml/core/transport`...) and, under it, one line `- \`Name\` ...` per exported name
// (grouped under `#### ...` headings or not). This check fails when
//   - a built entry point (its ESM .d.ts, names of types included) exports a name its README does
//     not list, or the README lists a name the entry point does not export;
//   - a README lists an entry point the package does not have, or misses one it has;
//   - with --imports <file>...: a file imports a name from a @rendezvous-ml/* entry point that
//     the entry point's README does not list (the consumer smoke test's fixture imports only
//     documented names).
// Usage: node scripts/ci/check-api.mjs [--imports <file>...]   (after `npm run build`)
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { entryPoints } from './entry-points.mjs';
import { readyPackages, repoRoot } from './published-packages.mjs';

/** The names a README lists, by entry point: Map<specifier, { names: string[], line: number }>. */
export function readmeApi(text) {
  const lists = new Map();
  let inApi = false;
  let current;
  const lines = text.split('\n');
  let fence = false;
  lines.forEach((line, i) => {
    if (/^(```|~~~)/.test(line)) fence = !fence;
    if (fence) return;
    const h2 = /^## (.*)$/.exec(line);
    if (h2) {
      inApi = h2[1].trim() === 'API';
      current = undefined;
      return;
    }
    if (!inApi) return;
    const h3 = /^### `([^`]+)`\s*$/.exec(line);
    if (h3) {
      current = { names: [], line: i + 1 };
      lists.set(h3[1], current);
      return;
    }
    const item = /^- `([A-Za-z_$][\w$]*)`/.exec(line);
    if (item && current) current.names.push(item[1]);
  });
  return lists;
}

/** Every name (values and types) a declaration file exports. */
function declaredExports(file) {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) return [];
  return checker.getExportsOfModule(moduleSymbol).map((s) => s.name);
}

/**
 * The names a file takes from @rendezvous-ml/* entry points: [{ specifier, name, line }]. Named
 * imports and re-exports, and the members used of a namespace bound to an entry point:
 * `import * as core from`, `import core = require(...)`, `const core = require(...)`, or a
 * parameter typed in JSDoc as `typeof import('@rendezvous-ml/core')`; a member is used as
 * `core.Name` (value or type) or destructured, `const { Name } = core`.
 */
function importedNames(file) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out = [];
  const namespaces = new Map(); // identifier -> specifier
  const ours = (spec) =>
    spec && ts.isStringLiteral(spec) && spec.text.startsWith('@rendezvous-ml/')
      ? spec.text
      : undefined;
  const at = (n) => source.getLineAndCharacterOfPosition(n.getStart()).line + 1;
  const requireOf = (expr) =>
    expr && ts.isCallExpression(expr) && expr.expression.getText(source) === 'require'
      ? ours(expr.arguments[0])
      : undefined;
  const bind = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      const specifier = ours(node.moduleSpecifier);
      if (specifier) {
        const b = ts.isImportDeclaration(node)
          ? node.importClause?.namedBindings
          : node.exportClause;
        if (b && (ts.isNamedImports(b) || ts.isNamedExports(b))) {
          for (const el of b.elements) {
            out.push({ specifier, name: (el.propertyName ?? el.name).text, line: at(el) });
          }
        } else if (b && ts.isNamespaceImport(b)) namespaces.set(b.name.text, specifier);
      }
    }
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const specifier = ours(node.moduleReference.expression);
      if (specifier) namespaces.set(node.name.text, specifier);
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
      const specifier = requireOf(node.initializer);
      if (specifier) namespaces.set(node.name.text, specifier);
    }
    if (ts.isParameter(node) && ts.isIdentifier(node.name)) {
      const type = ts.getJSDocType(node);
      if (
        type &&
        ts.isImportTypeNode(type) &&
        type.isTypeOf &&
        ts.isLiteralTypeNode(type.argument)
      ) {
        const specifier = ours(type.argument.literal);
        if (specifier) namespaces.set(node.name.text, specifier);
      }
    }
    ts.forEachChild(node, bind);
  };
  bind(source);
  const use = (node) => {
    const ns = (n) => (ts.isIdentifier(n) ? namespaces.get(n.text) : undefined);
    if (ts.isPropertyAccessExpression(node) && ns(node.expression)) {
      out.push({ specifier: ns(node.expression), name: node.name.text, line: at(node) });
    }
    if (ts.isQualifiedName(node) && ns(node.left)) {
      out.push({ specifier: ns(node.left), name: node.right.text, line: at(node) });
    }
    if (
      ts.isVariableDeclaration(node) &&
      ts.isObjectBindingPattern(node.name) &&
      node.initializer
    ) {
      const specifier = requireOf(node.initializer) ?? ns(node.initializer);
      if (specifier) {
        for (const el of node.name.elements) {
          const key = el.propertyName ?? el.name;
          if (ts.isIdentifier(key)) out.push({ specifier, name: key.text, line: at(el) });
        }
      }
    }
    ts.forEachChild(node, use);
  };
  use(source);
  return out;
}

async function main() {
  const problems = [];
  const documented = new Map(); // specifier -> Set of names
  let entries = 0;
  let names = 0;
  for (const pkg of readyPackages()) {
    const readmePath = join(pkg.dir, 'README.md');
    const rel = relative(repoRoot, readmePath);
    const lists = existsSync(readmePath) ? readmeApi(readFileSync(readmePath, 'utf8')) : new Map();
    const points = await entryPoints(pkg);
    for (const point of points) {
      entries++;
      const listed = lists.get(point.specifier);
      if (!listed) {
        problems.push(`${rel}: no "### \`${point.specifier}\`" list under "## API"`);
        continue;
      }
      if (!existsSync(point.types)) {
        problems.push(
          `${point.specifier}: ${relative(repoRoot, point.types)} is missing (npm run build)`,
        );
        continue;
      }
      const built = new Set(declaredExports(point.types));
      const seen = new Set();
      for (const name of listed.names) {
        if (seen.has(name))
          problems.push(`${rel}: \`${name}\` listed twice under ${point.specifier}`);
        seen.add(name);
        if (!built.has(name)) {
          problems.push(`${rel}: lists \`${name}\`, which ${point.specifier} does not export`);
        }
      }
      for (const name of [...built].sort()) {
        if (!seen.has(name)) {
          problems.push(`${point.specifier} exports \`${name}\`, which ${rel} does not list`);
        }
      }
      names += built.size;
      documented.set(point.specifier, seen);
    }
    const known = new Set(points.map((p) => p.specifier));
    for (const [specifier, { line }] of lists) {
      if (!known.has(specifier)) {
        problems.push(
          `${rel}:${line}: lists an entry point ${specifier} the package does not have`,
        );
      }
    }
  }

  const at = process.argv.indexOf('--imports');
  const files = at >= 0 ? process.argv.slice(at + 1) : [];
  let imports = 0;
  for (const file of files) {
    for (const { specifier, name, line } of importedNames(file)) {
      imports++;
      const listed = documented.get(specifier);
      if (!listed)
        problems.push(
          `${relative(repoRoot, file)}:${line}: imports from ${specifier}, not a documented entry point`,
        );
      else if (!listed.has(name)) {
        problems.push(
          `${relative(repoRoot, file)}:${line}: imports \`${name}\` from ${specifier}, which its README does not list`,
        );
      }
    }
  }

  if (problems.length > 0) {
    for (const p of problems) console.error(`  ${p}`);
    console.error(`api: FAIL — ${problems.length} problem(s)`);
    process.exit(1);
  }
  const tail = files.length
    ? `; ${imports} import(s) in ${files.length} file(s), all documented`
    : '';
  console.log(
    `api: OK — ${entries} entry point(s), ${names} exported name(s), each listed in its package's README${tail}`,
  );
}

await main();
