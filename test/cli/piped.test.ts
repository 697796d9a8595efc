/*
 * Piped mode's cutting of a stream of lines into entries: as the layout rule cuts items (an
 * entry ends where an unindented line begins with nothing left open), dot-commands one a line.
 */
import { describe, expect, it } from 'vitest';
import { EntrySplitter } from '../../src/cli/piped.ts';
import { isDotCommand } from '../../src/session/dot-commands.ts';
import { needsMoreInput } from '../../src/lang/parser.ts';
import { makeRandom, testSeed } from '../support/random.ts';

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
    // A method header, then a comment on lines of its own: still the method's, whose body is to come.
    expect(split('Foo bar ->\n" (\n) "\n3]\nx')).toEqual(['Foo bar ->\n" (\n) "\n3]', 'x']);
  });

  it('a line starting with a dot inside an open entry is part of it', () => {
    expect(split('#(1\n.2)\n')).toEqual(['#(1\n.2)']);
  });
});

/** The rule written out plainly, looking at the whole entry at every line (quadratic): the oracle. */
function splitPlainly(text: string): string[] {
  const out: string[] = [];
  let buffer: string[] = [];
  const cut = (): void => { out.push(buffer.join('\n').replace(/(\n[ \t]*)+$/, '')); buffer = []; };
  for (const line of text.split('\n')) {
    if (buffer.length > 0) {
      if (needsMoreInput(buffer.join('\n')) || line.trim() === '' || /^\s/.test(line)) { buffer.push(line); continue; }
      cut();
    }
    if (line.trim() === '') continue;
    if (isDotCommand(line)) out.push(line);
    else buffer.push(line);
  }
  if (buffer.join('\n').trim() !== '') cut();
  return out;
}

/** Characters the splitter looked at for an input of `n` of `line`s after `first`. */
function scannedFor(first: string, line: (i: number) => string, n: number): number {
  const s = new EntrySplitter();
  s.push(first);
  for (let i = 0; i < n; i++) s.push(line(i));
  s.end();
  return s.scanned;
}

describe('EntrySplitter on long input', () => {
  const LINES = [
    'x := 3 + 4.', '    y := x * 2.', '', 'Foo bar ->', '    ^1', '#(1 2', '3)', "'two", "lines'", '"a', 'comment" 3',
    '.save', 'Object subclass: Animal [', '    speak [ ^1 ]', ']', '[:a |', 'a + 1]', '  "indented comment"', '(3', ')',
    'Memory at: anAddress -> mov rdi, rax', '    mov rax, [rdi*8]', "$'", '#(', ')', '"unclosed', '{1. 2', '}', '1)', ']',
    // Unindented lines inside open brackets (looked at a line at a time): closing and opening on one line, a
    // token cut by the end of the line, nesting.
    '4 5', '2) , #(3', "'a' $", '$', '[:x | x', 'x + 1', '#[1 2', '3]', '#(1 #(2', '(1 ->', 'x "c" (', ')]', '})',
    // Strings, quoted symbols and comments across unindented lines, inside brackets or not (followed a line at a time).
    "it''s", "'' x '", "a' , 'b", "#'sym", "'' #(", '"c" \'s', "x := #('a", "b' 'c", "d') size", '""', '" (', ') "', "''''",
  ];

  it('cuts random streams of lines exactly as the rule looked at whole entries does', () => {
    const seed = testSeed();
    console.log(`[piped] splitter differential seed ${seed}`);
    const r = makeRandom(seed);
    for (let n = 0; n < 300; n++) {
      const text = Array.from({ length: 1 + r.below(40) }, () => r.pick(LINES)).join('\n');
      expect(split(text), `seed ${seed}, case ${n}: ${JSON.stringify(text)}`).toEqual(splitPlainly(text));
    }
  });

  it('looks at each character a bounded number of times: twice the lines, about twice the work', () => {
    // An indented body, many top-level statements, and items after an open entry.
    const shapes: [string, (i: number) => string][] = [
      ['Foo bar ->', (i) => `    x := ${i}.`],
      ['x := 0.', (i) => `x := ${i}.`],
      ['x := 0.', (i) => (i % 2 === 0 ? `y := ${i}.` : `    z := ${i}.`)],
      // Unindented lines inside an open bracket (each was looked at with the whole item before it).
      ['x := #(', (i) => `${i} ${i + 1}`],
      ['x := {', (i) => (i % 3 === 0 ? `(${i}) .` : i % 3 === 1 ? `#(${i}` : `${i}) .`)],
      // Unindented lines inside a string, a comment, and strings across lines inside a bracket.
      ["x := 'a long string", (i) => `line ${i} of it, ''quoted''`],
      ['"a long comment', (i) => `line ${i} of it`],
      ["x := #'a long symbol", (i) => `line ${i}`],
      ['x := #(', (i) => (i % 2 === 0 ? `'a string ${i}` : `ends here' ${i}`)],
    ];
    for (const [first, line] of shapes) {
      const small = scannedFor(first, line, 2000), large = scannedFor(first, line, 4000);
      expect(large, `${first} then ${line(1)}: ${small} characters for 2000 lines, ${large} for 4000`).toBeLessThan(2.5 * small + 100);
    }
  });
});
