/*
 * The attack suite stays (issue 17, item 10): a fuzzing run with a fixed budget and a printed
 * seed, through the whole system (lexer, parser, compiler in both back ends, the machine and
 * the library), must end every case in a value or a clean error, never a host exception.
 * Sources are programs of the corpus and the reproductions, mutated: characters cut,
 * tokens spliced in, pieces repeated, chains lengthened; each runs under a step limit. (Random
 * machine code is test/machine/robustness.test.ts's, forged images test/image/badfiles.test.ts's.)
 * BEDROCK_SEED=N replays a run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

/** The fixed budget: cases a back end. */
const CASES = 60;

const CORPUS = new URL('../corpus/', import.meta.url);
const PROGRAMS: string[] = [
  ...readdirSync(CORPUS).filter((f) => f.endsWith('.bedrock')).flatMap((f) =>
    readFileSync(new URL(f, CORPUS), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('"') && !/^\s/.test(l))),
  'Object subclass: #Fz instanceVariableNames: \'a b\'',
  'Fz a: x -> a := x. ^self',
  'Fz sum -> ^(a ifNil: [0]) + (b ifNil: [0])',
  '(Fz new a: 3) sum',
  '[1/0] on: ZeroDivide do: [:e | e messageText]',
  '[Array new: 268435455] on: Error do: [:e | e class]',
  '[:a :b | a + b] valueWithArguments: #(1 2)',
  '100 factorial printString size',
  '(1/3) + (2/3)',
  '#(3 1 2) asSortedCollection asArray',
  '| s | s := WriteStream on: String new. s << 3; << \'x\'. s contents',
  'Memory at: 100; put: 16r2A; put: 43',
  '(Memory at: 100)',
  'ALU add: 5',
  'Integer fz -> self < 2 ifTrue: [^self]. ^(self - 1) fz + (self - 2) fz',
  '20 fz',
  'Object subclass: #Fz instanceVariableNames: \'b c\'',
  `1${' + 1'.repeat(300)}`,
  `3${' yourself'.repeat(300)}`,
  `${'('.repeat(50)}1${')'.repeat(50)}`,
  "'abc' , 'def' reversed asUppercase",
  '16r1F + 2r101 + 36rZZ',
  `${'9'.repeat(500)} \\\\ 7`,
  'Smalltalk at: #Fg put: 3. Fg * Fg',
  '[:x | x] value: 3 value: 4',
  'nil foo',
  'thisContext',
  '$a value + #at:put: numArgs',
];

const TOKENS = [
  ' ', '\n', '\n  ', '.', ';', '^', ':=', '(', ')', '[', ']', '{', '}', '#(', '#[', '|', '||', ':', '->',
  '+', '-', '*', '/', '//', '\\\\', '=', '==', '<', '>', '@', ',', '~=',
  'x', 'self', 'super', 'nil', 'true', 'false', 'thisContext', 'Object', 'Fz', 'Integer', 'Array', 'String', 'Smalltalk',
  'new', 'new:', 'at:', 'put:', 'value', 'value:', 'yourself', 'printString', 'size', 'class', 'ifTrue:', 'whileTrue:',
  'to:do:', 'do:', 'inject:into:', 'on:do:', 'ensure:', 'signal', 'halt', 'perform:',
  '0', '1', '-1', '7', '1e3', '16rFF', '2r101', '0x1F', '99999999999999999999999', '1073741823', '-9223372036854775808',
  "'s'", "''", "'it''s'", '$a', '$ ', '#foo', '#at:put:', '"c"', '[:a | a]', '[:a :b | | t | t]', '{1. 2}',
  'mov rax, 3', 'ret', 'add rax, rdi',
];

function mutate(rnd: Random, text: string): string {
  let s = text;
  for (let n = 1 + rnd.below(3); n > 0; n--) {
    const at = rnd.below(s.length + 1);
    switch (rnd.below(6)) {
      case 0: s = s.slice(0, at) + s.slice(at + 1 + rnd.below(6)); break; // cut
      case 1: case 2: s = s.slice(0, at) + rnd.pick(TOKENS) + s.slice(at); break; // splice a token
      case 3: { const from = rnd.below(s.length + 1); s = s.slice(0, at) + s.slice(from, from + rnd.below(20)) + s.slice(at); break; } // repeat a piece
      case 4: s = s.slice(0, at) + ' ' + rnd.pick(TOKENS) + ' ' + rnd.pick(TOKENS) + s.slice(at); break;
      default: s = `(${s})${rnd.pick([' yourself', ' printString', ' class', ' + 1', ' size', ' value'])}`; // wrap it
    }
  }
  return s;
}

describe.each(['native', 'threaded'] as const)('fuzzing the whole system, %s', (backend) => {
  it(`${CASES} mutated programs each end in a value or a clean error, never a host exception`, () => {
    const seed = testSeed() + (backend === 'native' ? 0 : 1);
    const rnd = makeRandom(seed);
    const booted = bootSystem({ backend, steps: 100_000 });
    if (typeof booted === 'string') throw new Error(booted);
    const b = booted;
    b.timeoutMs = 5_000;
    let tried = 0, values = 0, errors = 0;
    const exceptions: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const source = rnd.chance(0.1) ? rnd.pick(PROGRAMS) : mutate(rnd, rnd.pick(PROGRAMS));
      tried++;
      try {
        for (const o of b.evaluate(source)) {
          if (o.kind === 'error') errors++; else values++;
          expect(typeof o.text).toBe('string');
        }
      } catch (e) {
        exceptions.push(`case ${i}: ${JSON.stringify(source.slice(0, 200))}: ${e instanceof Error ? e.stack?.split('\n').slice(0, 4).join(' | ') : String(e)}`);
      }
    }
    // The system is still usable after all of it.
    const after = b.evaluate('3 + 4');
    console.log(`fuzz ${backend}: seed ${seed} (BEDROCK_SEED=${seed - (backend === 'native' ? 0 : 1)} replays): ${tried} programs tried, ` +
      `${values} values and definitions, ${errors} refused cleanly (syntax, compile or runtime errors), ${exceptions.length} host exceptions`);
    expect(exceptions).toEqual([]);
    expect(after.map((o) => o.kind)).not.toContain(undefined);
  });
});
