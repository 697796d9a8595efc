/*
 * ==, isNil, notNil and the ifNil: family inlined by the native back end
 * (kernel/objects/identity.ts): random pairs of values (nil, Booleans, numbers, a number equal
 * to nil's own address, symbols, strings, objects, floats, large integers, characters, blocks,
 * classes) through every shape the compiler folds, checked against a model of identity and
 * against the real send (perform:); and a definition of one of them in any class is obeyed by
 * code compiled before it, by a method running when it is made, until forget takes it back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { codeOf, guardBytes } from '../support/guards.ts';
import { makeRandom, testSeed } from '../support/random.ts';
import { GUARD_GROUP } from '../../kernel/objects/guards.ts';

/**
 * The values, each with its identity: two entries with the same identity are the same object
 * (or the same SmallInteger), anything else is not.
 */
const VALUES: readonly [string, string][] = [
  ['nil', 'nil'], ['true', 'true'], ['false', 'false'], ['0', '0'], ['3', '3'], ['1 + 2', '3'], ['-1', '-1'],
  // numbers whose 64 bits are the addresses of nil and true: not the objects
  ['nil identityHash * 8', 'nil address'], ['true identityHash * 8', 'true address'],
  ['#foo', '#foo'], ["'foo' asSymbol", '#foo'], ["'foo'", "'foo'"], ['Object new', 'an Object'], ['3.5', '3.5'],
  ['2 raisedTo: 70', '2^70'], ['$a', '$a'], ['Character value: 97', '$a'], ['[:x | x]', 'a block'], ['Probe', 'Probe'],
  ['Probe new', 'a Probe'],
];

/** The methods under test, each with the answer the model gives for (a, b) identical or not. */
const BINARY: readonly [string, (same: boolean) => string][] = [
  ['eq: a with: b -> ^a == b', (s) => String(s)],
  ['eqBranch: a with: b -> ^(a == b) ifTrue: [#yes] ifFalse: [#no]', (s) => (s ? '#yes' : '#no')],
  ['eqReturn: a with: b -> a == b ifFalse: [^#no]. ^#yes', (s) => (s ? '#yes' : '#no')],
  ['eqWhile: a with: b -> | n | n := 0. [a == b and: [n < 3]] whileTrue: [n := n + 1]. ^n', (s) => (s ? '3' : '0')],
  // a value under the top when the branch is taken: not folded
  ['eqUnder: a with: b -> ^7 + ((a == b) ifTrue: [1] ifFalse: [2])', (s) => (s ? '8' : '9')],
  ['eqArray: a with: b -> ^{a == b. b == a}', (s) => `#(${s} ${s})`],
];
const UNARY: readonly [string, (isNil: boolean, a: string) => string][] = [
  ['isNil: a -> ^a isNil', (n) => String(n)],
  ['notNil: a -> ^a notNil', (n) => String(!n)],
  ['nilBranch: a -> ^a isNil ifTrue: [#yes] ifFalse: [#no]', (n) => (n ? '#yes' : '#no')],
  ['notNilReturn: a -> a notNil ifTrue: [^#yes]. ^#no', (n) => (n ? '#no' : '#yes')],
  ['ifNil: a -> ^(a ifNil: [#none] ifNotNil: [:x | x]) == a', (n) => String(!n)],
  ['ifNotNil: a -> ^a ifNotNil: [:x | #some] ifNil: [#none]', (n) => (n ? '#none' : '#some')],
  ['ifNilAlone: a -> ^(a ifNil: [#none]) == a', (n) => String(!n)],
  ['eqNil: a -> ^a == nil', (n) => String(n)],
  ['nilEq: a -> ^nil == a', (n) => String(n)],
  ['eqThree: a -> ^a == 3', (_n, id) => String(id === '3')],
  ['eqFoo: a -> (a == #foo) ifTrue: [^#yes]. ^#no', (_n, id) => (id === '#foo' ? '#yes' : '#no')],
  ['eqTrueUnder: a -> ^1 + ((a == true) ifTrue: [1] ifFalse: [2])', (_n, id) => (id === 'true' ? '2' : '3')],
];

const selectorOf = (def: string): string => def.split(' ->')[0].split(' ').filter((_, i) => i % 2 === 0).join('');

function boot(tier: 'interpret' | 'translate' = 'interpret'): Bedrock {
  const b = bootSystem({ backend: 'native', machine: { tier } });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

const identityGuards = (b: Bedrock, code: number): string[] => guardBytes(b, code, GUARD_GROUP.IDENTITY);

describe('inlined identity (native)', () => {
  let b: Bedrock;
  beforeAll(() => {
    b = boot();
    const defs = ['Object subclass: #Probe', ...[...BINARY, ...UNARY].map(([d]) => `Probe ${d}`),
      `Smalltalk at: #Values put: {${VALUES.map(([v]) => v).join('. ')}}`];
    const out = b.run(defs.join('\n'));
    expect(out.filter((o) => /error|not understand/i.test(o))).toEqual([]);
  });

  it('agrees with a model of identity and with the real send, on random values', () => {
    const seed = testSeed();
    console.log(`identity seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const lines: string[] = [], expected: string[] = [];
    for (let n = 0; n < 120; n++) {
      const i = r.below(VALUES.length), j = r.chance(0.3) ? i : r.below(VALUES.length);
      const same = VALUES[i][1] === VALUES[j][1];
      const a = `(Values at: ${i + 1})`, c = `(Values at: ${j + 1})`;
      const [def, want] = r.pick(BINARY);
      const sel = selectorOf(def).split(':');
      lines.push(`Probe new ${sel[0]}: ${a} ${sel[1]}: ${c}`);
      expected.push(want(same));
      // the real send, through VM>>==
      lines.push(`${a} perform: #== with: ${c}`);
      expected.push(String(same));
      const [udef, uwant] = r.pick(UNARY);
      lines.push(`Probe new ${selectorOf(udef)} ${a}`);
      expected.push(uwant(VALUES[i][1] === 'nil', VALUES[i][1]));
      lines.push(`${a} perform: #isNil`);
      expected.push(String(VALUES[i][1] === 'nil'));
    }
    const out = b.run(lines.join('\n'));
    out.forEach((o, n) => expect(o, `${lines[n]} (seed ${seed})`).toBe(expected[n]));
    expect(out).toHaveLength(expected.length);
  });

  it('inlines them: no send of #==, #isNil or #notNil, and a guard for each', () => {
    const [text] = b.run('Probe see: #eqBranch:with:');
    expect(text).not.toMatch(/call .*; send #==/);
    expect(text).toMatch(/lar rdx, cx +; send #==/);
    expect(identityGuards(b, codeOf(b, 'Probe', 'eqBranch:with:'))).toEqual(['f 85']);
    expect(identityGuards(b, codeOf(b, 'Probe', 'notNilReturn:'))).toEqual(['f 85']);
    expect(identityGuards(b, codeOf(b, 'Probe', 'eqArray:with:'))).toEqual(['f 85', 'f 85']);
  });
});

describe.each(['interpret', 'translate'] as const)('a definition of ==, isNil or notNil reaches every inlined copy (tier %s)', (tier) => {
  let b: Bedrock;
  beforeAll(() => { b = boot(tier); });

  it('switches code compiled before it and while it stands, in any class, and forget switches back', () => {
    b.run([
      'Object subclass: #Ident',
      'Ident subclass: #Odd',
      'Ident same: a as: b -> ^(a == b) ifTrue: [#same] ifFalse: [#other]',
      'Ident empty: a -> ^a isNil',
      'Ident full: a -> ^a ifNil: [#empty] ifNotNil: [:x | #full]',
      'Ident mixed: a -> ^(a + 1) == 4',
    ].join('\n'));
    const same = codeOf(b, 'Ident', 'same:as:'), mixed = codeOf(b, 'Ident', 'mixed:');
    expect(identityGuards(b, same)).toEqual(['f 85']);
    const probe = '| o | o := Odd new. {Ident new same: o as: 3. Ident new same: 3 as: 3. Ident new empty: o. Ident new full: o. Ident new full: nil. Ident new mixed: 3}';
    expect(b.run(probe)).toEqual(['#(#other #same false #full #empty true)']);
    expect(b.run(`Smalltalk mark: #odd\nOdd == x -> ^true\nOdd isNil -> ^true\n${probe}`))
      .toEqual(['Smalltalk', 'Odd>>==', 'Odd>>isNil', '#(#same #same true #empty #empty true)']);
    expect(identityGuards(b, same)).toEqual(['90 e9']);
    // the arithmetic guard of the same code is left as it is
    expect(identityGuards(b, mixed)).toEqual(['90 e9']);
    expect(guardBytes(b, mixed, GUARD_GROUP.ARITHMETIC)).toEqual(['f 85']);
    expect(b.run('Ident new mixed: 3')).toEqual(['true']);
    b.run('Ident empty2: a -> ^a isNil');
    expect(identityGuards(b, codeOf(b, 'Ident', 'empty2:'))).toEqual(['90 e9']);
    expect(b.run('Ident new empty2: Odd new\nIdent new empty2: 5')).toEqual(['true', 'false']);
    expect(b.run(`Smalltalk forget: #odd\n${probe}`)).toEqual(['Smalltalk', '#(#other #same false #full #empty true)']);
    expect(identityGuards(b, same)).toEqual(['f 85']);
    b.run('Ident empty2: a -> ^a isNil');
    expect(identityGuards(b, codeOf(b, 'Ident', 'empty2:'))).toEqual(['f 85']);
    expect(b.run('Ident new empty2: Odd new')).toEqual(['false']);
  });

  it('a method running when the definition is made answers the newest definition for the rest of its run', () => {
    b.run([
      'Object subclass: #Looper',
      "Looper run: k -> | n o | n := 0. o := Looper new. 1 to: 100 do: [:i | i = k ifTrue: [Looper compile: '== x ^true']. (o == 3) ifTrue: [n := n + 1]. o isNil ifFalse: [n := n + 1000]]. ^n",
    ].join('\n'));
    // Hot first (translated, on that tier), nothing defined.
    expect(b.run('(1 to: 40) inject: 0 into: [:a :j | a + (Looper new run: 0)]')).toEqual([String(40 * 100 * 1000)]);
    if (tier === 'translate') expect(b.kernel.machine.cacheOf(codeOf(b, 'Looper', 'run:'))!.translation).not.toBeNull();
    expect(b.run('Smalltalk mark: #looping\nLooper new run: 51')).toEqual(['Smalltalk', String(100 * 1000 + 50)]);
    expect(b.run('Smalltalk forget: #looping\nLooper new run: 0')).toEqual(['Smalltalk', String(100 * 1000)]);
  });
});
