// typedoc plugin for the docs pages: titles and sections of pages without front matter, links
// to pages that other work has not written yet, links to Markdown files that are not site pages,
// the "API reference" sidebar group, and no source links into node_modules.
//
// The home page and the guides link every page of the site, including pages that land with other
// changes (a transport's page, the iris walk-through, the benchmarks). A markdown link to a
// `docs/**/*.md` file that does not exist yet is rendered as plain text marked "(coming soon)",
// and a note naming it is printed on every build, so the gap is visible but does not break the
// site. Once the file exists, the link is an ordinary link again (and `projectDocuments` picks
// the page up). Every other relative path is still checked by typedoc's `validation.invalidPath`.
//
// Set RENDEZVOUS_DOCS_STRICT=1 to make a pending page an error instead (for a release).
//
// A link to a Markdown file outside docs/ (a package README's `../../README.md`, the benchmarks'
// `../bench/README.md`) would be copied to the site as a raw `media/*.md` file: the repository's
// README is linked to the home page instead, any other file to its page in the repository.
import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Converter } from 'typedoc';
import { pageTitle } from './page-title.mjs';
import { PACKAGES_GROUP, SIDEBAR_GROUPS } from './sidebar-groups.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const docsDir = resolve(repoRoot, 'docs');
// [label](target.md#anchor "title") — inline links only; the docs do not use reference links.
const markdownLink = /(?<!!)\[([^\]\n]+)\]\(\s*([^)\s#]+\.md)(#[^)\s]*)?(\s+"[^"]*")?\s*\)/g;

const GROUPS = { guides: 'Guides', transports: 'Transports' };
const DEFAULT_GROUP = 'Project';
const API_GROUP = 'API reference';
const repoUrl = 'https://github.com/rendezvous-ml/rendezvous/blob';

/** Renames typedoc's "Modules" group of the project (the packages) and sorts it into place. */
function nameApiGroup(project) {
  const group = project.groups?.find((g) => g.title === PACKAGES_GROUP);
  if (!group) return;
  group.title = API_GROUP;
  const rank = (title) => {
    const i = SIDEBAR_GROUPS.indexOf(title);
    return i === -1 ? SIDEBAR_GROUPS.length : i;
  };
  project.groups.sort((a, b) => rank(a.title) - rank(b.title) || a.title.localeCompare(b.title));
}

/** Inherited members of Error, EventEmitter…: their source is in node_modules, not the repo. */
function unlinkExternalSources(project) {
  for (const reflection of Object.values(project.reflections)) {
    for (const source of reflection.sources ?? []) {
      if (/(^|\/)node_modules\//.test(source.fileName)) source.url = undefined;
    }
  }
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  const converter = app.converter;

  // A page without front matter would be titled by its path ("transports/redis") and land
  // outside its section: title it by its first heading and group it by its folder instead.
  converter.on('createDocument', (_context, doc) => {
    const folder = doc.name.includes('/') ? doc.name.split('/')[0] : '';
    // typedoc already applied a front matter title; a lowercase path-like name means there was none.
    if (/^[a-z0-9_\-/]+$/.test(doc.name)) {
      doc.name = pageTitle(doc.content.map((part) => part.text).join(''), doc.name);
    }
    if (!doc.frontmatter.group) doc.frontmatter.group = GROUPS[folder] ?? DEFAULT_GROUP;
  });
  // Packages mode merges the packages' projects and "revives" the result; GroupPlugin groups it
  // at priority -100, so these run after it.
  const finish = (project) => {
    nameApiGroup(project);
    unlinkExternalSources(project);
  };
  app.on(Application.EVENT_PROJECT_REVIVE ?? 'reviveProject', finish, -200);
  converter.on(Converter.EVENT_RESOLVE_END, (context) => finish(context.project), -200);
  const revision = app.options.getValue('gitRevision') || 'main';
  const parseRawComment = converter.parseRawComment.bind(converter);
  const reported = new Set();

  converter.parseRawComment = (file, files) => {
    const from = resolve(file.fileName);
    if (!from.endsWith('.md')) return parseRawComment(file, files);
    // A package README opens with `# @rendezvous-ml/name`, which the module page already shows
    // as its title ("Module @rendezvous-ml/name"): drop it there, so the title appears once.
    const isPackageReadme = /^packages\/[^/]+\/README\.md$/.test(
      relative(repoRoot, from).split(sep).join('/'),
    );
    const source = isPackageReadme
      ? file.text.replace(/^# @rendezvous-ml\/[\w-]+[ \t]*\n+/, '')
      : file.text;
    const text = source.replace(markdownLink, (whole, label, target, anchor = '', title = '') => {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/')) return whole;
      const path = resolve(dirname(from), target);
      if (!path.startsWith(docsDir + sep)) {
        if (path === resolve(repoRoot, 'README.md')) {
          return `[${label}](${relative(dirname(from), resolve(docsDir, 'index.md'))}${anchor}${title})`;
        }
        if (!existsSync(path) || !path.startsWith(repoRoot + sep)) return whole;
        return `[${label}](${repoUrl}/${revision}/${relative(repoRoot, path)}${anchor}${title})`;
      }
      if (existsSync(path)) return whole;
      const where = `${relative(repoRoot, path)} (linked from ${relative(repoRoot, from)})`;
      if (process.env.RENDEZVOUS_DOCS_STRICT === '1') {
        app.logger.error(`[pending-pages] missing page ${where}`);
      } else if (!reported.has(where)) {
        reported.add(where);
        app.logger.info(`[pending-pages] not written yet, link shown as text: ${where}`);
      }
      return `${label} *(coming soon)*`;
    });
    if (text === file.text) return parseRawComment(file, files);
    // (a changed text: the links above, or the package title)
    return parseRawComment(new file.constructor(text, file.fileName), files);
  };
}
