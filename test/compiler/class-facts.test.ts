/*
 * Class facts (src/compiler/class-facts.ts): a method with inlined sends is made twice, an
 * optimistic copy that tests a value's class once and then only the watches of the methods it
 * inlines for it, and the ordinary copy where every slow path of the first goes on. Random
 * programs send inlined methods and leaf methods to the same variables again and again, with
 * what may end what is known between (a store, a become:, a redefinition made by a send, a
 * redefinition made inside the slow path of inlined arithmetic), straight and in loops: they
 * must answer as with inlining off (every send a whole send).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

/** The test of a known class's watch alone, in a listing (native.ts knownGuard). */
const CHEAP = /cmp qword ptr \[r10\+8\], (0x[0-9a-f]+|\d+)/;

/** Inlining on or off for what `b` compiles from now on. */
function inlining(b: Bedrock, on: boolean): void {
  (b as unknown as { compiler: { inlineMethods: boolean } }).compiler.inlineMethods = on;
}

const CLASSES = [
  "Object subclass: #Solo instanceVariableNames: 'v w'",
  'Solo v -> ^v', 'Solo v: x -> v := x', 'Solo init: k -> v := k. w := k * 2',
  'Solo peek -> ^v + w',
  'Solo bump: n -> v := v + n. ^self peek * 2',
  'Solo both -> ^self peek + (self bump: 1)',
  "Object subclass: #Duo instanceVariableNames: 'w v'",
  'Duo v -> ^v', 'Duo v: x -> v := x', 'Duo init: k -> v := k + 100. w := k',
  'Duo peek -> ^v - w',
  // (what Solo alone defines answers 0 here, so that a program goes on after sending it a Duo)
  'Duo doesNotUnderstand: m -> ^0',
  // (its + makes its first object become its second and redefines Solo>>peek: what a send
  // may do, made in the slow path of inlined arithmetic)
  "Object subclass: #Trap instanceVariableNames: 'a b n'", 'Trap on: x and: y -> a := x. b := y',
  "Trap + k -> n := (n ifNil: [0]) + 1. a become: b. Solo compile: 'peek ^v * ', n printString. ^k",
];

/**
 * A statement of a program over the temporaries x, y, z (Solo or Duo instances: bump: and both,
 * which Solo alone defines, are inlined; v is a leaf of both, at another slot in each) and t (a Trap).
 */
function statement(r: Random): string {
  const v = (): string => r.pick(['x', 'y', 'z']);
  const k = (): number => r.below(9) + 1;
  const two = (): string[] => { const a = v(); return [a, r.pick(['x', 'y', 'z'].filter((n) => n !== a))]; };
  switch (r.below(13)) {
    case 0: return `out add: ${v()} peek`;
    case 1: { const a = v(); return `out add: (${a} bump: ${k()}). out add: ${a} both`; }
    case 2: return `out add: ${v()} both`;
    case 3: { const a = v(); return `out add: ${a} v. ${a} v: ${k()}. out add: ${a} v`; }
    case 4: { const [a, b] = two(); return `${b} := Duo new init: ${k()}. ${a} := Solo new init: ${k()}. out add: (${a} bump: 1) + (${a} := ${b}) v + ${a} v`; }
    case 5: return `${v()} := ${r.pick(['Solo', 'Duo'])} new init: ${k()}`;
    case 6: { const a = v(); return `${a} := Solo new init: ${k()}. out add: (${a} bump: 1). ${a} become: ${v()}. out add: ${a} v. out add: ${a} both`; }
    case 7: return `out add: x v. out add: (x bump: 1). Solo compile: 'peek ^w - v + ${k()}'. out add: x v. out add: (x bump: 1)`;
    case 8: return `out add: (x bump: 1) + (t + ${k()}) + x v + y both`;
    case 9: { const a = v(); return `${a} := Solo new init: ${k()}. out add: (${a} bump: 1). ${a} become: (Duo new init: ${k()}). out add: ${a} v. out add: ${a} both`; }
    case 10: { const a = v(); return `${a} := Solo new init: ${k()}. out add: (${a} bump: 1). ${a} := Duo new init: ${k()}. out add: ${a} v`; }
    default: return `out add: (z bump: ${k()}) + z v`;
  }
}

/** A program: a method of its own class, compiled after the classes (so its sends inline). */
function program(r: Random, i: number): string[] {
  const start = (): string => `${r.pick(['Solo', 'Duo', 'Solo', 'Solo'])} new init: ${r.below(5) + 1}`;
  const body = Array.from({ length: 3 + r.below(5) }, () => statement(r)).join('. ');
  // (a loop's head is reached again with what its body changed: nothing known there is kept)
  const statements = r.chance(0.5) ? body : `x bump: 1. 1 to: 3 do: [:i | out add: x v. ${body}. x := ${r.pick(['y', 'z'])}]`;
  return [
    `Object subclass: #Prog${i}`,
    `Prog${i} run -> | x y z t out | out := OrderedCollection new. x := ${start()}. y := ${start()}. z := ${start()}. t := Trap new on: x and: (Duo new init: 7). ${statements}. ^out asArray`,
    `Prog${i} new run`,
  ];
}

describe('a class tested once in the optimistic copy', () => {
  const tier = process.env.BEDROCK_TIER ?? 'auto';
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend: 'native' });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });

  it('tests a receiver of a known class by its watch alone, and a redefinition still answers', () => {
    inlining(b, true);
    const out = b.run([
      "Object subclass: #Pair instanceVariableNames: 'a b'",
      'Pair a: x b: y -> a := x. b := y', 'Pair sum -> ^a + b', 'Pair twice -> ^self sum * 2',
      'Object subclass: #PairUse',
      "PairUse on: p -> | r | r := OrderedCollection new. r add: p sum. r add: p twice. Pair compile: 'sum ^a - b'. r add: p sum. r add: p twice. ^r asArray",
      'PairUse new on: (Pair new a: 5 b: 2)',
    ].join('\n'));
    expect(out.slice(-1)).toEqual(['#(7 14 3 6)']);
    const [listing] = b.run('PairUse see: #on:');
    expect(listing).toMatch(CHEAP);
  });

  it("keeps nothing at a loop's head that its body may change", () => {
    inlining(b, true);
    const out = b.run([
      "Object subclass: #Cell instanceVariableNames: 'v w'", 'Cell cv -> ^v', 'Cell init: k -> v := k. w := k * 2', 'Cell grow: n -> v := v + n. ^v * 2',
      "Object subclass: #Other instanceVariableNames: 'w v'", 'Other cv -> ^v', 'Other init: k -> v := k + 100. w := k',
      'Object subclass: #CellLoop',
      'CellLoop run -> | x y out | out := OrderedCollection new. x := Cell new init: 3. y := Other new init: 5. x grow: 1. 1 to: 3 do: [:i | out add: x cv. x := y]. ^out asArray',
      'CellLoop new run',
    ].join('\n'));
    expect(out.slice(-1)).toEqual(['#(4 105 105)']);
  });

  it('forgets what it knew of an instance variable that an inlined method stores into', () => {
    inlining(b, true);
    const out = b.run([
      "Object subclass: #Box instanceVariableNames: 'v w'", 'Box hv -> ^v', 'Box init: k -> v := k. w := k * 2', 'Box boxGrow: n -> v := v + n. ^v * 2',
      "Object subclass: #Crate instanceVariableNames: 'w v'", 'Crate hv -> ^v', 'Crate init: k -> v := k + 100. w := k',
      "Object subclass: #Holder instanceVariableNames: 'item count'",
      'Holder item: x -> item := x. count := x hv',
      'Holder run -> | o | o := Crate new init: 5. item := Box new init: 3. item boxGrow: 1. self item: o. ^item hv',
      'Holder new run',
    ].join('\n'));
    expect(out.slice(-1)).toEqual(['105']);
    expect(b.run('Holder see: #run')[0]).toMatch(/inlined Holder>>item:/);
  });

  it('answers as whole sends do, on random programs of repeated sends (seed printed)', () => {
    const seed = testSeed();
    console.log(`class-facts seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const programs = Array.from({ length: 12 }, (_, i) => program(r, i));
    const lines = programs.flat();
    // The same classes and programs twice in one system, named apart: inlining on, then off.
    const named = (prefix: string, text: readonly string[]): string => text.join('\n').replace(/\b(Solo|Duo|Trap|Prog)/g, `${prefix}$1`);
    // (a program's listing read as it ran: the other system's classes, defining the same
    // selectors, end the inlining of this one's once they are defined)
    let cheap = 0;
    const run = (prefix: string, on: boolean): string[] => {
      inlining(b, on);
      b.run(named(prefix, CLASSES));
      // (each program from fresh classes: what the one before redefined is defined again)
      return programs.flatMap((p, i) => {
        b.run(named(prefix, CLASSES));
        const out = b.run(named(prefix, p));
        if (on && CHEAP.test(b.run(`${prefix}Prog${i} see: #run`)[0])) cheap++;
        return out;
      }).map((o) => o.replaceAll(prefix, ''));
    };
    const on = run(`On${tier}`, true);
    const off = run(`Off${tier}`, false);
    inlining(b, true);


    expect(on).toHaveLength(off.length);
    on.forEach((o, i) => expect(o, `${lines[i]} (seed ${seed})`).toBe(off[i]));
    // (and some program's listing has a class test made cheap: a watch read alone)
    console.log(`programs with a class tested once: ${cheap} of ${programs.length}`);
    expect(cheap).toBeGreaterThan(0);
  });
});
