/*
 * The tokens of Bedrock's language: their kinds (with how error messages name them), the
 * characters that make them, and the reserved names.
 *
 *   foo  Foo  _x1         identifier          at:  ifTrue:    keyword (a name glued to ':')
 *   + - * / \ < > = ~ @ % | & ? , !   runs of these are binary operators (see below for '-')
 *   42  16rFF  0xFF  1e6  integer (unsigned, but for 16r-FF: the parser makes '-' 42 negative)
 *   1.5  2.5e-3  1.0e10  1e-3  2.0d0   float (its IEEE 754 bits, a bigint; unsigned as integers are)
 *   3.14s2  1/3s  2s3    scaled (a ScaledDecimal: 'digits fractionDigits scale' as text)
 *   $a  'it''s'  #foo  #at:put:  #+  #'a b'          character, string, symbol
 *   #(  #[  ( ) [ ] { } . ; ^ := :                  punctuation
 *   #{Foo}  ##(3 + 4)    GNU Smalltalk's binding of a global, and an expression evaluated once
 *
 * A '-' that follows another binary character and is directly followed by a digit ends the
 * operator, so `3--2` is `3 - -2`; whether a '-' glued to a number is a negative literal or a
 * subtraction is the parser's decision (it depends on what came before).
 */

/** Every kind of token, with the words an error message uses for it. */
export const TOKEN_KINDS = {
  identifier: 'a name',
  keyword: 'a keyword',
  binary: 'a binary operator',
  integer: 'a number',
  float: 'a number',
  scaled: 'a number',
  character: 'a character',
  string: 'a string',
  symbol: 'a symbol',
  literalArray: "'#('",
  byteArray: "'#['",
  bindingBrace: "'#{'",
  constantParen: "'##('",
  leftParen: "'('",
  rightParen: "')'",
  leftBracket: "'['",
  rightBracket: "']'",
  leftBrace: "'{'",
  rightBrace: "'}'",
  period: "'.'",
  semicolon: "';'",
  caret: "'^'",
  assign: "':='",
  colon: "':'",
  error: 'a malformed token',
  end: 'the end of the input',
} as const;

export type TokenKind = keyof typeof TOKEN_KINDS;

/** Single characters that are tokens by themselves. */
export const PUNCTUATION: Readonly<Record<string, TokenKind>> = {
  '(': 'leftParen',
  ')': 'rightParen',
  '[': 'leftBracket',
  ']': 'rightBracket',
  '{': 'leftBrace',
  '}': 'rightBrace',
  '.': 'period',
  ';': 'semicolon',
  '^': 'caret',
};

/** Brackets: what opens, and the closer each opener expects. `#(` closes with ')'. */
export const CLOSER_OF: Readonly<Partial<Record<TokenKind, TokenKind>>> = {
  leftParen: 'rightParen',
  literalArray: 'rightParen',
  byteArray: 'rightBracket',
  bindingBrace: 'rightBrace',
  constantParen: 'rightParen',
  leftBracket: 'rightBracket',
  leftBrace: 'rightBrace',
};

export const CLOSERS: ReadonlySet<TokenKind> = new Set(['rightParen', 'rightBracket', 'rightBrace']);

/** The characters binary operators are made of. */
export const BINARY_CHARACTERS = '+-*/\\<>=~@%|&?,!';

/** Names that are not variables one may declare or assign. */
export const LITERAL_NAMES: ReadonlySet<string> = new Set(['nil', 'true', 'false']);
export const PSEUDO_VARIABLES: ReadonlySet<string> = new Set(['self', 'super', 'thisContext']);
export const RESERVED_NAMES: ReadonlySet<string> = new Set([...LITERAL_NAMES, ...PSEUDO_VARIABLES]);

export interface Token {
  readonly kind: TokenKind;
  /** The token as written. */
  readonly text: string;
  /** Offsets of its first character and of the character after it. */
  readonly start: number;
  readonly end: number;
  /**
   * The token is the first on a line that begins (outside any comment) with something other
   * than whitespace: at the top level, such a token starts a new item.
   */
  readonly margin: boolean;
  /** integer: its (unsigned) value; character, string, symbol: the characters it stands for; an identifier with a namespace path (Smalltalk.Foo): the path. */
  readonly value?: bigint | string;
  /** error tokens: what is wrong, where exactly, and whether more input could mend it. */
  readonly problem?: { readonly message: string; readonly offset: number; readonly incomplete: boolean };
}

export const isWhitespace = (ch: string | undefined): boolean =>
  ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';
export const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
/**
 * A letter starts a name: ASCII's, '_', and beyond ASCII any Unicode letter (as Pharo reads
 * `aλ := 3` and `#aλ`; GNU Smalltalk 3.2.5 rejects any byte above 127 in a name). The source is
 * UTF-16, so a letter beyond the Basic Multilingual Plane (a surrogate pair) is not one.
 */
export const isLetter = (ch: string | undefined): boolean =>
  ch !== undefined && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_' || (ch > '\x7f' && /^\p{L}$/u.test(ch)));
/** What continues a name: a letter, an ASCII digit, or a combining mark (an accent written apart). */
export const isNameCharacter = (ch: string | undefined): boolean =>
  isLetter(ch) || isDigit(ch) || (ch !== undefined && ch > '\x7f' && /^\p{M}$/u.test(ch));
/** Does a name start with an uppercase letter (a global's, a class's), in any script? */
export const isCapitalized = (name: string): boolean => /^\p{Lu}/u.test(name);
export const isBinaryCharacter = (ch: string | undefined): boolean => ch !== undefined && ch !== '' && BINARY_CHARACTERS.includes(ch);

/** How an error message names a token: its text when short, else what kind it is. */
export function describeToken(token: Token): string {
  if (token.kind === 'end') return TOKEN_KINDS.end;
  if (token.kind === 'string') return TOKEN_KINDS.string;
  if (token.text.length > 24 || token.text.includes('\n')) return TOKEN_KINDS[token.kind];
  return `'${token.text}'`;
}
