/*
 * Syntax errors: each malformed input gives one error naming the right line and column and
 * saying what was expected; the source line comes with it for the caret.
 */
import { describe, expect, it } from 'vitest';
import { formatSyntaxError } from '../../src/lang/ast.ts';
import { parse } from '../../src/lang/parser.ts';

/** source, line, column, expected text (a part of the message). */
const CASES: Array<[string, number, number, string]> = [
  ['[:x | x + 1', 1, 12, "expected ']' to close the block started at line 1, column 1"],
  ['x :=', 1, 5, "expected an expression after ':='"],
  ['Memory at:', 1, 11, "expected a keyword argument after 'at:'"],
  ['x foo: bar: 3', 1, 8, "expected a keyword argument after 'foo:'"],
  ['3 +', 1, 4, "expected an argument after '+'"],
  ['(3 + 4', 1, 7, "expected ')' to close the parenthesis opened at line 1, column 1"],
  ['(1 + 2]', 1, 7, "expected ')' to close the parenthesis opened at line 1, column 1"],
  ['()', 1, 2, "expected an expression after '('"],
  ["'abc", 1, 1, "expected a closing ' for the string started at line 1, column 1"],
  ["x := 'abc\n\ny := 3", 1, 6, "expected a closing ' for the string started at line 1, column 6"],
  ['x "abc', 1, 3, 'expected a closing " for the comment started at line 1, column 3'],
  ['#(1 2', 1, 6, "expected ')' to close the literal array started at line 1, column 1"],
  ['#(1 [2])', 1, 5, "expected a literal or ')' to close the literal array started at line 1, column 1"],
  ['x := $', 1, 7, "expected a character after '$'"],
  ['16r', 1, 4, "expected digits after '16r'"],
  ['37r1', 1, 1, 'a radix must be between 2 and 36'],
  ['2r102', 1, 5, "'2' is not a digit in radix 2"],
  ['0xZZ', 1, 3, "'Z' is not a hexadecimal digit"],
  ['#', 1, 2, "after '#'"],
  ['x foo; ', 1, 7, "expected a message after ';'"],
  ['3 ; foo', 1, 3, "expected a message before ';'"],
  ['x foo; bar baz', 1, 12, "expected ';' or the end of the statement"],
  ['{1. 2', 1, 6, "expected '}' to close the brace array started at line 1, column 1"],
  ['{1 2}', 1, 4, "expected '.' or '}' to close the brace array started at line 1, column 1"],
  ['| a b', 1, 6, "expected '|' to close the temporaries started at line 1, column 1"],
  ['| a a |', 1, 5, "'a' is already a temporary here"],
  ['[:x y]', 1, 5, "expected '|' to end the block parameters"],
  ['[: 3]', 1, 4, "expected a parameter name after ':'"],
  ['[:self | 1]', 1, 3, "'self' is reserved"],
  ['[1 )', 1, 4, "expected '.' or ']' to close the block started at line 1, column 1"],
  ['[:x | ^]', 1, 8, "expected an expression after '^'"],
  ['self := 3', 1, 1, "cannot assign to 'self'"],
  ['true := 1', 1, 1, "cannot assign to 'true'"],
  ['3 := 4', 1, 3, "':=' must follow a variable name"],
  ['3 4', 1, 3, "expected '.' between statements, found '4'"],
  ['x := - 5', 1, 6, "expected an expression after ':=', found '-' (a negative number is written with its '-' glued to it: -5)"],
  ['3)', 1, 2, "unmatched ')'"],
  ['x `y', 1, 3, "unexpected character '`'"],
  ['Foo bar ->', 1, 11, "expected the method body after '->'"],
  ['Foo bar: x baz -> 1', 1, 12, "expected a keyword or '->' after the parameter 'x'"],
  ['Foo bar baz -> 1', 1, 9, "expected '->' after the method header 'Foo bar'"],
  ['Foo at: x put -> 1', 1, 11, "expected a keyword or '->' after the parameter 'x'"],
  ['Foo bar: x baz: x -> 3', 1, 17, "'x' is already a parameter here"],
  ['self foo -> 3', 1, 1, "'self' is not the name of a behaviour"],
  ['Foo bar -> ret "oops', 1, 16, 'expected a closing " for the comment started at line 1, column 16'],
  ['Foo bar ->\n    x := 3.\n    y := .', 3, 10, "expected an expression after ':='"],
  ['a\nb foo: [:x |\n    x + ', 3, 8, "expected an argument after '+'"],
  ['ok\nBoolean ifTrue: aBlock ->\n    [:x | x foo: ]', 3, 18, "expected a keyword argument after 'foo:'"],
  ['x := 1e99999', 1, 8, 'the exponent is too large'],
];

describe('syntax errors', () => {
  for (const [source, line, column, expected] of CASES) {
    it(`${JSON.stringify(source)} → ${line}:${column} ${expected}`, () => {
      const r = parse(source);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.message).toContain(expected);
      expect({ line: r.error.position.line, column: r.error.position.column }).toEqual({ line, column });
      expect(r.error.sourceLine).toBe(source.split('\n')[line - 1]);
      const lines = source.split('\n');
      const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
      expect(r.error.position.offset).toBe(offset);
    });
  }

  it('formatSyntaxError puts the caret under the place', () => {
    const r = parse('x := 3 +');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatSyntaxError(r.error)).toBe("line 1, column 9: expected an argument after '+'\n  x := 3 +\n          ^");
  });
});
