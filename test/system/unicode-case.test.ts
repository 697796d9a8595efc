/*
 * Letters and case beyond ASCII: isLetter, isUppercase, isLowercase, asUppercase and
 * asLowercase of every character of Latin-1, Latin Extended-A, the Greek letters and the basic
 * Cyrillic block answer what Unicode says, as JavaScript's \p{L}, \p{Lu}, \p{Ll} and
 * toUpperCase/toLowerCase (where those give one character) find. Exhaustive over those code
 * points, so there is no seed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { boot, BACKENDS } from './cases.ts';

const RANGES: readonly (readonly [number, number])[] = [[0, 0x17f], [0x386, 0x3ce], [0x400, 0x45f]];

/** The other case as one code point, or the character itself when Unicode's mapping is longer. */
function single(c: string, mapped: string): number {
  return [...mapped].length === 1 ? mapped.codePointAt(0)! : c.codePointAt(0)!;
}

/** Unicode's simple lowercase of İ (U+0130) is i; JavaScript gives the full mapping, i and a combining dot. */
const SIMPLE_LOWER: Readonly<Record<number, number>> = { 0x130: 0x69 };

function expected(v: number): string {
  const c = String.fromCodePoint(v);
  const lower = SIMPLE_LOWER[v] ?? single(c, c.toLowerCase());
  return `#(${/\p{L}/u.test(c)} ${/\p{Lu}/u.test(c)} ${/\p{Ll}/u.test(c)} ${single(c, c.toUpperCase())} ${lower})`;
}

describe.each(BACKENDS)('letters and case as Unicode says (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(backend); });

  it('every character of Latin-1, Latin Extended-A, Greek and Cyrillic', () => {
    const codes: number[] = [];
    for (const [from, to] of RANGES) for (let v = from; v <= to; v++) codes.push(v);
    const source = `| out | out := OrderedCollection new. #(${codes.join(' ')}) do: [:v | | c | c := Character value: v. ` +
      'out add: {c isLetter. c isUppercase. c isLowercase. c asUppercase value. c asLowercase value} printString]. out asArray';
    const answer = b.run(source)[0];
    const lines = [...answer.matchAll(/'(#\([^)]*\))'/g)].map((m) => m[1]);
    expect(lines.length).toBe(codes.length);
    codes.forEach((v, i) => expect(lines[i], `U+${v.toString(16).padStart(4, '0')} ${String.fromCodePoint(v)}`).toBe(expected(v)));
  });

  it('strings change case by their characters, widening where the other case needs it', () => {
    expect(b.run("'héllo ÿ' asUppercase\n'ΑΒΓ Жук' asLowercase\n'straße' asUppercase\n'µ' asUppercase\n'Ωmega' first isLetter")).toEqual([
      "'HÉLLO Ÿ'", "'αβγ жук'", "'STRAßE'", "'Μ'", 'true',
    ]);
  });
});
