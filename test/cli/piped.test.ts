/*
 * Piped mode's cutting of a stream of lines into entries: as the layout rule cuts items (an
 * entry ends where an unindented line begins with nothing left open), dot-commands one a line.
 */
import { describe, expect, it } from 'vitest';
import { EntrySplitter } from '../../src/cli/piped.ts';

function split(text: string): string[] {
  const s = new EntrySplitter();
  const out: string[] = [];
  for (const l of text.split('\n')) out.push(...s.push(l));
  return [...out, ...s.end()];
}

describe('EntrySplitter', () => {
  it('one entry per unindented line', () => {
    expect(split('3 + 4\n5 * 6\n')).toEqual(['3 + 4', '5 * 6']);
  });

  it('indented lines and blank lines continue an entry; open brackets too', () => {
    expect(split('Foo bar ->\n    | a |\n\n    ^a\nFoo new bar\n#(1 2\n3)\n')).toEqual([
      'Foo bar ->\n    | a |\n\n    ^a', 'Foo new bar', '#(1 2\n3)',
    ]);
  });

  it('a string or comment still open continues; a dot-command stands alone', () => {
    expect(split("'two\nlines'\n.save\n\"a\ncomment\" 3\n.see Foo>>bar")).toEqual([
      "'two\nlines'", '.save', '"a\ncomment" 3', '.see Foo>>bar',
    ]);
  });

  it('a line starting with a dot inside an open entry is part of it', () => {
    expect(split('#(1\n.2)\n')).toEqual(['#(1\n.2)']);
  });
});
