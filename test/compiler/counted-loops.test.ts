/*
 * Counting loops (codegen.ts countingLoop): `to:do:` and `to:by:do:` with SmallInteger bounds
 * run a copy that tests no tag, entered through a gate that checks the bounds once and is
 * SmallInteger arithmetic's guard. Random loops (bounds of every kind: SmallIntegers, near the
 * largest SmallInteger so the counter overflows, Floats, Fractions, large integers; steps of
 * either sign; nested; the body reading the counter in a block) must answer as with the copy
 * off. And an override of SmallInteger arithmetic made inside a running loop is obeyed from
 * its next step, a forget taking it back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed } from '../support/random.ts';

function counted(b: Bedrock, on: boolean): void {
  (b as unknown as { compiler: { countedLoops: boolean } }).compiler.countedLoops = on;
}

describe('counting loops', () => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend: 'native' });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });

  it('answer as the testing form does, on random bounds and bodies (seed printed)', () => {
    const seed = testSeed();
    console.log(`counted-loops seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const bound = (): string => r.pick(['0', '1', '5', '-3', '17', '2.5', '(7/2)', '(2 raisedTo: 64)', '(SmallInteger maxVal - 2)', '(SmallInteger minVal + 2)', 'nil']);
    const bodies = [
      's := s + i', 's := s * 31 + i \\\\ 1000003', 'list add: i', 'list add: [i * 2] value', 's := s + (i // 3)',
      'i > 4 ifTrue: [s := s - 1]', 'list add: i class name',
    ];
    const defs: string[] = [];
    const calls: string[] = [];
    for (let n = 0; n < 30; n++) {
      const step = r.pick(['', ' by: 1', ' by: 2', ' by: -1', ' by: -3']);
      const body = r.pick(bodies);
      const inner = r.chance(0.3) ? ` 1 to: 3 do: [:j | s := s + j].` : '';
      defs.push(`Looper l${n}: a to: b -> | s list k | s := 0. k := 0. list := OrderedCollection new. a to: b${step} do: [:i |${inner} ${body}. k := k + 1. k > 40 ifTrue: [^{#cut. s. list size}]]. ^{s. list asArray}`);
      const lo = bound(), hi = r.chance(0.5) ? bound() : `${lo} + ${r.below(8)}`;
      calls.push(`[Looper new l${n}: ${lo} to: ${hi}] on: Error do: [:e | e return: {#error. e messageText}]`);
    }
    const program = (prefix: string): string[] => b.run([`Object subclass: #${prefix}Looper`, ...defs.map((d) => `${prefix}${d}`), ...calls.map((c) => c.replace('Looper', `${prefix}Looper`))].join('\n'));
    counted(b, true);
    const on = program('Fast');
    counted(b, false);
    const off = program('Slow');
    counted(b, true);
    on.forEach((o, i) => expect(o.replaceAll('Fast', ''), `${[...defs, ...calls][i - 1] ?? ''} (seed ${seed})`).toBe(off[i].replaceAll('Slow', '')));
    expect(on).toHaveLength(off.length);
    // (the copy was made: a listing shows the gate)
    expect(b.run('FastLooper see: #l0:to:')[0]).toMatch(/counting loop: SmallInteger bounds\?/);
  });

  it('an override of SmallInteger + made inside a running loop is obeyed from its next step', () => {
    expect(b.run([
      'Smalltalk at: #Steps put: 0',
      'Object subclass: #Stepper',
      "Stepper run -> | seen | seen := OrderedCollection new. 1 to: 6 do: [:i | seen add: i. i = 2 ifTrue: [SmallInteger compile: '+ n Steps := Steps - -1. ^self - (0 - n)']]. ^seen asArray",
      'Smalltalk mark: #beforeSteps',
      'Stepper new run',
      'Steps > 3',
      'Smalltalk forget: #beforeSteps',
      'Stepper new run',
    ].join('\n')).filter((o) => /^#\(|^true|^false/.test(o))).toEqual(['#(1 2 3 4 5 6)', 'true', '#(1 2 3 4 5 6)']);
  });
});
