/*
 * Fuzzing: random token soups, and random truncations and mutations of valid programs, never
 * make the parser (or needsMoreInput) throw; every result is either items whose spans and
 * sources agree with the text, or a SyntaxError whose position is inside the text, with its
 * line, column and source line consistent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ParseResult, Position } from '../../src/lang/ast.ts';
import { needsMoreInput, parse } from '../../src/lang/parser.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

const SOUPS = 4000;
const MUTATIONS = 4000;

const VOCABULARY = [
  'x', 'Foo', 'self', 'super', 'nil', 'true', 'thisContext', 'class', 'mov', 'ret', 'add', 'rax', 'inc', 'lp',
  'at:', 'put:', 'ifTrue:', 'lp:', 'x:',
  '+', '-', '*', '->', '|', '||', '<=', '~=', ',', '@', '\\\\', '!',
  '0', '3', '42', '16rFF', '2r1010', '0x1F', '-2', '1e3', '2r', '3.4', '16r', '37r1', '99999999999999999999999',
  "'a'", "'it''s'", "'", "''", '$a', '$', "$'", '$ ', '#foo', '#at:put:', '#+', "#'x y'", '#', '#(', '#[',
  '(', ')', '[', ']', '{', '}', '.', ';', '^', ':=', ':', '"c"', '"', '"multi\nline"',
  '\n', '\n    ', '\n\n', '\t', '\r\n', '[rdi*8]', '`', 'é', '😀', '_',
];

const PROGRAMS = [
  'Memory at: anAddress -> mov rdi, rax; mov rax, [rdi*8]; ret',
  'Memory put: aValue  -> mov [rdi*8], rax; add rdi, 1; ret',
  'Memory at: 100; put: 16r2A; put: 43',
  '(Memory at: 100)',
  'Memory at: 16rCAFEBABE',
  'ALU add: aValue -> add rax, aValue',
  'Boolean ifFalse: aBlock -> CPU eq: 0 do: aBlock',
  'Memory at: 16rCAFEBABE; put: 16rDEADBEEF; put: 16rFEEDFACE',
  'Boolean ifTrue: aBlock ->\n    CPU eq: true do: aBlock',
  "Object subclass: #Point instanceVariableNames: 'x y'",
  'Integer fib -> self < 2 ifTrue: [^self]. ^(self - 1) fib + (self - 2) fib',
  "| a b | a := #(1 $a foo #bar 'str' (1 2) #(3) true false nil). b := {1. 2. a size}. ^b",
  'Point class x: ax y: ay -> ^self new setX: ax y: ay',
  'x := [:a :b | | t | t := a + b. t * -2] value: 3 value: 4.\nTranscript show: x printString; cr',
  'Foo bar ->\n    | t |\n    "a comment"\n    t := 3 - -2.\n\n    ^t',
];
const KERNEL = new URL('../../bootstrap/kernel.bedrock', import.meta.url);
if (existsSync(KERNEL)) PROGRAMS.push(readFileSync(KERNEL, 'utf8'));

/** Line and column of an offset, counted independently of the parser. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function checkPosition(text: string, p: Position, what: string): void {
  if (!(p.offset >= 0 && p.offset <= text.length)) throw new Error(`${what}: offset ${p.offset} outside 0..${text.length}`);
  const want = positionOf(text, p.offset);
  if (p.line !== want.line || p.column !== want.column) throw new Error(`${what}: ${p.line}:${p.column} at offset ${p.offset}, expected ${want.line}:${want.column}`);
}

/** Every span in a tree lies inside the text, and its lines and columns match its offsets. */
function checkSpans(text: string, node: unknown, path: string): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((n, i) => checkSpans(text, n, `${path}[${i}]`));
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'span' || key === 'selectorSpan') && value !== null && typeof value === 'object') {
      const s = value as { start: Position; end: Position };
      checkPosition(text, s.start, `${path}.${key}.start`);
      checkPosition(text, s.end, `${path}.${key}.end`);
      if (s.start.offset > s.end.offset) throw new Error(`${path}.${key}: start after end`);
    } else checkSpans(text, value, `${path}.${key}`);
  }
}

function check(text: string, label: string): ParseResult {
  let r: ParseResult;
  let more: boolean;
  try {
    r = parse(text);
    more = needsMoreInput(text);
  } catch (e) {
    throw new Error(`${label}: threw ${(e as Error).stack}\nsource: ${JSON.stringify(text)}`);
  }
  try {
    expect(typeof more).toBe('boolean');
    let last = 0;
    for (const item of r.items) {
      checkSpans(text, item, 'item');
      expect(item.source).toBe(text.slice(item.span.start.offset, item.span.end.offset));
      expect(item.span.start.offset).toBeGreaterThanOrEqual(last);
      last = item.span.end.offset;
    }
    if (!r.ok) {
      checkPosition(text, r.error.position, 'error');
      expect(r.error.sourceLine).toBe(text.split('\n')[r.error.position.line - 1].replace(/\r$/, ''));
      expect(r.error.message.length).toBeGreaterThan(0);
      expect(r.error.message).not.toMatch(/internal error/);
      expect(r.error.position.offset).toBeGreaterThanOrEqual(last);
    } else if (more) {
      // Incomplete input fails to parse, unless the open bracket is in an assembly body.
      const final = r.items[r.items.length - 1];
      expect(final?.kind === 'method' && final.body.kind === 'assembly').toBe(true);
    }
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}\nsource: ${JSON.stringify(text)}`);
  }
  return r;
}

function soup(rnd: Random): string {
  const n = 1 + rnd.below(25);
  let out = '';
  for (let i = 0; i < n; i++) {
    out += rnd.pick(VOCABULARY);
    out += rnd.pick(['', ' ', ' ', ' ', '\n', '\n  ']);
  }
  return out;
}

function mutate(rnd: Random, text: string): string {
  const at = rnd.below(text.length + 1);
  switch (rnd.below(6)) {
    case 0: return text.slice(0, at); // truncation
    case 1: return text.slice(0, at) + text.slice(at + 1 + rnd.below(8)); // deletion
    case 2: return text.slice(0, at) + rnd.pick(VOCABULARY) + text.slice(at); // insertion
    case 3: { // a span copied elsewhere
      const from = rnd.below(text.length + 1);
      return text.slice(0, at) + text.slice(from, from + rnd.below(20)) + text.slice(at);
    }
    case 4: return text.slice(0, at) + String.fromCharCode(32 + rnd.below(95)) + text.slice(at + 1); // one character replaced
    default: return text.slice(rnd.below(Math.max(1, at))); // a suffix
  }
}

describe('fuzzing the parser', () => {
  const seed = testSeed();

  it('the valid programs parse', () => {
    for (const p of PROGRAMS) expect(check(p, 'program').ok).toBe(true);
  });

  it(`${SOUPS} random token soups never throw and give sane results (seed ${seed})`, () => {
    console.log(`lang fuzz seed: ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const rnd = makeRandom(seed);
    let errors = 0;
    for (let i = 0; i < SOUPS; i++) if (!check(soup(rnd), `soup ${i} (seed ${seed})`).ok) errors++;
    expect(errors).toBeGreaterThan(0);
    expect(errors).toBeLessThan(SOUPS);
  });

  it(`${MUTATIONS} truncations and mutations of valid programs never throw and give sane results (seed ${seed})`, () => {
    const rnd = makeRandom(seed ^ 0x5eed);
    for (let i = 0; i < MUTATIONS; i++) {
      let text = rnd.pick(PROGRAMS);
      const rounds = 1 + rnd.below(3);
      for (let k = 0; k < rounds; k++) text = mutate(rnd, text);
      check(text, `mutation ${i} (seed ${seed})`);
    }
  });

  it('deep nesting is an error, not a crash', () => {
    for (const open of ['(', '[', '#(', '{', 'x := ']) {
      const deep = open.repeat(5000) + '1';
      const r = check(deep, `deep ${open}`);
      expect(r.ok).toBe(false);
    }
    expect(check('('.repeat(300) + '1' + ')'.repeat(300), 'nested 300').ok).toBe(true);
  });
});
