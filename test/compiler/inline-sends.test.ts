/*
 * Small methods inlined at their sends (src/compiler/inline-sends.ts, codegen.ts
 * Generator.inlineMethod, native.ts emitGuard): random methods (slots, arguments,
 * temporaries, arithmetic, conditionals with ^ inside, sends of other such methods) in a
 * class, a subclass that overrides some and a sibling with other slots, sent from loops to
 * random receivers, must answer and store as with the inlining off (every send a whole send).
 * And the newest definition answers at once, in code compiled before it and running while it
 * is made: a redefinition mid-loop, a definition in a subclass, a forget bringing the inlined
 * method back, a reshape. An error inside an inlined method is reported where the send is.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed, type Random } from '../support/random.ts';

const IVARS = ['a', 'b', 'c'];

/** Inlining on or off for what `b` compiles from now on. */
function inlining(b: Bedrock, on: boolean): void {
  (b as unknown as { compiler: { inlineMethods: boolean } }).compiler.inlineMethods = on;
}

/** A random body for method `i` over `params`, sending only methods numbered below i (no recursion). */
function body(r: Random, i: number, params: readonly string[]): string {
  const leafy = (): string => r.pick([...params, ...IVARS, 't', 'self x', String(r.below(20) - 5), 'nil']);
  const expr = (depth: number): string => {
    if (depth > 1 || r.chance(0.3)) return leafy();
    switch (r.below(6)) {
      case 0: return `(${expr(depth + 1)} + ${expr(depth + 1)})`;
      case 1: return `(${expr(depth + 1)} * ${r.below(4)})`;
      case 2: return i > 0 ? `(self m${r.below(i)}: ${expr(depth + 1)})` : leafy();
      case 3: return `(${expr(depth + 1)} > ${r.below(10)} ifTrue: [${expr(depth + 1)}] ifFalse: [^${expr(depth + 1)}])`;
      case 4: return `(${expr(depth + 1)} max: ${expr(depth + 1)})`;
      default: return `(3 + (${expr(depth + 1)} isNil ifTrue: [^#early] ifFalse: [1]))`;
    }
  };
  const statements: string[] = ['t := 1'];
  for (let n = 1 + r.below(3); n > 0; n--) {
    statements.push(r.pick([`${r.pick(IVARS)} := ${expr(0)}`, `t := ${expr(0)}`, `${expr(0)} > 4 ifTrue: [^${expr(0)}]`]));
  }
  if (r.chance(0.8)) statements.push(`^${expr(0)}`);
  return `| t | ${statements.join('. ')}`;
}

// (Both tiers: the suite's `translated` project runs this file again with every code object translated.)
describe('small methods inlined at their sends', () => {
  const tier = process.env.BEDROCK_TIER ?? 'auto';
  let on: Bedrock;
  beforeAll(() => {
    const b = bootSystem({ backend: 'native' });
    if (typeof b === 'string') throw new Error(b);
    on = b;
    // (off unless asked for: `bedrock run` of a SOM class path asks)
    inlining(on, true);
  });

  it('answer and store as whole sends do, on random methods and receivers (seed printed)', () => {
    const seed = testSeed();
    console.log(`inline-sends seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const defs = [
      "Object subclass: #Inl instanceVariableNames: 'a b c'",
      "Inl subclass: #InlSub instanceVariableNames: 'd'",
      "Object subclass: #InlOther instanceVariableNames: 'c b a'",
      'Inl x -> ^7', 'InlOther x -> ^11',
      'Inl init -> a := 1. b := 2. c := 3', 'InlOther init -> a := 4. b := 5. c := 6',
      'Inl state -> ^{a. b. c}', 'InlOther state -> ^{a. b. c}',
      // (one method every seed has, which one class defines: its caller must inline it)
      'Inl steady: p -> | t | t := p + a. b := t * 2. ^b > 10 ifTrue: [t] ifFalse: [^c]',
      'Object subclass: #InlSteady', 'InlSteady run: o -> | s | s := OrderedCollection new. 1 to: 6 do: [:k | s add: (o steady: k)]. ^s asArray',
    ];
    const count = 16;
    for (let i = 0; i < count; i++) {
      defs.push(`Inl m${i}: p -> ${body(r, i, ['p'])}`);
      if (r.chance(0.3)) defs.push(`InlSub m${i}: p -> ${body(r, i, ['p'])}`);
      if (r.chance(0.3)) defs.push(`InlOther m${i}: p -> ${body(r, i, ['p'])}`);
    }
    // Callers compiled after the methods (so their sends inline them), each sent a mix of receivers.
    const calls: string[] = [];
    calls.push('{Inl new init. InlSub new init. InlOther new init. Inl new} collect: [:o | [InlSteady new run: o] on: Error do: [:e | e return: e class name]]');
    for (let i = 0; i < count; i++) {
      defs.push(`Object subclass: #InlCaller${i}`, `InlCaller${i} run: o -> | s | s := OrderedCollection new. 1 to: 3 do: [:k | s add: (o m${i}: k)]. ^s asArray`);
      const receivers = Array.from({ length: 5 }, () => r.pick(['Inl new init', 'InlSub new init', 'InlOther new init', 'Inl new', 'nil', '7']));
      calls.push(`{${receivers.join('. ')}} collect: [:o | | x | x := [InlCaller${i} new run: o] on: Error do: [:e | e return: e class name]. {x. (o respondsTo: #state) ifTrue: [o state] ifFalse: [o]}]`);
    }
    // The same program twice in one system, its classes named apart: inlining on, then off.
    const source = [...defs, ...calls].join('\n');
    const named = (prefix: string): string => source.replace(/\b(Inl)/g, `${prefix}$1`);
    const unnamed = (outs: string[], prefix: string): string[] => outs.map((o) => o.replaceAll(prefix, ''));
    inlining(on, true);
    const a = unnamed(on.run(named(`On${tier}`)), `On${tier}`);
    inlining(on, false);
    const b = unnamed(on.run(named(`Off${tier}`)), `Off${tier}`);
    inlining(on, true);
    a.forEach((o, i) => expect(o, `${[...defs, ...calls][i]} (seed ${seed})`).toBe(b[i]));
    expect(a).toHaveLength(b.length);
    // (and methods were inlined: callers' listings show them; how many of the random ones
    // depends on the seed: a selector a subclass or the sibling defines too is not inlined)
    const listings = on.run(Array.from({ length: count }, (_, i) => `On${tier}InlCaller${i} see: #run:`).join('\n'));
    const inlined = listings.filter((l) => /inlined On\S*Inl\S*>>m\d+:/.test(l)).length;
    console.log(`callers with an inlined method: ${inlined} of ${count}`);
    expect(on.run(`On${tier}InlSteady see: #run:`)[0]).toMatch(new RegExp(`inlined On${tier}Inl>>steady:`));
  });

  it('inlines the body where the listing shows it, with no send of it left on its way', () => {
    on.run([
      "Object subclass: #Rect instanceVariableNames: 'w h'",
      'Rect w: x h: y -> w := x. h := y', 'Rect surfaceArea -> ^w * h + 1',
      'Object subclass: #Areas', 'Areas of: r -> | s | s := 0. 1 to: 10 do: [:i | s := s + r surfaceArea]. ^s',
    ].join('\n'));
    const [listing] = on.run('Areas see: #of:');
    expect(listing).toMatch(/; inlined Rect>>surfaceArea: its receiver's class\?/);
    expect(on.run('Areas new of: (Rect new w: 3 h: 4)')).toEqual(['130']);
  });

  it('a send to self inlines the method self finds, though other classes define the selector, and a subclass keeps its own', () => {
    const out = on.run([
      "Object subclass: #Tank instanceVariableNames: 'level'", 'Tank level: x -> level := x',
      'Tank drain -> level := level - 1. ^level * 2',
      'Object subclass: #Sink', 'Sink drain -> ^#sink',
      'Tank subclass: #Vat', 'Vat drain -> ^#vat',
      'Tank run -> | out | out := OrderedCollection new. 1 to: 3 do: [:i | out add: self drain]. ^out asArray',
      '(Tank new level: 10) run',
      '(Vat new level: 10) run',
    ].join('\n'));
    expect(out.slice(-2)).toEqual(['#(18 16 14)', '#(#vat #vat #vat)']);
    expect(on.run('Tank see: #run')[0]).toMatch(/inlined Tank>>drain/);
    // (and the newest definition answers at the inlined send)
    expect(on.run(['Tank drain -> ^level', '(Tank new level: 10) run'].join('\n')).slice(-1)).toEqual(['#(10 10 10)']);
  });

  it('^ from inside an expression of the inlined method leaves the right value and stack', () => {
    expect(on.run([
      'Object subclass: #Deep',
      'Deep pick: x -> ^3 + (x > 0 ifTrue: [^x * 10] ifFalse: [1])',
      'Object subclass: #DeepUse',
      'DeepUse at: d -> | r | r := OrderedCollection new. -1 to: 2 do: [:i | r add: 100 + (d pick: i) - (d pick: i negated)]. ^r asArray',
      'DeepUse new at: Deep new',
    ].join('\n')).slice(-1)).toEqual(['#(94 100 106 116)']);
  });

  it('a redefinition made while the inlining code runs answers from the next send on', () => {
    expect(on.run([
      "Object subclass: #Gauge instanceVariableNames: 'v'",
      'Gauge v: x -> v := x', 'Gauge reading -> ^v + 1',
      'Object subclass: #GaugeLoop',
      "GaugeLoop over: g -> | out | out := OrderedCollection new. 1 to: 4 do: [:i | g v: i. out add: g reading. i = 2 ifTrue: [Gauge compile: 'reading ^v * 100']]. ^out asArray",
      'GaugeLoop new over: Gauge new',
    ].join('\n')).slice(-1)).toEqual(['#(2 3 300 400)']);
  });

  it('a definition in a subclass answers for its instances at a send that inlined the superclass method', () => {
    expect(on.run([
      "Object subclass: #Shape instanceVariableNames: 'n'", 'Shape n: x -> n := x', 'Shape bulk -> ^n + n',
      'Shape subclass: #Square',
      'Object subclass: #Sizes', 'Sizes all: list -> | out | out := OrderedCollection new. list do: [:o | out add: o bulk]. ^out asArray',
      'Sizes new all: {Shape new n: 1; yourself. Square new n: 2; yourself}',
      'Square bulk -> ^n * n * n',
      'Sizes new all: {Shape new n: 1; yourself. Square new n: 2; yourself}',
    ].join('\n')).slice(-3)).toEqual(['#(2 4)', 'Square>>bulk', '#(2 8)']);
  });

  it('a forget brings the inlined method back, and a reshape moves the slots it reads', () => {
    expect(on.run([
      "Object subclass: #Crate instanceVariableNames: 'w h'", 'Crate w: x h: y -> w := x. h := y', 'Crate crateVolume -> ^w * h * 2',
      'Object subclass: #Look', 'Look at: c -> ^c crateVolume + 1',
      'Look new at: (Crate new w: 2 h: 3)',
      'Smalltalk mark: #inlineMark',
      'Crate crateVolume -> ^#changed',
      'Look new at: (Crate new w: 2 h: 3)',
      'Smalltalk forget: #inlineMark',
      'Look new at: (Crate new w: 2 h: 3)',
      "Object subclass: #Crate instanceVariableNames: 'extra h w'",
      'Look new at: (Crate new w: 5 h: 7)',
    ].join('\n')).filter((o) => /^[#0-9]|rror|understand/.test(o))).toEqual(['13', '#changed does not understand #+', '13', '71']);
  });

  it('an error inside an inlined method is reported in the frame of the method it was inlined in, at the send', () => {
    on.run(['Object subclass: #Fizz', 'Fizz boom: k -> | t | t := k + 1. ^self zork + t',
      'Object subclass: #Buzz', 'Buzz go: f -> ^(f boom: 3) + 1'].join('\n'));
    const [e] = on.evaluate('Buzz new go: Fizz new');
    expect(e.kind).toBe('error');
    expect(e.text).toBe('a Fizz does not understand #zork');
    expect(e.kind === 'error' && e.backtrace).toEqual(['Buzz>>go: (inlined Fizz>>boom:)', 'a DoIt']);
  });
});
