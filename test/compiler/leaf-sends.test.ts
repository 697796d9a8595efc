/*
 * Leaf methods copied into send sites (src/compiler/leaf-sends.ts, native.ts inlineLeafSend):
 * random leaf methods (getters, setters, constants, ^self, globals, literals) in a class, a
 * subclass that overrides some and a sibling with other slots, sent from loops to random
 * receivers (instances of each, nil, numbers), must answer and store as with the copying off
 * (every send a whole send). And the newest definition answers at once, in code compiled
 * before it and running while it is made: a redefinition, a definition in a subclass, a
 * reshape, and a forget bringing the copied method back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

const IVARS = ['a', 'b', 'c'];

/** A random leaf body over `params`. */
function body(r: Random, params: readonly string[]): string {
  const value = (): string => r.pick(['self', ...params, ...IVARS, 'nil', 'true', '#sym', "'str'", String(r.below(1000) - 500), 'Leaves', '$q']);
  const statements: string[] = [];
  for (let i = r.below(3); i > 0; i--) statements.push(`${r.pick(IVARS)} := ${value()}`);
  if (statements.length === 0 || r.chance(0.7)) statements.push(`^${value()}`);
  return statements.join('. ');
}

/** Copying on or off for what `b` compiles from now on. */
function copying(b: Bedrock, on: boolean): void {
  (b as unknown as { compiler: { inlineLeaves: boolean } }).compiler.inlineLeaves = on;
}

// (Both tiers: the suite's `translated` project runs this file again with every code object translated.)
describe('leaf methods copied into send sites', () => {
  const tier = process.env.BEDROCK_TIER ?? 'auto';
  let on: Bedrock;
  beforeAll(() => {
    const b = bootSystem({ backend: 'native' });
    if (typeof b === 'string') throw new Error(b);
    on = b;
  });

  it('answer and store as whole sends do, on random methods and receivers (seed printed)', () => {
    const seed = testSeed();
    console.log(`leaf-sends seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const defs = [
      "Object subclass: #Leaves instanceVariableNames: 'a b c'",
      "Leaves subclass: #Twig instanceVariableNames: 'd'",
      "Object subclass: #Stone instanceVariableNames: 'c b a'",
      'Leaves state -> ^{a. b. c}', 'Stone state -> ^{a. b. c}',
    ];
    const sends: string[] = [];
    for (let i = 0; i < 24; i++) {
      const argc = r.below(3);
      const params = ['p', 'q'].slice(0, argc);
      const selector = argc === 0 ? `m${i}` : params.map((p, j) => `k${j}m${i}: ${p}`).join(' ');
      for (const cls of ['Leaves', 'Twig', 'Stone']) if (cls === 'Leaves' || r.chance(0.4)) defs.push(`${cls} ${selector} -> ${body(r, params)}`);
      const args = params.map(() => r.pick(['1', 'nil', '#y', 'o', '3.5']));
      sends.push(argc === 0 ? `m${i}` : args.map((x, j) => `k${j}m${i}: ${x}`).join(' '));
    }
    // Callers compiled after the leaves (so their sites copy them), each sent a mix of receivers.
    const calls: string[] = [];
    sends.forEach((send, i) => {
      defs.push(`Object subclass: #Caller${i}`, `Caller${i} run: o -> ^o ${send}`);
      const receivers = Array.from({ length: 6 }, () => r.pick(['Leaves new', 'Twig new', 'Stone new', 'nil', '7', 'Leaves new', 'Twig new']));
      calls.push(`{${receivers.join('. ')}} collect: [:o | | x | x := [Caller${i} new run: o] on: MessageNotUnderstood do: [:e | e return: #dnu]. {x == o ifTrue: [#self] ifFalse: [x]. (o respondsTo: #state) ifTrue: [o state] ifFalse: [o]}]`);
    });
    // The same program twice in one system, its classes named apart: copying on, then off.
    const source = [...defs, ...calls].join('\n');
    const named = (prefix: string): string => source.replace(/\b(Leaves|Twig|Stone|Caller)/g, `${prefix}$1`);
    const unnamed = (outs: string[], prefix: string): string[] => outs.map((o) => o.replaceAll(prefix, ''));
    copying(on, true);
    const a = unnamed(on.run(named(`On${tier}`)), `On${tier}`);
    copying(on, false);
    const b = unnamed(on.run(named(`Off${tier}`)), `Off${tier}`);
    copying(on, true);
    expect(a.some((o) => /rror/.test(o)), a.join('\n')).toBe(false);
    a.forEach((o, i) => expect(o, `${[...defs, ...calls][i]} (seed ${seed})`).toBe(b[i]));
    expect(a).toHaveLength(b.length);
    // (and copies were made: callers' listings show them)
    const listings = on.run(sends.map((_, i) => `On${tier}Caller${i} see: #run:`).join('\n'));
    const copied = listings.filter((l) => /(Leaves|Twig|Stone)>>\S+ \(inlined\)/.test(l)).length;
    console.log(`callers with copies: ${copied} of ${sends.length}`);
    expect(copied).toBeGreaterThan(sends.length / 4);
  });

  it('copies the body where the listing shows it, and the copy runs without a send', () => {
    on.run("Object subclass: #Pt instanceVariableNames: 'x y'\nPt x -> ^x\nPt x: v -> x := v\nObject subclass: #Sum\nSum of: p -> | s | s := 0. 1 to: 10 do: [:i | p x: i. s := s + p x]. ^s");
    const [listing] = on.run('Sum see: #of:');
    expect(listing).toMatch(/mov rax, \[rax\] +; Pt>>x \(inlined\)/);
    expect(listing).toMatch(/mov rcx, \[rsp\] +; Pt>>x: \(inlined\)\n.*mov \[rcx\], rax/);
    expect(on.run('Sum new of: Pt new')).toEqual(['55']);
  });

  it('a method compiled before the accessors it sends copies them once they are defined', () => {
    on.run("Object subclass: #Early\nEarly total: q -> ^q leftOne + q rightOne\nObject subclass: #Pair instanceVariableNames: 'l r'\nPair leftOne -> ^l\nPair rightOne -> ^r\nPair leftOne: a rightOne: b -> l := a. r := b");
    const [listing] = on.run('Early see: #total:');
    expect(listing).toMatch(/; Pair>>leftOne \(inlined\)/);
    expect(listing).toMatch(/; Pair>>rightOne \(inlined\)/);
    expect(on.run('Early new total: (Pair new leftOne: 3 rightOne: 4)')).toEqual(['7']);
  });

  it('a redefinition made while the copying code runs answers from the next send on', () => {
    expect(on.run([
      "Object subclass: #Cell instanceVariableNames: 'v'",
      'Cell v -> ^v', 'Cell v: x -> v := x',
      'Object subclass: #Loop',
      "Loop over: c -> | out | out := OrderedCollection new. 1 to: 4 do: [:i | c v: i. out add: c v. i = 2 ifTrue: [Cell compile: 'v ^v * 100']]. ^out asArray",
      'Loop new over: Cell new',
    ].join('\n')).slice(-1)).toEqual(['#(1 2 300 400)']);
  });

  it('a definition in a subclass answers for its instances at a site that copied the superclass method', () => {
    expect(on.run([
      "Object subclass: #Base instanceVariableNames: 'n'", 'Base n -> ^n', 'Base n: x -> n := x',
      'Base subclass: #Derived',
      'Object subclass: #Ask', 'Ask all: list -> ^list collect: [:o | o n]',
      'Ask new all: {Base new n: 1; yourself. Derived new n: 2; yourself}',
      'Derived n -> ^n negated',
      'Ask new all: {Base new n: 1; yourself. Derived new n: 2; yourself}',
    ].join('\n')).slice(-3)).toEqual(['#(1 2)', 'Derived>>n', '#(1 -2)']);
  });

  it('a forget brings the copied method back, and a reshape moves the slot it reads', () => {
    expect(on.run([
      "Object subclass: #Box instanceVariableNames: 'w h'", 'Box h -> ^h', 'Box h: x -> h := x',
      'Object subclass: #Peek', 'Peek at: b -> ^b h',
      'Peek new at: (Box new h: 5; yourself)',
      'Smalltalk mark: #leafMark',
      'Box h -> ^#changed',
      'Peek new at: (Box new h: 5; yourself)',
      'Smalltalk forget: #leafMark',
      'Peek new at: (Box new h: 5; yourself)',
      "Object subclass: #Box instanceVariableNames: 'extra w h'",
      'Peek new at: (Box new h: 6; yourself)',
    ].join('\n')).filter((o) => /^[#0-9]/.test(o))).toEqual(['5', '#changed', '5', '6']);
  });
});
