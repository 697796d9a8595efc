/*
 * atAllPut: (and new: n withAll: x, which sends it): an Array's slots are stored by a loop of
 * machine code (collection.bedrock Array>>atAllPut:), a subclass's element by element. Random
 * sizes and values against a model, a subclass with instance variables (which must not be
 * touched), and an Array old enough to be out of the nursery given young objects, across
 * collections (the stores must be seen by the collector).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed } from '../support/random.ts';

const VALUES = ['nil', '7', '-3', "'s'", '#sym', '2.5', '$a', 'true', '(1/2)'];

describe('atAllPut:', () => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend: 'native' });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    b.run("Array subclass: #Padded instanceVariableNames: 'left right'\nPadded left: l right: r -> left := l. right := r\nPadded sides -> ^{left. right}");
  });

  it('fills every element of Arrays and of a subclass, and nothing else', () => {
    const seed = testSeed();
    console.log(`fill seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    for (let i = 0; i < 40; i++) {
      const n = r.chance(0.2) ? r.below(3) : r.below(300);
      const v = r.pick(VALUES);
      // against the elements stored one by one
      const check = `| x a g | x := ${v}. a := Array new: ${n} withAll: x. g := Array new: ${n}. 1 to: ${n} do: [:i | g at: i put: x].
        {a size. (1 to: a size) allSatisfy: [:i | (a at: i) == (g at: i)]}`;
      expect(b.run(check), `Array ${n} ${v} (seed ${seed})`).toEqual([`#(${n} true)`]);
      const padded = `| x p | x := ${v}. p := (Padded new: ${n}) left: 1 right: 2; yourself. p atAllPut: x.
        {p sides. p size. (1 to: p size) allSatisfy: [:i | (p at: i) == x]}`;
      expect(b.run(padded), `Padded ${n} ${v} (seed ${seed})`).toEqual([`#(#(1 2) ${n} true)`]);
    }
    expect(b.run("(Array new: 3 withAll: #a) printString , (Array new: 0 withAll: 1) printString")).toEqual(["'#(#a #a #a)#()'"]);
  });

  it('an old Array given young objects keeps them across collections', () => {
    const out = b.run([
      'Smalltalk at: #OldFill put: (Array new: 5000)',
      'Smalltalk garbageCollect',
      "OldFill atAllPut: (Array with: 'young' copy with: 42)",
      'Smalltalk garbageCollect. Smalltalk garbageCollectMost',
      '(OldFill collect: [:e | e first , (e at: 2) printString]) asSet asArray',
      '(OldFill first == OldFill last) & (OldFill size = 5000)',
    ].join('\n'));
    expect(out.slice(-2)).toEqual(["#('young42')", 'true']);
  });
});
