// The sidebar's top-level groups, in order. A docs page names its group in its front matter
// (`group: Guides`); the packages' API pages form "API reference". Shared by the typedoc config
// and the docs crawler (scripts/ci/crawl-docs.mjs), which checks the built sidebar against it.
export const SIDEBAR_GROUPS = [
  'Start',
  'Guides',
  'Transports',
  'Sinks',
  'API reference',
  'Project',
];
/** The group typedoc gives the packages (entry points) before the plugin renames it. */
export const PACKAGES_GROUP = 'Modules';
