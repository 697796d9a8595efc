/*
 * Globals bound late (a method naming a class or global defined after it): native code reads
 * the binding's value itself once the global exists, and sends #value only while the binding
 * is undeclared (native.ts inlineLateGlobal). Random definitions, assignments, removals, marks
 * and forgets of such globals, with reads through every shape, on both back ends: the answers
 * must be the same (the threaded back end always sends #value). And the read of a defined one
 * never runs Binding>>value.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed } from '../support/random.ts';
import { codeOf } from '../support/guards.ts';

const GLOBALS = ['LateA', 'LateB', 'LateC', 'LateD'];
/** Methods reading the globals, in the shapes the compiler makes. */
const READS = [
  'r0 -> ^LateA',
  'r1 -> ^LateB + 1',
  'r2 -> ^[:x | LateC] value: 3',
  'r3 -> ^{LateD. LateA}',
  'r4 -> ^LateB isNil ifTrue: [#none] ifFalse: [LateB]',
  'r5 -> | t | t := LateC. ^t',
  'r6 -> ^LateD printString , LateA printString',
  // read with something else on the top: the load pushes it first
  'r7 -> ^3 + LateA',
  'r8 -> ^Array with: LateB with: LateC with: LateD',
];
const VALUES = ['3', '-7', 'nil', "'s'", '#sym', '2.5', 'Object', '(1/3)', '16r7FFFFFFFFFFF'];

function boot(backend: 'native' | 'threaded'): Bedrock {
  const b = bootSystem({ backend, machine: { tier: 'interpret' } });
  if (typeof b === 'string') throw new Error(b);
  const out = b.run(['Object subclass: #LateUser', ...READS.map((r) => `LateUser ${r}`)].join('\n'));
  expect(out.filter((o) => /rror|not understand/.test(o)), out.join('\n')).toEqual([]);
  return b;
}

describe('globals bound late', () => {
  let native: Bedrock, threaded: Bedrock;
  beforeAll(() => { native = boot('native'); threaded = boot('threaded'); });

  it('answer as the threaded back end does, through definitions, removals and forgets', () => {
    const seed = testSeed();
    console.log(`late globals seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    let marks = 0;
    const steps: string[] = [];
    for (let i = 0; i < 150; i++) {
      const g = r.pick(GLOBALS);
      const roll = r.below(10);
      if (roll < 3) steps.push(`Smalltalk at: #${g} put: ${r.pick(VALUES)}`);
      else if (roll === 3) steps.push(`Smalltalk removeKey: #${g} ifAbsent: [nil]`);
      else if (roll === 4 && marks < 3) steps.push(`Smalltalk mark: #late${marks++}`);
      else if (roll === 5 && marks > 0) steps.push(`Smalltalk forget: #late${--marks}`);
      else {
        const read = READS[r.below(READS.length)].split(' ')[0];
        steps.push(`[LateUser new ${read}] on: UndeclaredVariableRead do: [:e | e messageText]`);
      }
    }
    const a = steps.map((s) => native.run(s).join(' '));
    const t = steps.map((s) => threaded.run(s).join(' '));
    a.forEach((o, i) => expect(o, `${steps[i]} (seed ${seed})`).toBe(t[i]));
    // Some reads saw a value and some an undeclared name.
    expect(a.some((o) => o.includes('is not defined'))).toBe(true);
  });

  it('a defined one is read without running Binding>>value; an undeclared one sends it', () => {
    const m = native.kernel.machine;
    const value = codeOf(native, 'Binding', 'value');
    const length = m.codeBytes(value).length;
    let inValue = 0;
    const count = (source: string): string[] => {
      inValue = 0;
      m.watch = (ins) => {
        const at = ins.code.addr;
        if (at === value || (at > value && at < value + length)) inValue++;
        return false;
      };
      try { return native.run(source); } finally { m.watch = null; }
    };
    native.run('Smalltalk removeKey: #LateA ifAbsent: [nil]');
    expect(count('[LateUser new r0] on: UndeclaredVariableRead do: [:e | #undeclared]')).toEqual(['#undeclared']);
    expect(inValue).toBeGreaterThan(0);
    native.run('Smalltalk at: #LateA put: 41');
    expect(count('LateUser new r0 + 1')).toEqual(['42']);
    expect(inValue).toBe(0);
  });
});
