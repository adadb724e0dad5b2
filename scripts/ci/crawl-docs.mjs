// Browser test of the built docs site: opens it in Debian's chromium through playwright-core,
// crawls every internal link from the home page (bounded), and fails on a page that does not
// load (HTTP status other than 200), logs a console error or a page error, has no title or
// heading, or on any broken internal link or anchor. It also requires the guide pages and the
// API page of every published package with sources to have been reached.
// It also checks (crawl-docs/sidebar.mjs, crawl-docs/source-links.mjs):
// - the sidebar's top-level groups are Start, Guides, Transports, Sinks, API reference, in that
//   order (scripts/docs/sidebar-groups.mjs), with the getting-started and iris pages under Start
//   and every package under API reference;
// - every "Defined in" link points at this commit, at a file of the repository, at a line that
//   names the documented symbol; sources in node_modules are not links;
// - no page renders raw Markdown (a link to a .md file, or `# `, `](` or ``` outside code), and
//   no page shows its title twice (more than one <h1>).
// Usage: node scripts/ci/crawl-docs.mjs <base url>
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { pageTitle } from '../docs/page-title.mjs';
import { checkSidebar, readSidebar } from './crawl-docs/sidebar.mjs';
import { checkSourceLinks } from './crawl-docs/source-links.mjs';
import { readyPackages, repoRoot } from './published-packages.mjs';

const base = new URL(process.argv[2] ?? 'http://127.0.0.1:8080/');
const MAX_PAGES = Number(process.env.DOCS_CRAWL_MAX_PAGES ?? 600);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const problems = [];

// Required pages, by the title typedoc gives them ("<title> | Rendezvous").
const docTitle = (path) =>
  pageTitle(readFileSync(join(repoRoot, 'docs', path), 'utf8'), path.replace(/\.md$/, ''));
const docsIn = (folder) =>
  existsSync(join(repoRoot, 'docs', folder))
    ? readdirSync(join(repoRoot, 'docs', folder))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `${folder}/${f}`)
    : [];
const expected = [
  ...readyPackages(undefined, (m) => console.log(`[crawl] ${m}`)).map((p) => ({
    what: `API page of ${p.name}`,
    title: p.name,
  })),
  ...[
    ...docsIn('guides'),
    ...docsIn('transports'),
    ...docsIn('.').filter((f) => f !== './index.md'),
  ]
    .filter((f) => existsSync(join(repoRoot, 'docs', f)))
    .map((f) => ({ what: `docs/${f}`, title: docTitle(f) })),
];

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const context = await browser.newContext();
// Only the site itself: an external request (fonts, badges) must not make the test flaky.
await context.route('**/*', (route) => {
  const url = new URL(route.request().url());
  return url.origin === base.origin ? route.continue() : route.abort();
});
const normalize = (href) => {
  const u = new URL(href);
  u.hash = '';
  u.search = '';
  return u.href;
};
const queue = [normalize(base.href)];
const seen = new Set(queue);
const anchorsWanted = []; // [page, id, from]
const linkedFrom = new Map(); // page -> pages linking to it
const anchorsFound = new Map(); // page -> Set(ids)
const reachedTitles = new Set();
const sourceLinks = []; // { page, href, text, name }
let sidebar;
let visited = 0;
let inFlight = 0;

async function visit(page, url) {
  const current = url.slice(base.href.length) || '/';
  page.removeAllListeners('console');
  page.removeAllListeners('pageerror');
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`${current}: console error: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${current}: page error: ${error.message}`));
  const isPage = /(\.html|\/)$/.test(new URL(url).pathname);
  if (!isPage) {
    // An asset or a copied file (an image, a .md) linked from a page: it must exist, nothing more.
    const head = await context.request.get(url).catch((error) => ({ status: () => error.message }));
    if (head.status() !== 200)
      problems.push(
        `${current}: HTTP ${head.status()} (linked from ${[...(linkedFrom.get(url) ?? [])].slice(0, 3).join(', ')})`,
      );
    return;
  }
  let response;
  try {
    response = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
  } catch (error) {
    problems.push(`${current}: failed to load: ${error.message.split('\n')[0]}`);
    return;
  }
  const status = response?.status();
  if (status !== 200) {
    const from = [...(linkedFrom.get(url) ?? [])].slice(0, 3).join(', ');
    problems.push(`${current}: HTTP ${status} (linked from ${from})`);
    return;
  }
  const info = await page.evaluate(() => {
    // The documented symbol an aside.tsd-sources belongs to: its member's heading, else the page's.
    const bare = (el) =>
      [...(el?.childNodes ?? [])]
        .filter((n) => !(n.nodeType === 1 && n.matches('code.tsd-tag, a.tsd-anchor-icon')))
        .map((n) => n.textContent)
        .join('')
        .replace(/<.*$/s, '')
        .trim();
    const pageName = bare(document.querySelector('.tsd-page-title h1')).split(/\s+/).pop() ?? '';
    const sources = [...document.querySelectorAll('aside.tsd-sources li')]
      .filter((li) => li.textContent.trim().startsWith('Defined in'))
      .map((li) => ({
        href: li.querySelector('a')?.href ?? '',
        text: li.textContent.replace(/^\s*Defined in\s*/, '').trim(),
        name: bare(li.closest('section.tsd-member')?.querySelector('h3')) || pageName,
      }));
    // Raw Markdown: what is left of the page's text once code is taken out.
    const content = document.querySelector('.col-content')?.cloneNode(true);
    for (const code of content?.querySelectorAll('pre, code') ?? []) code.remove();
    const text = content?.textContent ?? '';
    const raw = /^#{1,6} \S|\]\([^)\s]+\)|^```/m.exec(text)?.[0];
    return {
      title: document.title.trim(),
      heading: document.querySelector('h1, h2')?.textContent?.trim() ?? '',
      ids: [...document.querySelectorAll('[id], a[name]')].map(
        (e) => e.id || e.getAttribute('name'),
      ),
      links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
      sources,
      raw,
      h1: document.querySelectorAll('.col-content h1').length,
    };
  });
  if (info.h1 > 1)
    problems.push(`${current}: ${info.h1} <h1> titles (the page title is shown twice)`);
  if (info.raw) problems.push(`${current}: renders raw Markdown (${JSON.stringify(info.raw)})`);
  for (const source of info.sources) sourceLinks.push({ page: current, ...source });
  if (url === normalize(base.href)) sidebar = await readSidebar(page);
  if (!info.title) problems.push(`${current}: no <title>`);
  reachedTitles.add(info.title.replace(/ \| [^|]*$/, ''));
  if (!info.heading) problems.push(`${current}: no heading`);
  anchorsFound.set(url, new Set(info.ids));
  for (const href of info.links) {
    let target;
    try {
      target = new URL(href);
    } catch {
      problems.push(`${current}: malformed link ${href}`);
      continue;
    }
    if (target.origin !== base.origin || !target.pathname.startsWith(base.pathname)) continue;
    if (target.pathname.endsWith('.md'))
      problems.push(`${current}: links to a raw Markdown file ${href}`);
    const key = normalize(target.href);
    if (!linkedFrom.has(key)) linkedFrom.set(key, new Set());
    linkedFrom.get(key).add(current);
    if (target.hash.length > 1)
      anchorsWanted.push([key, decodeURIComponent(target.hash.slice(1)), current]);
    if (!seen.has(key)) {
      seen.add(key);
      queue.push(key);
    }
  }
}

async function crawler() {
  const page = await context.newPage();
  for (;;) {
    if (queue.length === 0) {
      if (inFlight === 0) break;
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    if (visited >= MAX_PAGES) {
      problems.push(
        `stopped after ${MAX_PAGES} pages: raise DOCS_CRAWL_MAX_PAGES if the site grew`,
      );
      queue.length = 0;
      break;
    }
    const url = queue.shift();
    visited++;
    inFlight++;
    try {
      await visit(page, url);
    } finally {
      inFlight--;
    }
  }
  await page.close();
}

await Promise.all(Array.from({ length: Number(process.env.DOCS_CRAWL_CONCURRENCY ?? 8) }, crawler));
await browser.close();

for (const [target, id, from] of anchorsWanted) {
  const ids = anchorsFound.get(target);
  if (ids && !ids.has(id))
    problems.push(`${from}: link to missing anchor ${target.slice(base.href.length)}#${id}`);
}
for (const { what, title } of expected) {
  if (!reachedTitles.has(title))
    problems.push(`${what} (page "${title}") was not reached from the home page`);
}

problems.push(
  ...checkSidebar(
    sidebar,
    readyPackages(undefined, () => {}).map((p) => p.name),
  ),
);
problems.push(...checkSourceLinks(sourceLinks, repoRoot));

const unique = [...new Set(problems)];
if (unique.length > 0) {
  for (const p of unique) console.error(`  ✗ ${p}`);
  console.error(`docs crawl: FAIL — ${unique.length} problem(s) in ${visited} page(s)`);
  process.exit(1);
}
console.log(
  `docs crawl: OK — ${visited} page(s), ${expected.length} required page(s) reached, ` +
    `no broken internal links, sidebar groups in order, ${sourceLinks.length} source link(s) ` +
    'checked, no raw Markdown',
);
