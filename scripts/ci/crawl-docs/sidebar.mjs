// The docs site's sidebar, as the browser builds it from assets/navigation.js, and the check that
// its top-level groups are the ones users look for, in order (scripts/docs/sidebar-groups.mjs).
import { SIDEBAR_GROUPS } from '../../docs/sidebar-groups.mjs';

/** The groups every build has, in this order; others (e.g. "Project") may follow. */
export const REQUIRED_GROUPS = ['Start', 'Guides', 'Transports', 'Sinks', 'API reference'];

/**
 * Reads the top-level sidebar entries of the page and the names directly under each.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{ text: string, children: string[] }[]>}
 */
export async function readSidebar(page) {
  await page
    .waitForFunction(
      () =>
        document.querySelector('#tsd-nav-container > li > details, #tsd-nav-container > li > a'),
      null,
      {
        timeout: 10000,
      },
    )
    .catch(() => {});
  return page.evaluate(() =>
    [...document.querySelectorAll('#tsd-nav-container > li')].map((li) => {
      const label = (item) =>
        (
          item.querySelector(':scope > details > summary') ??
          item.querySelector(':scope > a') ??
          item
        ).textContent.trim();
      return {
        text: label(li),
        children: [
          ...li.querySelectorAll(':scope > details > .tsd-accordion-details > ul > li'),
        ].map(label),
      };
    }),
  );
}

/**
 * Problems with the sidebar: a required group missing or out of order, an entry before "Start",
 * the start pages not under Start, a package not under API reference.
 * @param {{ text: string, children: string[] }[] | undefined} sidebar
 * @param {string[]} packageNames
 * @returns {string[]}
 */
export function checkSidebar(sidebar, packageNames) {
  if (!sidebar || sidebar.length === 0) return ['sidebar: no navigation entries on the home page'];
  const problems = [];
  const titles = sidebar.map((s) => s.text);
  const positions = REQUIRED_GROUPS.map((g) => titles.indexOf(g));
  for (const [i, group] of REQUIRED_GROUPS.entries()) {
    if (positions[i] === -1)
      problems.push(`sidebar: group "${group}" missing (have: ${titles.join(', ')})`);
  }
  const present = positions.filter((p) => p !== -1);
  if (present.some((p, i) => i > 0 && p < present[i - 1]))
    problems.push(
      `sidebar: groups out of order: ${titles.join(', ')} (want ${REQUIRED_GROUPS.join(', ')} first)`,
    );
  if (titles[0] !== 'Start') problems.push(`sidebar: first entry is "${titles[0]}", not "Start"`);
  const unknown = titles.filter((t) => !SIDEBAR_GROUPS.includes(t));
  if (unknown.length > 0)
    problems.push(
      `sidebar: entries outside the known groups (${SIDEBAR_GROUPS.join(', ')}): ${unknown.join(', ')}`,
    );
  const under = (group) => sidebar.find((s) => s.text === group)?.children ?? [];
  for (const page of ['Getting started', 'The iris walk-through'])
    if (!under('Start').includes(page)) problems.push(`sidebar: "${page}" is not under Start`);
  for (const name of packageNames)
    if (!under('API reference').includes(name))
      problems.push(`sidebar: ${name} is not under API reference`);
  return problems;
}
