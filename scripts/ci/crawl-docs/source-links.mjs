// The "Defined in" links of the API pages: each must point at the commit the site was built
// from, at a file of the repository, at a line that names the documented symbol. A source in
// node_modules (a member inherited from Error, EventEmitter…) must be plain text, not a link.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO_BLOB = 'https://github.com/rendezvous-ml/rendezvous/blob/';

function headRevision(repoRoot) {
  if (process.env.RENDEZVOUS_DOCS_REVISION) return process.env.RENDEZVOUS_DOCS_REVISION;
  try {
    return execFileSync('git', ['-C', repoRoot, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'main';
  }
}

/**
 * @param {{ page: string, href: string, text: string, name: string }[]} links
 * @param {string} repoRoot
 * @returns {string[]} problems
 */
export function checkSourceLinks(links, repoRoot) {
  const problems = [];
  const revision = headRevision(repoRoot);
  const files = new Map();
  const lines = (path) => {
    if (!files.has(path)) {
      const full = join(repoRoot, path);
      files.set(path, existsSync(full) ? readFileSync(full, 'utf8').split('\n') : undefined);
    }
    return files.get(path);
  };
  if (links.length === 0) problems.push('source links: no "Defined in" link found on any page');
  for (const { page, href, text, name } of links) {
    const where = `${page}: "Defined in ${text}"`;
    if (/(^|\/)node_modules\//.test(text)) {
      if (href) problems.push(`${where} links into node_modules (${href})`);
      continue;
    }
    if (!href) {
      problems.push(`${where} has no link`);
      continue;
    }
    if (!href.startsWith(REPO_BLOB)) {
      problems.push(`${where} links outside the repository: ${href}`);
      continue;
    }
    const match = /^([^/]+)\/([^#]+)#L(\d+)$/.exec(href.slice(REPO_BLOB.length));
    if (!match) {
      problems.push(`${where}: not a blob/<revision>/<path>#L<line> link: ${href}`);
      continue;
    }
    const [, rev, path, lineText] = match;
    const line = Number(lineText);
    if (rev !== revision)
      problems.push(`${where} links revision ${rev}, the site is built from ${revision}`);
    if (!path.startsWith('packages/') || !text.startsWith(`${path}:`))
      problems.push(`${where}: link path ${path} does not keep the package path`);
    const content = lines(path);
    if (!content) {
      problems.push(`${where}: ${path} is not a file of the repository`);
      continue;
    }
    if (line < 1 || line > content.length) {
      problems.push(
        `${where}: ${path} has ${content.length} lines, the link points at line ${line}`,
      );
      continue;
    }
    const bare = name.replace(/^\[|\]$/g, '').replace(/^Symbol\./, '');
    if (bare && !content[line - 1].includes(bare))
      problems.push(
        `${where}: line ${line} of ${path} does not name ${name}: ${content[line - 1].trim()}`,
      );
  }
  return problems;
}
