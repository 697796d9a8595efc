/*
 * The lexer: token kinds and values, the '-' rule, keywords against ':=', margins (what
 * layout reads), and malformed tokens as values.
 */
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/lang/lexer.ts';
import { TOKEN_KINDS } from '../../src/lang/tokens.ts';

const kinds = (text: string) => tokenize(text).map((t) => `${t.kind}:${t.text}`);

describe('lexer', () => {
  it('reads every kind of token', () => {
    expect(kinds("foo Foo_1 at: + 42 $a 'str' #sym #( ( ) [ ] { } . ; ^ := :")).toEqual([
      'identifier:foo', 'identifier:Foo_1', 'keyword:at:', 'binary:+', 'integer:42', 'character:$a', "string:'str'", 'symbol:#sym',
      'literalArray:#(', 'leftParen:(', 'rightParen:)', 'leftBracket:[', 'rightBracket:]', 'leftBrace:{', 'rightBrace:}',
      'period:.', 'semicolon:;', 'caret:^', 'assign::=', 'colon::',
    ]);
    for (const t of tokenize('a b:')) expect(TOKEN_KINDS[t.kind]).toBeTruthy();
  });

  it('values of literals', () => {
    const values = tokenize("16rFF 0x1f 2r1010 1e3 $  'it''s' #at:put: #'a b' #->").map((t) => t.value);
    expect(values).toEqual([255n, 31n, 10n, 1000n, ' ', "it's", 'at:put:', 'a b', '->']);
  });

  it('a keyword is a name glued to a colon that does not begin :=', () => {
    expect(kinds('x:=3')).toEqual(['identifier:x', 'assign::=', 'integer:3']);
    expect(kinds('at:1')).toEqual(['keyword:at:', 'integer:1']);
    expect(kinds('at :1')).toEqual(['identifier:at', 'colon::', 'integer:1']);
    expect(kinds('[:x|x]')).toEqual(['leftBracket:[', 'colon::', 'identifier:x', 'binary:|', 'identifier:x', 'rightBracket:]']);
  });

  it('binary operators are runs, but a minus before a digit starts afresh', () => {
    expect(kinds('a->b')).toEqual(['identifier:a', 'binary:->', 'identifier:b']);
    expect(kinds('3--2')).toEqual(['integer:3', 'binary:-', 'binary:-', 'integer:2']);
    expect(kinds('3-2')).toEqual(['integer:3', 'binary:-', 'integer:2']);
    expect(kinds('a ~= b <= c')).toEqual(['identifier:a', 'binary:~=', 'identifier:b', 'binary:<=', 'identifier:c']);
    expect(kinds('x @-1')).toEqual(['identifier:x', 'binary:@', 'binary:-', 'integer:1']);
    expect(kinds('x --> y')).toEqual(['identifier:x', 'binary:-->', 'identifier:y']);
    expect(kinds('||')).toEqual(['binary:||']);
  });

  it('comments and whitespace are skipped', () => {
    expect(kinds('a "one" b "two\nlines" c\t\r\n d')).toEqual(['identifier:a', 'identifier:b', 'identifier:c', 'identifier:d']);
  });

  it('margins: the first token of an unindented line', () => {
    const margins = (text: string) => tokenize(text).map((t) => t.margin);
    expect(margins('a b\nc\n  d')).toEqual([false, false, true, false]);
    expect(margins('a\n\n"note" b')).toEqual([false, true]);
    expect(margins('a "com\nment" b')).toEqual([false, false]);
    expect(margins("a 'x\ny' b")).toEqual([false, false, false]);
    expect(margins('a\r\nb')).toEqual([false, true]);
    expect(margins('a\n\tb')).toEqual([false, false]);
  });

  it('malformed tokens are error tokens, and lexing goes on after them', () => {
    const ts = tokenize('a 2r12 b ` c 16rZ d');
    expect(ts.map((t) => t.kind)).toEqual(['identifier', 'error', 'identifier', 'error', 'identifier', 'error', 'identifier']);
    expect(ts[1].problem).toMatchObject({ message: "'2' is not a digit in radix 2", offset: 5, incomplete: false });
    expect(ts[3].problem?.message).toBe("unexpected character '`'");
    expect(ts[5].problem?.message).toMatch(/hexadecimal|digit/);
  });

  it('unterminated strings, symbols and comments run to the end and are incomplete', () => {
    for (const text of ["x 'abc\ndef", "#'abc", '"abc\n']) {
      const ts = tokenize(text);
      const last = ts[ts.length - 1];
      expect(last.kind).toBe('error');
      expect(last.end).toBe(text.length);
      expect(last.problem?.incomplete).toBe(true);
    }
  });
});
