/*
 * Class-side instance variables (Foo class instanceVariableNames: 'count'; SOM's class-side
 * fields): each class of a hierarchy has its own value, nil until set, kept in a global that
 * Behaviour>>classSideAt: finds through a cache (bootstrap/system/system.bedrock). Random reads
 * and writes over many classes and variables (more than the cache's 256 entries) against a
 * model; and what must empty the cache: forget, a global removed, a class defined again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';
import { makeRandom, testSeed } from '../support/random.ts';

const CLASSES = 24;
const VARS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];

describe('class-side instance variables', () => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem({ backend: 'native' });
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
    // A hierarchy: each class below the first is a subclass of an earlier one.
    const r = makeRandom(7);
    const defs = ['Object subclass: #Cs0', `Cs0 class instanceVariableNames: '${VARS.join(' ')}'`];
    for (let c = 1; c < CLASSES; c++) defs.push(`Cs${r.below(c)} subclass: #Cs${c}`);
    for (const v of VARS) defs.push(`Cs0 class get${v} -> ^${v}`, `Cs0 class set${v}: x -> ${v} := x`);
    const out = b.run(defs.join('\n'));
    expect(out.filter((o) => /rror|not understand/.test(o)), out.join('\n')).toEqual([]);
  });

  it('every class keeps its own value of each variable, nil until set', () => {
    const seed = testSeed();
    console.log(`class-side seed: ${seed} (BEDROCK_SEED replays)`);
    const r = makeRandom(seed);
    const model = new Map<string, number>();
    /** n random reads and writes, with what each answers after the ones before. */
    const program = (n: number): { statements: string[]; expected: string[] } => {
      const statements: string[] = [], expected: string[] = [];
      for (let i = 0; i < n; i++) {
        const c = r.below(CLASSES), v = r.pick(VARS), key = `${c}.${v}`;
        if (r.chance(0.4)) {
          const x = r.below(1000);
          model.set(key, x);
          statements.push(`(Cs${c} set${v}: ${x}) get${v}`);
          expected.push(String(x));
        } else {
          statements.push(`Cs${c} get${v}`);
          expected.push(model.has(key) ? String(model.get(key)) : 'nil');
        }
      }
      return { statements, expected };
    };
    const one = program(400);
    const out = b.run(one.statements.join('\n'));
    out.forEach((o, i) => expect(o, `${one.statements[i]} (seed ${seed})`).toBe(one.expected[i]));
    // In one expression too, so that reads and writes follow each other with no definition between.
    const two = program(400);
    const together = b.run(`{${two.statements.join('. ')}} printString`);
    expect(together[0], `seed ${seed}`).toBe(`'#(${two.expected.join(' ')})'`);
  });

  it('forget takes back a value first set after the mark, and a class defined since', () => {
    // (CsFresh: a class the random test never touched, so its k is first set after the mark.)
    expect(b.run('Cs1 setl: 5. Cs1 getl')).toEqual(['5']);
    b.run('Cs2 subclass: #CsFresh');
    b.run('Smalltalk mark: #classSide');
    expect(b.run('CsFresh setk: 9. CsFresh getk')).toEqual(['9']);
    expect(b.run('Cs1 setl: 6. Cs1 getl')).toEqual(['6']);
    b.run('Cs0 subclass: #CsLate\nCsLate seta: 3');
    expect(b.run('CsLate geta')).toEqual(['3']);
    b.run('Smalltalk forget: #classSide');
    // The global CsFresh's k lives in was made after the mark; Cs1's l was only assigned (a value, not a definition).
    expect(b.run('CsFresh getk')).toEqual(['nil']);
    expect(b.run('Cs1 getl')).toEqual(['6']);
    expect(b.run('Smalltalk includesKey: #CsLate')).toEqual(['false']);
    expect(b.run('CsFresh setk: 11. CsFresh getk')).toEqual(['11']);
  });

  it('a removed global reads nil, and setting it again defines it', () => {
    expect(b.run('Cs3 setj: 4. Cs3 getj')).toEqual(['4']);
    b.run("Smalltalk removeKey: #'Cs3 class.j'");
    expect(b.run('Cs3 getj')).toEqual(['nil']);
    expect(b.run('Cs3 setj: 8. Cs3 getj')).toEqual(['8']);
    expect(b.run("Smalltalk at: #'Cs3 class.j'")).toEqual(['8']);
  });
});
