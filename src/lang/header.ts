/*
 * Method headers, and whether a method's body is assembly.
 *
 * An item is a method definition when it begins with a header and '->':
 *
 *   Target selector ->                    unary
 *   Target + other ->                     binary (any binary operator, '->' included)
 *   Target at: index put: value ->        keyword, one plain name per keyword
 *   Target class selector ->              any of these on the class side
 *
 * Everywhere else '->' is the binary message that makes an Association: in a method's body,
 * inside brackets, and at the top level of an item whose start cannot be a header (`#a -> 3`,
 * `x := k -> v`, `Foo at: 1 -> 2`). Where the words before a '->' read as a header but do not
 * make one (`Foo bar baz -> 1`), the parser says what is wrong with the header; to send '->'
 * to such an expression, write `(Foo bar) -> 1`.
 *
 * The body is x86-64 assembly when its first word is an instruction mnemonic the machine knows
 * (written in lower or upper case: `mov`, `RET`), unless `:=` follows it (an assignment to a
 * variable that happens to be named like one), or when it begins with labels (`lp: add ...`),
 * a `.byte` directive, or an encoding pseudo-prefix such as `{disp32} jmp lp`. Otherwise it is
 * message syntax. (A body that is just an instance variable named like a mnemonic, `inc`,
 * reads as assembly; write `^inc`.)
 */
import { MNEMONICS } from '../../kernel/machine/x86/table.ts';
import type { Token } from './tokens.ts';

export interface Header {
  readonly target: Token;
  readonly classSide: boolean;
  readonly selector: string;
  /** The tokens spelling the selector: one, or one per keyword. */
  readonly selectorTokens: readonly Token[];
  readonly params: readonly Token[];
  /** The index of the '->' token. */
  readonly arrow: number;
}

export const isArrow = (t: Token | undefined): boolean => t !== undefined && t.kind === 'binary' && t.text === '->';

interface Pattern {
  readonly selector: string;
  readonly selectorTokens: readonly Token[];
  readonly params: readonly Token[];
  readonly next: number;
}

/** A unary, binary or keyword selector pattern at tokens[i]. */
function patternAt(tokens: readonly Token[], i: number): Pattern | undefined {
  const t = tokens[i];
  if (t === undefined) return undefined;
  if (t.kind === 'identifier') return { selector: t.text, selectorTokens: [t], params: [], next: i + 1 };
  if (t.kind === 'binary') {
    const p = tokens[i + 1];
    return p?.kind === 'identifier' ? { selector: t.text, selectorTokens: [t], params: [p], next: i + 2 } : undefined;
  }
  if (t.kind !== 'keyword') return undefined;
  const selectorTokens: Token[] = [];
  const params: Token[] = [];
  let j = i;
  while (tokens[j]?.kind === 'keyword' && tokens[j + 1]?.kind === 'identifier') {
    selectorTokens.push(tokens[j]);
    params.push(tokens[j + 1]);
    j += 2;
  }
  if (params.length === 0) return undefined;
  return { selector: selectorTokens.map((k) => k.text).join(''), selectorTokens, params, next: j };
}

/** The header at the start of `tokens`, when a '->' follows it. */
export function matchHeader(tokens: readonly Token[]): Header | undefined {
  const target = tokens[0];
  if (target?.kind !== 'identifier') return undefined;
  if (tokens[1]?.kind === 'identifier' && tokens[1].text === 'class') {
    const p = patternAt(tokens, 2);
    if (p !== undefined && isArrow(tokens[p.next])) return { target, classSide: true, ...p, arrow: p.next };
  }
  const p = patternAt(tokens, 1);
  if (p !== undefined && isArrow(tokens[p.next])) return { target, classSide: false, ...p, arrow: p.next };
  return undefined;
}

/** An instruction mnemonic of the machine, in lower or upper case. */
export function isMnemonic(word: string): boolean {
  return (word === word.toLowerCase() || word === word.toUpperCase()) && MNEMONICS.has(word.toLowerCase());
}

/** Does a body beginning with these tokens (the first few after '->') read as assembly? */
export function startsAssembly(body: readonly Token[]): boolean {
  const word = (t: Token | undefined): boolean => t?.kind === 'identifier' && isMnemonic(t.text);
  const [t0, t1, t2, t3] = body;
  if (t0 === undefined) return false;
  if (t0.kind === 'identifier') return word(t0) && t1?.kind !== 'assign';
  if (t0.kind === 'keyword') {
    let i = 0;
    while (body[i]?.kind === 'keyword') i++;
    return word(body[i]);
  }
  if (t0.kind === 'period') return t1?.kind === 'identifier' && t1.text === 'byte' && t1.start === t0.end;
  if (t0.kind === 'leftBrace') return t1?.kind === 'identifier' && t2?.kind === 'rightBrace' && word(t3);
  return false;
}

const REGISTER = /^(r[a-d]x|r[sd]i|r[sb]p|r(8|9|1[0-5])[bwd]?|e[a-d]x|e[sd]i|e[sb]p|[a-d][lhx]|[sd]il|[sb]pl|[sd]i|[sb]p|xmm([0-9]|1[0-5]))$/;
const SIZES = new Set(['byte', 'word', 'dword', 'qword']);
const BRANCHES = new Set(['jmp', 'call']);

/**
 * The stricter test for a body in Smalltalk's own syntax (a bracket method, a chunk), where a
 * statement may well begin with a variable named like a mnemonic: the mnemonic must be followed
 * by what only an instruction has there (nothing, a register, a memory operand or its size, a
 * number, or the label of a branch), unless the body begins with a label, `.byte` or a
 * pseudo-prefix.
 */
export function startsInstruction(body: readonly Token[]): boolean {
  if (!startsAssembly(body)) return false;
  const [t0, t1] = body;
  if (t0.kind !== 'identifier') return true;
  if (t1 === undefined || t1.kind === 'rightBracket' || t1.kind === 'semicolon' || t1.kind === 'integer' || t1.kind === 'leftBracket') return true;
  if (t1.kind === 'identifier') {
    const w = t1.text.toLowerCase();
    return REGISTER.test(w) || SIZES.has(w) || BRANCHES.has(t0.text.toLowerCase()) || /^j/.test(t0.text.toLowerCase());
  }
  return false;
}
