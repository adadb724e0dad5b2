// The TypeScript snippets of the docs: every ```ts block of README.md, docs/**/*.md (not the
// built site), packages/*/README.md and examples/*/README.md. Shared by check-snippets.mjs.
//
// Info string words after `ts`:
//   runnable   run it too (against the memory transport; it must finish without an error)
//   continued  the block continues the previous ts block of the same file (it is checked and
//              run joined to it, so a guide can explain a program in steps)
// Every block is checked: there is no flag to skip one. A block that is not a whole program (a
// signature, a shape, a call of your own code) declares what it leaves out
// (`declare const MyTransport: new (o: Options) => Transport;`) so that it still type-checks.
// Any other word (`fragment` included) is an error.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const FLAGS = new Set(['runnable', 'continued']);
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)([^`\n]*)$/;

/** Markdown files whose snippets are checked, relative to the repository root. */
export function snippetFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join('docs', 'site')) walk(path);
      } else if (entry.name.endsWith('.md')) out.push(path);
    }
  };
  if (existsSync(join(root, 'README.md'))) out.push('README.md');
  if (existsSync(join(root, 'docs'))) walk('docs');
  for (const parent of ['packages', 'examples']) {
    if (!existsSync(join(root, parent))) continue;
    for (const d of readdirSync(join(root, parent), { withFileTypes: true })) {
      const readme = join(parent, d.name, 'README.md');
      if (d.isDirectory() && existsSync(join(root, readme))) out.push(readme);
    }
  }
  return out.sort();
}

/**
 * The ts blocks of one Markdown text.
 * @returns {{ line: number, code: string, flags: Set<string> }[]} line: 1-based line of the block's first code line
 */
export function extractBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j]);
      if (close?.[2].startsWith(fence[0]) && close[2].length >= fence.length && !close[3]) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    if (lang === 'ts' || lang === 'typescript') {
      blocks.push({
        line: i + 2,
        code: body.join('\n'),
        flags: new Set(rest.trim().split(/\s+/).filter(Boolean)),
      });
    }
    i = j;
  }
  return blocks;
}

/**
 * The programs to check: one per block, a `continued` block joined to the one before it.
 * @returns {{ id: string, file: string, parts: { line: number, lines: number }[], code: string, runnable: boolean }[]}
 */
export function snippetPrograms(root) {
  const programs = [];
  for (const file of snippetFiles(root)) {
    const blocks = extractBlocks(readFileSync(join(root, file), 'utf8'));
    let previous;
    for (const block of blocks) {
      const unknown = [...block.flags].filter((f) => !FLAGS.has(f));
      if (unknown.length > 0)
        throw new Error(
          `${file}:${block.line}: unknown snippet flag(s) ${unknown.join(', ')} (only ${[...FLAGS].join(', ')}; every ts block is type-checked, see scripts/ci/snippets.mjs)`,
        );
      const part = { line: block.line, lines: block.code.split('\n').length };
      if (block.flags.has('continued') && previous) {
        previous.code += `\n${block.code}`;
        previous.parts.push(part);
        previous.runnable ||= block.flags.has('runnable');
        continue;
      }
      previous = {
        id: `${relative('.', file).replace(/[^a-zA-Z0-9]+/g, '_')}_L${block.line}`,
        file,
        parts: [part],
        code: block.code,
        runnable: block.flags.has('runnable'),
      };
      programs.push(previous);
    }
  }
  return programs;
}

/** Maps a line of a program's file (1-based, after `header` lines) back to its Markdown line. */
export function sourceLine(program, line, header) {
  let rest = line - header;
  for (const part of program.parts) {
    if (rest <= part.lines) return part.line + Math.max(rest, 1) - 1;
    rest -= part.lines;
  }
  const last = program.parts[program.parts.length - 1];
  return last.line + last.lines - 1;
}
