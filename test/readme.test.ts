/*
 * The README tells the truth where a test can hold it to it: the instruction subset it lists
 * is the instruction table's, operation for operation (a row added to the table without a
 * word in the README fails here, and so does a README that names what the table lacks); and
 * every relative link in the README, DESIGN.md and the other documents reaches a file of the
 * repository (and, with an anchor into a Markdown file, one of its headings), so a fresh clone
 * has everything its documents cite.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TABLE } from '../kernel/machine/x86/table.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The paragraph of the README that begins "The subset:". */
function subsetParagraph(): string {
  const at = README.indexOf('The subset:');
  expect(at).toBeGreaterThan(0);
  const end = README.indexOf('\n\n', at);
  return README.slice(at, end < 0 ? undefined : end);
}

describe('the README', () => {
  it("names every operation of the instruction table in the machine's subset", () => {
    const text = subsetParagraph();
    const named = (op: string): boolean => {
      const words = op === 'jcc' ? ['jcc'] : op === 'setcc' ? ['setcc'] : op === 'cmovcc' ? ['cmovcc'] : [op];
      return words.some((w) => new RegExp('`[^`]*\\b' + w + '\\b[^`]*`').test(text));
    };
    const missing = [...new Set(TABLE.map((r) => r.operation))].filter((op) => !named(op));
    expect(missing).toEqual([]);
  });

  it('links nothing outside the repository', () => {
    expect(README).not.toMatch(/\]\(\.\.\//);
  });
});

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

/** Every relative link of `file` (or of `text`, read as `file`) that does not reach a file (or a heading) of the repository. */
function brokenLinks(file: string, text = readFileSync(join(ROOT, file), 'utf8')): string[] {
  const broken: string[] = [];
  for (const m of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
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
    const text = '[a](nope.md) [b](../shared/DESIGN.md) [c](DESIGN.md#no-such) [d](https://example.org/x) [e](DESIGN.md#9-forth) [f](kernel/ABI.md)';
    expect(brokenLinks('README.md', text)).toEqual([
      'README.md: nope.md names no file',
      'README.md: ../shared/DESIGN.md leaves the repository',
      'README.md: DESIGN.md#no-such names no heading of DESIGN.md',
    ]);
    expect(brokenLinks('image/README.md', '[a](../kernel/ABI.md) [b](format.ts)')).toEqual([]);
  });
});
