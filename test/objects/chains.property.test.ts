/*
 * A property test of override chains and marks: random sequences of define, override, mark,
 * forget and lookup, run on the kernel (every lookup is a real send, executing the method's
 * machine code) and on a model a few lines long, which must agree at every step. The
 * collector runs now and then, so forgotten methods are reclaimed while the test goes on.
 *
 * The model: each class has a list of (selector, value), newest first; lookup walks the list
 * and then the parent's; a mark is a copy of every list; forget puts the copy back and drops
 * that mark and every newer one.
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { behaviourIndex } from '../../kernel/objects/classes.ts';
import { METHOD_KIND } from '../../kernel/objects/layout.ts';
import { makeRandom, testSeed } from '../support/random.ts';
import { boot, code } from '../support/kernel.ts';

type Chains = Map<string, { selector: string; value: number }[]>;

const CLASSES: readonly [string, string][] = [['A', 'Object'], ['B', 'A'], ['C', 'A'], ['D', 'B']];
const SELECTORS = ['s0', 's1', 's2', 's3', 's4'];
const MARKS = ['m0', 'm1', 'm2'];
const STEPS = 3000;

function modelLookup(chains: Chains, cls: string, selector: string): number | undefined {
  for (let c: string | undefined = cls; c !== undefined; c = CLASSES.find(([n]) => n === c)?.[1]) {
    const hit = chains.get(c)?.find((e) => e.selector === selector);
    if (hit) return hit.value;
    if (c === 'Object') break;
  }
  return undefined;
}

function copy(chains: Chains): Chains {
  return new Map([...chains].map(([c, list]) => [c, [...list]]));
}

describe('override chains, marks and forget against a model', () => {
  const seed = testSeed();
  it(`${STEPS} random steps agree with the model (seed ${seed})`, () => {
    console.log(`chains property seed: ${seed} (set BEDROCK_SEED=${seed} to replay)`);
    const rnd = makeRandom(seed);
    const k = boot();
    const instances = new Map<string, number>();
    for (const [name, parent] of CLASSES) {
      const b = k.makeBehaviour({ name, parent: k.behaviourNamed(parent) });
      if (typeof b === 'string') throw new Error(b);
      const p = k.heap.allocate(1, FORMAT_POINTERS, behaviourIndex(k, b), 0n, TAG_NUM);
      instances.set(name, k.heap.roots.add(BigInt(p), TAG_PTR));
    }
    let chains: Chains = new Map(CLASSES.map(([c]) => [c, []]));
    chains.set('Object', []);
    let marks: { name: string; chains: Chains }[] = [];
    const counts = { define: 0, lookup: 0, mark: 0, forget: 0, missingMark: 0, dnu: 0 };
    for (let step = 0; step < STEPS; step++) {
      const where = `step ${step} (seed ${seed})`;
      // The first steps look up before anything is defined, so every run meets doesNotUnderstand:.
      const op = step < CLASSES.length ? 50 : rnd.below(100);
      if (op < 35) {
        const cls = rnd.pick([...CLASSES.map(([c]) => c), 'Object']);
        const selector = rnd.pick(SELECTORS);
        const value = rnd.below(1_000_000);
        const r = k.defineMethod({ selector, owner: k.behaviourNamed(cls), code: code(k, `mov rax, ${value}; ret`), kind: METHOD_KIND.REGISTERS });
        expect(typeof r, where).toBe('number');
        chains.get(cls)!.unshift({ selector, value });
        counts.define++;
      } else if (op < 80) {
        const cls = step < CLASSES.length ? CLASSES[step][0] : rnd.pick(CLASSES)[0];
        const selector = rnd.pick(SELECTORS);
        const expected = modelLookup(chains, cls, selector);
        const receiver = instances.get(cls)!;
        const r = k.sendMessage({ value: k.heap.roots.value(receiver), tag: TAG_PTR }, selector);
        if (expected === undefined) {
          expect(r.fault?.message, where).toBe(`${/^[AEIOU]/.test(cls) ? 'an' : 'a'} ${cls} does not understand #${selector}`);
          k.machine.unwind();
          counts.dnu++;
        } else {
          expect(r.fault, where).toBeNull();
          expect(r.value?.value, `${where}: ${cls} ${selector}`).toBe(BigInt(expected));
        }
        counts.lookup++;
      } else if (op < 90) {
        const name = rnd.pick(MARKS);
        expect(typeof k.mark(name), where).toBe('number');
        marks.push({ name, chains: copy(chains) });
        counts.mark++;
      } else {
        const name = rnd.pick(MARKS);
        const at = marks.map((mk) => mk.name).lastIndexOf(name);
        const r = k.forget(name);
        if (at < 0) {
          expect(r, where).toMatch(/there is no mark named/);
          counts.missingMark++;
        } else {
          expect(r, where).toBeNull();
          chains = copy(marks[at].chains);
          marks = marks.slice(0, at);
          counts.forget++;
        }
        expect(k.marks(), where).toEqual(marks.map((mk) => mk.name).reverse());
      }
      if (step % 500 === 499) k.heap.collect('major');
    }
    console.log('steps:', counts);
    expect(counts.forget).toBeGreaterThan(20);
    expect(counts.dnu).toBeGreaterThanOrEqual(CLASSES.length);
  });
});
