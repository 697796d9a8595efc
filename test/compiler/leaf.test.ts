/*
 * Methods made without a frame (native.ts framelessLeaf): getters, setters and constants, as
 * Squeak's quick methods are never activated. Random methods of that shape (loads of self,
 * arguments, slots, literals, numbers and globals, stores into slots) on random receivers and
 * arguments, against the threaded back end, which makes every method with a frame; their
 * answers and the slots they leave must be the same. And what a user sees of them: no
 * prologue, a caller's backtrace and debugger unchanged around them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

const IVARS = ['a', 'b', 'c'];

/** A random method body of the leaf shape, over `params`. */
function body(r: Random, params: readonly string[]): string {
  const value = (): string => r.pick([
    'self', ...params, ...IVARS, 'nil', 'true', '#sym', "'str'", String(r.below(1000) - 500), '16r7FFFFFFFFFFF', 'Leafy', '$q',
  ]);
  const statements: string[] = [];
  for (let i = r.below(4); i > 0; i--) statements.push(`${r.pick(IVARS)} := ${value()}`);
  if (statements.length === 0 || r.chance(0.7)) statements.push(`^${value()}`);
  return statements.join('. ');
}

function boot(backend: 'native' | 'threaded'): Bedrock {
  const b = bootSystem({ backend });
  if (typeof b === 'string') throw new Error(b);
  return b;
}

describe('methods without a frame', () => {
  let native: Bedrock, threaded: Bedrock;
  beforeAll(() => { native = boot('native'); threaded = boot('threaded'); });

  it('answer and store as the threaded back end does, on random methods', () => {
    const seed = testSeed();
    console.log(`leaf seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const defs = ["Object subclass: #Leafy instanceVariableNames: 'a b c'", 'Leafy state -> ^{a. b. c}'];
    const calls: string[] = [];
    for (let i = 0; i < 60; i++) {
      const argc = r.below(4);
      const params = ['p', 'q', 'r'].slice(0, argc);
      const selector = argc === 0 ? `m${i}` : params.map((_, j) => `k${j}m${i}: ${params[j]}`).join(' ');
      defs.push(`Leafy ${selector} -> ${body(r, params)}`);
      const args = params.map(() => r.pick(['1', '-7', 'nil', "'x'", '#y', 'Leafy new', '3.5']));
      const send = argc === 0 ? `m${i}` : args.map((a, j) => `k${j}m${i}: ${a}`).join(' ');
      // the answer (self shows as its state) and the slots after
      calls.push(`| o x | o := Leafy new. x := o ${send}. {x == o ifTrue: [#self] ifFalse: [x]. o state}`);
    }
    const source = [...defs, ...calls].join('\n');
    const a = native.run(source), t = threaded.run(source);
    expect(a.some((o) => /rror|not understand/.test(o)), a.join('\n')).toBe(false);
    a.forEach((o, i) => expect(o, `${[...defs, ...calls][i]} (seed ${seed})`).toBe(t[i]));
    expect(a).toHaveLength(t.length);
  });

  it('a getter and a setter are a load and a store, with no prologue', () => {
    native.run("Object subclass: #Quick instanceVariableNames: 'x y'\nQuick y -> ^y\nQuick y: v -> y := v\nQuick sum -> ^x + y");
    const [getter] = native.run('Quick see: #y');
    expect(getter).toMatch(/native code \(\d+ bytes\):\n  0000: mov rax, \[rax\+8\] +; load slot 1\n  0004: ret +; return \(no frame\)$/);
    const [setter] = native.run('Quick see: #y:');
    expect(setter).not.toMatch(/push rbp/);
    const [sum] = native.run('Quick see: #sum');
    expect(sum).toMatch(/push rbp +; prologue/);
  });

  it('an error after a frameless send shows its sender as the sender of the error', () => {
    native.run("Object subclass: #Quack instanceVariableNames: 'x'\nQuack x -> ^x\nQuack go: n -> | t | t := n + 1. ^self x frobnicate: t");
    expect(native.run('Quack new go: 4')).toEqual(['nil does not understand #frobnicate:']);
    expect(native.run('[Quack new go: 4] on: MessageNotUnderstood do: [:e | e signalerContext sender printString]')).toEqual(["'Quack>>go:'"]);
  });
});
