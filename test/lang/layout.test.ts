/*
 * Layout: where items end (line ends, open brackets, indented continuations, blank and
 * comment lines), the exact source of each item, and needsMoreInput for the REPL.
 */
import { describe, expect, it } from 'vitest';
import { formatSyntaxError, type Item } from '../../src/lang/ast.ts';
import { needsMoreInput, parse } from '../../src/lang/parser.ts';
import { showItem } from './show.ts';

function items(source: string): readonly Item[] {
  const r = parse(source);
  if (!r.ok) throw new Error(formatSyntaxError(r.error));
  return r.items;
}
const shown = (source: string): string[] => items(source).map(showItem);
const sources = (source: string): string[] => items(source).map((i) => i.source);

describe('layout', () => {
  it('an item ends at the end of its line', () => {
    expect(shown('3 + 4\n5 + 6\nx foo')).toEqual(['(3 + 4)', '(5 + 6)', '(x foo)']);
  });

  it('indented lines continue the item', () => {
    expect(shown('3 +\n    4')).toEqual(['(3 + 4)']);
    expect(shown('x foo: 1\n\tbar: 2')).toEqual(['(x foo: 1 bar: 2)']);
    expect(shown('Transcript show: 1;\n  show: 2;\n  cr\nx')).toEqual(['(Transcript; show: 1; show: 2; cr)', 'x']);
  });

  it('open brackets continue the item, even at the margin', () => {
    expect(shown('x := #(1 2\n3 4)\ny')).toEqual(['(x := #(1 2 3 4))', 'y']);
    expect(shown('[:x |\nx + 1] value: 3')).toEqual(['([:x | (x + 1)] value: 3)']);
    expect(shown('(3\n+ 4)')).toEqual(['(3 + 4)']);
    expect(shown('{1.\n2}')).toEqual(['{1. 2}']);
    expect(shown('a foo: [\n  b.\nc\n] bar')).toEqual(['(a foo: ([b. c] bar))']);
  });

  it('blank lines and comment lines inside an indented continuation', () => {
    expect(shown('Foo bar ->\n    x := 3.\n\n    ^x')).toEqual(['Foo>>bar() (x := 3). ^x']);
    expect(shown('Foo bar ->\n    x := 3.\n"a note at the margin"\n    ^x')).toEqual(['Foo>>bar() (x := 3). ^x']);
    expect(shown('Foo bar ->\n    x := 3.\n  \t\n\n    ^x\ny')).toEqual(['Foo>>bar() (x := 3). ^x', 'y']);
  });

  it('comments spanning lines', () => {
    expect(shown('"a comment\nspanning\nlines"\n3 + 4')).toEqual(['(3 + 4)']);
    expect(shown('3 "a comment\nspanning lines" + 4')).toEqual(['(3 + 4)']);
    expect(shown('3\n"a comment at the margin" 4')).toEqual(['3', '4']);
    expect(shown('3\n  "indented comment\nending at the margin" + 4')).toEqual(['(3 + 4)']);
  });

  it('strings spanning lines', () => {
    expect(shown("x := 'one\ntwo'. y\nz")).toEqual(["(x := 'one\ntwo'). y", 'z']);
  });

  it('definitions and expressions, one per line, with exact sources', () => {
    const src = '"header comment"\nInteger double -> self * 2\n3 double   "a trailing comment"\nALU add: aValue -> add rax, aValue\n\n\nBoolean ifTrue: aBlock ->\n    CPU eq: true do: aBlock\n7';
    expect(sources(src)).toEqual(['Integer double -> self * 2', '3 double', 'ALU add: aValue -> add rax, aValue', 'Boolean ifTrue: aBlock ->\n    CPU eq: true do: aBlock', '7']);
    const list = items(src);
    expect(list.map((i) => i.span.start.line)).toEqual([2, 3, 4, 7, 9]);
    for (const item of list) expect(src.slice(item.span.start.offset, item.span.end.offset)).toBe(item.source);
  });

  it('a definition whose body starts on the next indented line, message or assembly', () => {
    expect(shown('Foo bar ->\n    ^3\nBaz qux ->\n    mov rax, 1\n    ret\nx')).toEqual(['Foo>>bar() ^3', 'Baz>>qux() asm{mov rax, 1\n    ret}', 'x']);
  });

  it('a header whose body is missing before the next item is an error there', () => {
    const r = parse('Foo bar ->\nx foo');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe("expected the method body after '->'");
    expect(r.error.position).toMatchObject({ line: 1, column: 11 });
  });

  it('CRLF line ends and tabs', () => {
    expect(shown('3 + 4\r\n5\r\n\tfoo\r\n')).toEqual(['(3 + 4)', '(5 foo)']);
    const r = parse('3 +\r\n4\r\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.sourceLine).toBe('3 +');
  });

  it('an indented first line starts an item all the same', () => {
    expect(shown('   3 + 4\n5')).toEqual(['(3 + 4)', '5']);
  });

  it('items before an error are returned with it', () => {
    const r = parse('1\n2\n3 +\n4');
    expect(r.ok).toBe(false);
    expect(r.items.map(showItem)).toEqual(['1', '2']);
  });
});

describe('needsMoreInput', () => {
  const more = [
    '[', 'x do: [:e |', '(3 +', '{1. 2', '#(1 2', 'x := #(1 (2', "'abc", "x := 'it''s", "#'abc", '"a comment', '3 + 4 "comment',
    'Foo bar ->', 'Foo bar: x ->  "the body comes next"', 'Foo class bar ->', 'Foo + x ->', 'x := 3.\nFoo bar ->', 'Foo bar ->\n',
    'Foo bar -> mov rax, [rdi', 'Foo bar -> ret "unterminated', 'Foo bar ->\n    x := [:y |\n',
  ];
  const complete = [
    '', '   ', '3 + 4', 'Foo bar -> 3', 'Foo bar -> ret', ')', '( ]', '[ 1 )', 'Memory at:', 'x :=', "'abc'", '"c"', '3 + 4 "c"', '[1]',
    'Boolean ifTrue: aBlock ->\n    CPU eq: true do: aBlock', '$', 'x -> ', 'Foo bar ->\nx', '#(1 2)', '{1. 2}',
  ];
  for (const source of more) it(`more after ${JSON.stringify(source)}`, () => expect(needsMoreInput(source)).toBe(true));
  for (const source of complete) it(`complete: ${JSON.stringify(source)}`, () => expect(needsMoreInput(source)).toBe(false));
});
