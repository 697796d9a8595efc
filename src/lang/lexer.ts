/*
 * The lexer: source text to tokens, one at a time from any offset, never throwing.
 *
 * `lexToken(source, offset)` skips whitespace and "comments" from `offset` and reads one token;
 * it keeps no state, so the layout can look ahead freely and can step over an assembly body
 * (which is not lexed as message syntax) and resume after it. A malformed token comes back
 * as an `error` token carrying its message; lexing goes on after it. An unterminated string,
 * quoted symbol or comment runs to the end of the input and is marked `incomplete`, so the
 * REPL knows to read another line.
 *
 * Integers: decimal `42`, exponent `1e6` (an integer, as in Pharo), radix `16rFF` / `2r1010` /
 * `36rZZ` (radix 2..36, digits 0-9 then letters of either case; GNU Smalltalk's `16r-1F` is
 * negative, the one integer token whose value is), C-style `0xFF`. No floats yet:
 * `3.14` is an error rather than the statements `3` and `14`.
 */
import { SourceText } from './source.ts';
import {
  PUNCTUATION,
  isBinaryCharacter,
  isDigit,
  isCapitalized,
  isLetter,
  isNameCharacter,
  isWhitespace,
  type Token,
  type TokenKind,
} from './tokens.ts';

/** The largest exponent `1eN` may have (a bigger one would take the host's memory). */
const MAX_EXPONENT = 10_000;

/** Read the token at or after `offset`; at the end of the input, an `end` token. */
export function lexToken(source: SourceText, offset: number): Token {
  return new Scan(source, offset).token();
}

/** All the tokens of a text, up to (not including) the end. */
export function tokenize(text: string | SourceText): Token[] {
  const source = typeof text === 'string' ? new SourceText(text) : text;
  const out: Token[] = [];
  for (let t = lexToken(source, 0); t.kind !== 'end'; t = lexToken(source, t.end)) out.push(t);
  return out;
}

/** The IEEE 754 bits of a double, as a signed 64-bit bigint (a Float literal's value). */
export function floatBits(value: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, true);
  return view.getBigInt64(0, true);
}

/** The value of one digit in radix up to 36, or -1. */
function digitValue(ch: string): number {
  const c = ch.charCodeAt(0);
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 90) return c - 55;
  if (c >= 97 && c <= 122) return c - 87;
  return -1;
}

class Scan {
  private readonly text: string;
  private pos: number;
  private readonly gapStart: number;
  private readonly comments: Array<readonly [number, number]> = [];

  constructor(private readonly source: SourceText, offset: number) {
    this.text = source.text;
    this.pos = offset;
    this.gapStart = offset;
  }

  token(): Token {
    const unterminated = this.skipTrivia();
    if (unterminated !== undefined) {
      return this.error(unterminated, this.text.length, `expected a closing " for the comment started at ${this.source.where(unterminated)}`, unterminated, true);
    }
    const start = this.pos;
    if (start >= this.text.length) return this.make('end', start, start);
    const ch = this.text[start];
    if (isLetter(ch)) return this.name(start);
    if (isDigit(ch)) return this.number(start);
    if (isBinaryCharacter(ch)) return this.make('binary', start, this.binaryRun(start));
    switch (ch) {
      case "'": return this.quoted(start, start, 'string');
      case '$': return this.character(start);
      case '#': return this.hash(start);
      case ':':
        return this.text[start + 1] === '=' ? this.make('assign', start, start + 2) : this.make('colon', start, start + 1);
    }
    const punctuation = PUNCTUATION[ch];
    if (punctuation !== undefined) return this.make(punctuation, start, start + 1);
    const cp = String.fromCodePoint(this.text.codePointAt(start)!);
    return this.error(start, start + cp.length, `unexpected character '${cp}'`);
  }

  /** Skip whitespace and comments; the offset of an unterminated comment, if one runs off the end. */
  private skipTrivia(): number | undefined {
    const text = this.text;
    for (;;) {
      const ch = text[this.pos];
      if (isWhitespace(ch)) { this.pos++; continue; }
      if (ch !== '"') return undefined;
      const close = text.indexOf('"', this.pos + 1);
      if (close < 0) {
        this.comments.push([this.pos, text.length]);
        return this.pos;
      }
      this.comments.push([this.pos, close + 1]);
      this.pos = close + 1;
    }
  }

  /** Does a token starting at `start` begin a line that is not indented (see Token.margin)? */
  private margin(start: number): boolean {
    const lineStart = this.source.lineStartOf(start);
    if (lineStart <= this.gapStart) return false;
    if (isWhitespace(this.text[lineStart])) return false;
    return !this.comments.some(([from, to]) => from < lineStart && lineStart < to);
  }

  private make(kind: TokenKind, start: number, end: number, value?: bigint | string): Token {
    const text = this.text.slice(start, end);
    const margin = this.margin(start);
    return value === undefined ? { kind, text, start, end, margin } : { kind, text, start, end, margin, value };
  }

  private error(start: number, end: number, message: string, at = start, incomplete = false): Token {
    return { kind: 'error', text: this.text.slice(start, end), start, end, margin: this.margin(start), problem: { message, offset: at, incomplete } };
  }

  private nameEnd(from: number): number {
    let i = from;
    while (isNameCharacter(this.text[i])) i++;
    return i;
  }

  /**
   * An identifier, or a keyword when a ':' (not ':=') is glued to it. A capitalized name with
   * GNU Smalltalk's namespace path glued before it (`Smalltalk.Foo`, `SystemExceptions.NotFound`,
   * `Smalltalk.Kernel.Bar`) is one identifier token whose text is the last name: Bedrock has
   * one namespace, Smalltalk, which holds every global. Its value is the path as written, for
   * `A.B`, the class variable B of class A, as GNU Smalltalk reads it.
   */
  private name(start: number): Token {
    let end = this.nameEnd(start);
    if (this.text[end] === ':' && this.text[end + 1] !== '=') return this.make('keyword', start, end + 1);
    const upper = (ch: string | undefined): boolean => ch !== undefined && isCapitalized(ch);
    if (upper(this.text[start]) && this.text[end] === '.' && upper(this.text[end + 1])) {
      let last = start;
      while (this.text[end] === '.' && upper(this.text[end + 1])) { last = end + 1; end = this.nameEnd(last); }
      if (this.text[end] === ':' && this.text[end + 1] !== '=') return this.make('identifier', start, this.nameEnd(start));
      return { ...this.make('identifier', start, end, this.text.slice(start, end)), text: this.text.slice(last, end) };
    }
    return this.make('identifier', start, end);
  }

  /** The end of a binary operator: a run of binary characters, but a '-' before a digit ends it. */
  private binaryRun(start: number): number {
    let i = start + 1;
    while (isBinaryCharacter(this.text[i]) && !(this.text[i] === '-' && isDigit(this.text[i + 1]))) i++;
    return i;
  }

  private number(start: number): Token {
    const text = this.text;
    if (text[start] === '0' && (text[start + 1] === 'x' || text[start + 1] === 'X')) return this.radixDigits(start, start + 2, 16, text.slice(start, start + 2), 'hexadecimal digit');
    let i = start;
    // GNU Smalltalk's digit separators: 1_000_000 (an underscore between two digits).
    while (isDigit(text[i]) || (text[i] === '_' && isDigit(text[i - 1]) && isDigit(text[i + 1]))) i++;
    const digits = text.slice(start, i).replace(/_/g, '');
    if (text[i] === 'r') {
      const radix = Number(digits);
      if (!(radix >= 2 && radix <= 36)) {
        return this.error(start, this.nameEnd(i + 1), `a radix must be between 2 and 36, not ${digits}`);
      }
      // GNU Smalltalk's negative radix integer: 16r-1F is -31 (the token's value is negative).
      if (text[i + 1] === '-' && digitValue(text[i + 2] ?? '') >= 0 && digitValue(text[i + 2]) < radix) {
        const t = this.radixDigits(start, i + 2, radix, `${digits}r-`, `digit in radix ${radix}`);
        return t.kind === 'integer' ? { ...t, value: -(t.value as bigint) } : t;
      }
      return this.radixDigits(start, i + 1, radix, `${digits}r`, `digit in radix ${radix}`);
    }
    // A Float: digits '.' digits, and an exponent (e, or GNU Smalltalk's d and q) that may be
    // negative; an integer with a negative exponent (1e-3) is a Float too, as in GNU Smalltalk.
    const exponentAt = (k: number): number => {
      if (text[k] !== 'e' && text[k] !== 'd' && text[k] !== 'q') return -1;
      const d = text[k + 1] === '-' ? k + 2 : k + 1;
      return isDigit(text[d]) ? d : -1;
    };
    const fractional = text[i] === '.' && isDigit(text[i + 1]);
    // A ScaledDecimal: 3.14s2, 3.14s (as many places as written), 2s3.
    {
      let j = i, places = 0;
      if (fractional) { j = i + 1; while (isDigit(text[j])) j++; places = j - i - 1; }
      if (text[j] === 's' && !(isNameCharacter(text[j + 1]) && !isDigit(text[j + 1]))) {
        let k = j + 1;
        while (isDigit(text[k])) k++;
        const scale = k > j + 1 ? text.slice(j + 1, k) : String(places);
        const digits = text.slice(start, i).replace(/_/g, '') + (fractional ? text.slice(i + 1, j) : '');
        return this.make('scaled', start, k, `${digits} ${places} ${scale}`);
      }
    }
    const negativeExponent = text[i] === 'e' && text[i + 1] === '-' && isDigit(text[i + 2]);
    if (fractional || negativeExponent) {
      let j = i;
      if (fractional) { j = i + 1; while (isDigit(text[j])) j++; }
      let mantissaEnd = j;
      const d = exponentAt(j);
      let exponent = '0';
      if (d >= 0) {
        let k = d;
        while (isDigit(text[k])) k++;
        exponent = (text[d - 1] === '-' ? '-' : '') + text.slice(d, k);
        j = k;
      } else if (fractional && (text[j] === 'd' || text[j] === 'q' || text[j] === 'e') && !isNameCharacter(text[j + 1])) {
        j++; // 2.5d, 2.5e, 2.5q: a FloatD, FloatE or FloatQ as GNU Smalltalk writes them, each a Float here
      }
      const value = Number(`${text.slice(start, mantissaEnd).replace(/_/g, '')}e${exponent}`);
      return this.make('float', start, j, floatBits(value));
    }
    // GNU Smalltalk's FloatD and FloatQ written as integers: 100d, 1q, 2d3 (a Float here).
    if ((text[i] === 'd' || text[i] === 'q') && (!isNameCharacter(text[i + 1]) || isDigit(text[i + 1]) || (text[i + 1] === '-' && isDigit(text[i + 2])))) {
      let j = i + 1, exponent = '0';
      if (text[j] === '-' || isDigit(text[j])) {
        const from = j;
        if (text[j] === '-') j++;
        while (isDigit(text[j])) j++;
        exponent = text.slice(from, j);
      }
      return this.make('float', start, j, floatBits(Number(`${digits}e${exponent}`)));
    }
    if (text[i] === 'e' && isDigit(text[i + 1])) {
      let j = i + 1;
      while (isDigit(text[j])) j++;
      const exponent = Number(text.slice(i + 1, j));
      if (exponent > MAX_EXPONENT) return this.error(start, j, `the exponent is too large (at most ${MAX_EXPONENT})`, i + 1);
      return this.make('integer', start, j, BigInt(digits) * 10n ** BigInt(exponent));
    }
    return this.make('integer', start, i, BigInt(digits));
  }

  /** The digits after `16r` or `0x`: every letter and digit glued on, each checked against the radix. */
  private radixDigits(start: number, from: number, radix: number, prefix: string, what: string): Token {
    const end = this.nameEnd(from);
    if (end === from) {
      const article = what.startsWith('hex') ? 'hexadecimal digits' : 'digits';
      return this.error(start, end, `expected ${article} after '${prefix}'`, from);
    }
    for (let i = from; i < end; i++) {
      if (this.text[i] === '_' && i > from && i < end - 1 && this.text[i + 1] !== '_') continue;
      const d = digitValue(this.text[i]);
      if (d < 0 || d >= radix) return this.error(start, end, `'${this.text[i]}' is not a ${what}`, i);
    }
    return this.make('integer', start, end, digitsValue(this.text.slice(from, end).replace(/_/g, ''), radix));
  }

  private character(start: number): Token {
    if (start + 1 >= this.text.length) return this.error(start, start + 1, "expected a character after '$'", start + 1);
    const cp = String.fromCodePoint(this.text.codePointAt(start + 1)!);
    return this.make('character', start, start + 1 + cp.length, cp);
  }

  /** A string (or the text of a quoted symbol) from the quote at `quote`, '' standing for '. */
  private quoted(start: number, quote: number, kind: 'string' | 'symbol'): Token {
    const text = this.text;
    let value = '';
    let i = quote + 1;
    for (;;) {
      const close = text.indexOf("'", i);
      if (close < 0) {
        const what = kind === 'string' ? 'string' : 'quoted symbol';
        return this.error(start, text.length, `expected a closing ' for the ${what} started at ${this.source.where(start)}`, start, true);
      }
      value += text.slice(i, close);
      if (text[close + 1] === "'") { value += "'"; i = close + 2; continue; }
      return this.make(kind, start, close + 1, value);
    }
  }

  /** After '#': a literal array, a byte array, a symbol (`#foo`, `#at:put:`, `#+`, `#'a b'`), or an error. */
  private hash(start: number): Token {
    const text = this.text;
    const next = text[start + 1];
    if (next === '(') return this.make('literalArray', start, start + 2);
    if (next === "'") return this.quoted(start, start + 1, 'symbol');
    if (isLetter(next)) {
      let i = this.nameEnd(start + 1);
      while (text[i] === ':' && text[i + 1] !== '=') {
        i++;
        if (isLetter(text[i])) i = this.nameEnd(i);
      }
      return this.make('symbol', start, i, text.slice(start + 1, i));
    }
    if (isBinaryCharacter(next)) {
      const end = this.binaryRun(start + 1);
      return this.make('symbol', start, end, text.slice(start + 1, end));
    }
    if (next === '[') return this.make('byteArray', start, start + 2);
    if (next === '{') return this.make('bindingBrace', start, start + 2);
    if (next === '#' && text[start + 2] === '(') return this.make('constantParen', start, start + 3);
    return this.error(start, start + 1, "expected a name, a keyword, a binary operator, a quoted string or '(' after '#'", start + 1);
  }
}

/**
 * The value of checked digits in `radix`, in time that grows with their number times a
 * logarithm, not its square (a digit at a time multiplies an ever longer number): the radixes
 * JavaScript reads itself are read so, the others split in halves, each half read in turn and
 * joined by one multiplication.
 */
export function digitsValue(digits: string, radix: number): bigint {
  const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : radix === 10 ? '' : null;
  if (prefix !== null) return BigInt(prefix + digits);
  if (digits.length <= 8) return BigInt(parseInt(digits, radix));
  const half = digits.length >> 1;
  const low = digits.length - half;
  return digitsValue(digits.slice(0, half), radix) * BigInt(radix) ** BigInt(low) + digitsValue(digits.slice(half), radix);
}
