/*
 * The README tells the truth where a test can hold it to it: the instruction subset it lists
 * is the instruction table's, operation for operation (a row added to the table without a
 * word in the README fails here, and so does a README that names what the table lacks).
 */
import { readFileSync } from 'node:fs';
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
