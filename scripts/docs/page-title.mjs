// The title a docs page gets on the site: its front matter `title`, else its first `# heading`
// (without code backticks), else its path. Shared by the typedoc plugin and the docs crawler.
export function pageTitle(markdown, fallback) {
  const front = /^---\n([\s\S]*?)\n---/.exec(markdown)?.[1];
  const fromFront = front && /^title:\s*["']?(.+?)["']?\s*$/m.exec(front)?.[1];
  if (fromFront) return fromFront;
  const heading = /^#\s+(.+?)\s*#*\s*$/m.exec(markdown.replace(/^---\n[\s\S]*?\n---/, ''))?.[1];
  return heading ? heading.replaceAll('`', '') : fallback;
}
