/*
 * The project's Markdown links reach what they name: every relative link in the README, the
 * design and the other documents points to a file of the repository (and, with an anchor into a
 * Markdown file, to one of its headings), so a fresh clone has everything its documents cite.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Markdown files whose relative links must reach a file of the repository. */
const LINKED = ['README.md', 'DESIGN.md', 'kernel/ABI.md', 'image/README.md'];

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The text of a Markdown file without its fenced code blocks and inline code spans. */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation gone, spaces as hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
}

/** Every relative link of `file` that does not reach a file (or a heading) of the repository. */
function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const m of prose(readFileSync(join(ROOT, file), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    const [path, anchor] = target.split('#');
    const resolved = path === '' ? file : normalize(join(dirname(file), path));
    if (resolved.startsWith('..') || isAbsolute(resolved)) { broken.push(`${file}: ${target} leaves the repository`); continue; }
    if (!existsSync(join(ROOT, resolved))) { broken.push(`${file}: ${target} names no file`); continue; }
    if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${file}: ${target} names no heading of ${resolved}`);
  }
  return broken;
}

describe('links in the documents', () => {
  it.each(LINKED)('every relative link in %s reaches a file of the repository', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('sees links, anchors and what is not a link', () => {
    expect(slug('4. Behaviours, chains, marks and sends')).toBe('4-behaviours-chains-marks-and-sends');
    expect(prose('a [x](y.md) `[z](w.md)`\n```\n[q](r.md)\n```\n')).toBe('a [x](y.md) \n\n');
    expect(anchorsOf('DESIGN.md').has('1-the-layers')).toBe(true);
  });
});
