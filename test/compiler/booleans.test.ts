/*
 * The inlined control messages (ifTrue:ifFalse:, and:, or:, whileTrue:) take true and false
 * only: anything else is "not a Boolean", a number whose 64 bits are true's or false's address
 * too (its tag says it is a number). Random values through every shape the compiler inlines, on
 * both back ends, checked against a model.
 *
 * And `not`, which native code answers inline for true and false (kernel/objects/booleans.ts):
 * the same values through its shapes against a model and the real send; a definition of not in
 * True or False (or Boolean above them) is obeyed by code compiled before it and by a method
 * running when it is made, until forget takes it back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { codeOf, guardBytes } from '../support/guards.ts';
import { makeRandom, testSeed } from '../support/random.ts';
import { guardsOf, GUARD_GROUP } from '../../kernel/objects/guards.ts';

/** The values: what each is as a Boolean (null: none). */
const VALUES: readonly [string, boolean | null][] = [
  ['true', true], ['false', false], ['nil', null], ['3', null], ['0', null],
  // numbers whose 64 bits are the addresses of true and false: not the objects
  ['true identityHash * 8', null], ['false identityHash * 8', null],
  ['Object new', null], ["'true'", null],
];

/** The methods under test, each with its answer for a Boolean (null: the value is no Boolean). */
const SHAPES: readonly [string, (v: boolean) => string][] = [
  ['branch: v -> ^v ifTrue: [1] ifFalse: [2]', (v) => (v ? '1' : '2')],
  ['negative: v -> ^v ifFalse: [1] ifTrue: [2]', (v) => (v ? '2' : '1')],
  // a value under the top when the branch is taken: the restoring jump
  ['under: v -> ^7 + (v ifTrue: [1] ifFalse: [2])', (v) => (v ? '8' : '9')],
  ['and: v -> ^v and: [#both]', (v) => (v ? '#both' : 'false')],
  ['or: v -> ^v or: [#other]', (v) => (v ? 'true' : '#other')],
  ['while: v -> | n | n := 0. [n < 3 and: [v]] whileTrue: [n := n + 1]. ^n', (v) => (v ? '3' : '0')],
  ['return: v -> v ifTrue: [^#yes]. ^#no', (v) => (v ? '#yes' : '#no')],
  // not, answered inline for true and false (a branch on it folded in)
  ['not: v -> ^v not', (v) => String(!v)],
  ['notBranch: v -> ^v not ifTrue: [1] ifFalse: [2]', (v) => (v ? '2' : '1')],
  ['notReturn: v -> v not ifFalse: [^#yes]. ^#no', (v) => (v ? '#yes' : '#no')],
  ['notUnder: v -> ^7 + (v not ifTrue: [1] ifFalse: [2])', (v) => (v ? '9' : '8')],
  ['notWhile: v -> | n | n := 0. [n < 3 and: [v not not]] whileTrue: [n := n + 1]. ^n', (v) => (v ? '3' : '0')],
  ['notAnd: v -> ^(v not and: [v not]) not', (v) => String(v)],
];

/** not sent to something that is no Boolean: it does not understand (or answers as its class says). */
const NOT_SHAPES = new Set(['not:', 'notBranch:', 'notReturn:', 'notUnder:', 'notWhile:', 'notAnd:']);

const selectorOf = (def: string): string => def.split(' ->')[0].split(' ')[0];

describe.each(['native', 'threaded'] as const)('inlined control messages take only true and false (%s)', (backend) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend, machine: { tier: 'interpret' } });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    const out = b.run(['Object subclass: #Cond', ...SHAPES.map(([d]) => `Cond ${d}`),
      `Smalltalk at: #Values put: {${VALUES.map(([v]) => v).join('. ')}}`].join('\n'));
    expect(out.filter((o) => /error|not understand/i.test(o))).toEqual([]);
  });

  it('agrees with a model on random values', () => {
    const seed = testSeed();
    console.log(`booleans seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const lines: string[] = [], expected: (string | RegExp)[] = [];
    for (let n = 0; n < 60; n++) {
      const i = r.below(VALUES.length);
      const [def, want] = SHAPES[r.below(SHAPES.length)];
      lines.push(`Cond new ${selectorOf(def)} (Values at: ${i + 1})`);
      const v = VALUES[i][1];
      expected.push(v !== null ? want(v) : NOT_SHAPES.has(selectorOf(def)) ? /does not understand #not/ : /is not a Boolean/);
      // the real send, through True>>not and False>>not
      lines.push(`(Values at: ${i + 1}) perform: #not`);
      expected.push(v !== null ? String(!v) : /does not understand #not/);
    }
    const out = b.run(lines.join('\n'));
    expect(out).toHaveLength(expected.length);
    out.forEach((o, n) => {
      const want = expected[n];
      if (typeof want === 'string') expect(o, `${lines[n]} (seed ${seed})`).toBe(want);
      else expect(o, `${lines[n]} (seed ${seed})`).toMatch(want);
    });
  });

  it('a number with the bits of true is not true, in every shape', () => {
    const out = b.run(SHAPES.map(([d]) => `Cond new ${selectorOf(d)} (Values at: 6)`).join('\n'));
    expect(out).toHaveLength(SHAPES.length);
    out.forEach((o, n) => expect(o).toMatch(NOT_SHAPES.has(selectorOf(SHAPES[n][0])) ? /^\d+ does not understand #not/ : /^\d+ is not a Boolean/));
  });
});

describe.each(['interpret', 'translate'] as const)('a definition of not reaches every inlined copy (tier %s)', (tier) => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend: 'native', machine: { tier } });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });

  it('inlines not: no send of it, and a guard for each', () => {
    b.run(['Object subclass: #Neg', 'Neg flip: v -> ^v not', 'Neg pick: v -> ^v not ifTrue: [#a] ifFalse: [#b]', 'Neg mixed: v -> ^(v == nil) not'].join('\n'));
    const [text] = b.run('Neg see: #pick:');
    expect(text).not.toMatch(/call .*; send #not/);
    expect(guardBytes(b, codeOf(b, 'Neg', 'flip:'), GUARD_GROUP.BOOLEAN)).toEqual(['f 85']);
    expect(guardBytes(b, codeOf(b, 'Neg', 'pick:'), GUARD_GROUP.BOOLEAN)).toEqual(['f 85']);
  });

  it('switches code compiled before it and while it stands, and forget switches back', () => {
    const flip = codeOf(b, 'Neg', 'flip:'), mixed = codeOf(b, 'Neg', 'mixed:');
    // (the new definitions answer as the old ones did, and count their runs in Hits: the
    // system's own code sends not too, so it must keep its answers)
    const probe = '| r | Hits := 0. r := {Neg new flip: true. Neg new flip: false. Neg new pick: true. Neg new pick: false. Neg new mixed: 3}. {r. Hits}';
    expect(b.run(`Smalltalk at: #Hits put: 0\n${probe}`)).toEqual(['0', '#(#(false true #b #a true) 0)']);
    expect(b.run(`Smalltalk mark: #neg\nFalse not -> Hits := Hits + 1. ^true\n${probe}`))
      .toEqual(['Smalltalk', 'False>>not', '#(#(false true #b #a true) 3)']);
    expect(guardBytes(b, flip, GUARD_GROUP.BOOLEAN)).toEqual(['90 e9']);
    // the identity guard of the same code is left as it is
    const identity = guardsOf(b.kernel.machine, mixed).filter((g) => g.group === GUARD_GROUP.IDENTITY);
    expect(identity).toHaveLength(1);
    expect(b.kernel.machine.codeBytes(mixed)[identity[0].offset]).toBe(0x0f);
    // code compiled while it stands is placed with its guards taken
    b.run('Neg flip2: v -> ^v not');
    expect(guardBytes(b, codeOf(b, 'Neg', 'flip2:'), GUARD_GROUP.BOOLEAN)).toEqual(['90 e9']);
    expect(b.run('Hits := 0. Neg new flip2: false. Hits')).toEqual(['1']);
    expect(b.run(`Smalltalk forget: #neg\n${probe}`)).toEqual(['Smalltalk', '#(#(false true #b #a true) 0)']);
    expect(guardBytes(b, flip, GUARD_GROUP.BOOLEAN)).toEqual(['f 85']);
    // a definition higher up that True's and False's own methods still hide changes nothing
    expect(b.run(`Smalltalk mark: #high\nBoolean not -> Hits := Hits + 1. ^self == false\n${probe}`)).toEqual(['Smalltalk', 'Boolean>>not', '#(#(false true #b #a true) 0)']);
    expect(guardBytes(b, flip, GUARD_GROUP.BOOLEAN)).toEqual(['f 85']);
    // removing True's own makes Boolean's answer
    expect(b.run(`True removeSelector: #not\n${probe}`).at(-1)).toBe('#(#(false true #b #a true) 2)');
    expect(guardBytes(b, flip, GUARD_GROUP.BOOLEAN)).toEqual(['90 e9']);
    expect(b.run(`Smalltalk forget: #high\n${probe}`)).toEqual(['Smalltalk', '#(#(false true #b #a true) 0)']);
    expect(guardBytes(b, flip, GUARD_GROUP.BOOLEAN)).toEqual(['f 85']);
  });

  it('a method running when the definition is made answers the newest definition for the rest of its run', () => {
    b.run([
      'Object subclass: #NegLooper',
      "NegLooper run: k -> | n | n := 0. Hits := 0. 1 to: 100 do: [:i | i = k ifTrue: [True compile: 'not Hits := Hits + 1. ^false']. (i > 0) not ifFalse: [n := n + 1]]. ^n * 1000 + Hits",
    ].join('\n'));
    expect(b.run('(1 to: 40) inject: 0 into: [:a :j | a + (NegLooper new run: 0)]')).toEqual([String(40 * 100 * 1000)]);
    if (tier === 'translate') expect(b.kernel.machine.cacheOf(codeOf(b, 'NegLooper', 'run:'))!.translation).not.toBeNull();
    expect(b.run('Smalltalk mark: #looping\nNegLooper new run: 51')).toEqual(['Smalltalk', String(100 * 1000 + 50)]);
    expect(b.run('Smalltalk forget: #looping\nNegLooper new run: 0')).toEqual(['Smalltalk', String(100 * 1000)]);
  });
});
