/*
 * Reflection written in Bedrock (issue 12 item 3): canUnderstand:, includesSelector:, >>, the
 * globals (Smalltalk at:, includesKey:, globals) and a method's printString walk the kernel's
 * chains in the library's own code, where the host's services did before. Each is checked
 * against the kernel's own walks, the ones the send uses (classes.ts lookupFrom, globals.ts
 * findBinding and globalNames), over every class and a seeded sample of selectors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { behaviourAt, behaviourName, lookupFrom, methodsHead } from '../../kernel/objects/classes.ts';
import { slotPointer } from '../../kernel/objects/access.ts';
import { findBinding, globalNames } from '../../kernel/objects/globals.ts';
import { ENTRY, SINGLETONS } from '../../kernel/objects/layout.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem } from '../support/system.ts';

const SEED = Number(process.env.SEED ?? Date.now() % 100000);

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

describe(`reflection in Bedrock agrees with the kernel's walks (seed ${SEED})`, () => {
  let b: Bedrock;
  const classes: string[] = [];
  const selectors: string[] = [];
  beforeAll(() => {
    b = bootSystem();
    const k = b.kernel;
    const seen = new Set<string>();
    for (let i = 1; i < k.nextClassIndex(); i++) {
      const c = behaviourAt(k, i);
      if (c < 0 || c === k.nil) continue;
      const name = behaviourName(k, c);
      // (VM, Memory, CPU, ALU, Threaded are their own class, and no Behaviour: they have no reflection.)
      if (!/^[A-Z][A-Za-z0-9]*$/.test(name) || k.behaviourNamed(name) !== c || (SINGLETONS as readonly string[]).includes(name)) continue;
      classes.push(name);
      for (let e = methodsHead(k, c); e >= 0 && e !== k.nil; e = slotPointer(k.machine, e, ENTRY.NEXT)) {
        const s = k.symbols.text(slotPointer(k.machine, e, ENTRY.SELECTOR));
        if (!seen.has(s) && /^[a-zA-Z][A-Za-z0-9:]*$/.test(s)) { seen.add(s); selectors.push(s); }
      }
    }
    selectors.push('noSuchSelectorAnywhere', 'zork:with:');
  });

  it('canUnderstand: and includesSelector: answer as the lookup the send uses', () => {
    const k = b.kernel;
    const next = random(SEED);
    let checked = 0;
    for (const name of classes) {
      const sample = Array.from({ length: 5 }, () => selectors[Math.floor(next() * selectors.length)]);
      const expected: string[] = [];
      const c = k.behaviourNamed(name);
      for (const s of sample) {
        const sym = k.symbols.intern(s);
        const found = lookupFrom(k, c, sym);
        let own = false;
        for (let e = methodsHead(k, c); e >= 0 && e !== k.nil; e = slotPointer(k.machine, e, ENTRY.NEXT)) {
          if (slotPointer(k.machine, e, ENTRY.SELECTOR) === sym) { own = slotPointer(k.machine, e, ENTRY.METHOD) !== k.nil; break; }
        }
        expected.push(`${found >= 0} ${own}`);
      }
      const source = sample.map((s) => `(Array with: (${name} canUnderstand: #${s}) with: (${name} includesSelector: #${s}))`).join('\n');
      const got = b.run(source).map((t) => t.replace(/[()#]/g, '').trim());
      expect(got, `${name}: ${sample.join(' ')}`).toEqual(expected);
      checked += sample.length;
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('a removed method: the class no longer includes it (Foo >> #it is a KeyNotFound), and understands it only through a parent', () => {
    expect(b.run([
      'Object subclass: #ReflA', 'ReflA subclass: #ReflB', 'ReflA greet -> ^1', 'ReflB greet -> ^2', 'ReflB only -> ^3',
      'ReflB removeSelector: #greet', 'ReflB removeSelector: #only',
      'ReflB includesSelector: #greet', 'ReflB canUnderstand: #greet', 'ReflB canUnderstand: #only', 'ReflB new greet',
      'ReflB >> #only', '(ReflA >> #greet) printString', '(ReflA class >> #new) printString',
      'ReflA class compile: \'make ^self new\'', '(ReflA class >> #make) printString',
    ].join('\n')).slice(-9)).toEqual(['false', 'true', 'false', '1', 'KeyNotFound: key #only not found: ReflB does not define it', "'ReflA>>greet'",
      'KeyNotFound: key #new not found: ReflA class does not define it', '#make', "'ReflA class>>make'"]);
  });

  it('the globals, as the kernel finds them', () => {
    const k = b.kernel;
    b.run('Smalltalk at: #ReflG put: 3\nReflG := 4\nObject subclass: #ReflL\nReflL later -> ^NotYetDefinedRefl');
    const names = globalNames(k);
    expect(b.run('Smalltalk globals size')).toEqual([String(names.length)]);
    expect(b.run("Smalltalk globals inject: '' into: [:all :each | all, each, ' ']")[0]).toBe(`'${names.map((n) => `${n} `).join('')}'`);
    for (const n of [...names.slice(0, 40), 'NotYetDefinedRefl', 'Nope']) {
      expect(b.run(`Smalltalk includesKey: #'${n}'`), n).toEqual([String(findBinding(k, n) >= 0)]);
    }
    expect(b.run('Smalltalk at: #ReflG\nSmalltalk at: #NotYetDefinedRefl ifAbsent: [#absent]\nSmalltalk at: #ReflG put: 5\nReflG'))
      .toEqual(['4', '#absent', '5', '5']);
    expect(b.run('ReflL new later\nNotYetDefinedRefl := 9\nSmalltalk includesKey: #NotYetDefinedRefl\nReflL new later').slice(1)).toEqual(['9', 'true', '9']);
    expect(b.run('ReflL new later')).toEqual(['9']);
  });
});

describe('the machinery a backtrace leaves out is marked by the library (<machinery>)', () => {
  it('library methods carry the mark, user methods do not, and a marked method is left out', () => {
    const b = bootSystem();
    expect(b.run('(Exception >> #signal) isMachinery\n(Object >> #error:) isMachinery\n(Object >> #printString) isMachinery'))
      .toEqual(['true', 'true', 'false']);
    const [, , , , outcome] = b.evaluate('Object subclass: #Mach\nMach fail -> <machinery> ^1/0\nMach plain -> ^1/0\nMach caller -> ^self fail\nMach new caller');
    expect(outcome.kind).toBe('error');
    const all = JSON.stringify(outcome);
    expect(all).toContain('Mach>>caller');
    expect(all).not.toContain('Mach>>fail');
    expect(JSON.stringify(b.evaluate('Mach new plain'))).toContain('Mach>>plain');
    // A user's own Error subclass and its defaultAction are the user's code, and show.
    const shown = JSON.stringify(b.evaluate('Error subclass: #MachErr\nMachErr defaultAction -> ^1/0\nMachErr new signal').pop());
    expect(shown).toContain('MachErr>>defaultAction');
  });
});

describe(`the marks' names are the library's walk (Smalltalk marks), as the kernel's (seed ${SEED})`, () => {
  it('random marks and forgets: Smalltalk marks answers the kernel\'s names, newest first, as Strings', () => {
    const b = bootSystem();
    const rnd = random(SEED + 7);
    const names = ['a', 'b', 'before', 'x y', 'a'];
    for (let step = 0; step < 30; step++) {
      const marks = b.kernel.marks();
      if (marks.length > 0 && rnd() < 0.35) {
        const name = marks[Math.floor(rnd() * marks.length)];
        expect(b.run(`Smalltalk forget: '${name}'`), `seed ${SEED}, forget ${name}`).toHaveLength(1);
      } else {
        const name = names[Math.floor(rnd() * names.length)];
        expect(b.run(`Smalltalk mark: ${rnd() < 0.5 ? `'${name}'` : `#'${name}'`}`), `seed ${SEED}, mark ${name}`).toHaveLength(1);
      }
      const want = b.kernel.marks();
      expect(b.run('Smalltalk marks'), `seed ${SEED}, step ${step}`).toEqual([`#(${want.map((n) => `'${n}'`).join(' ')})`]);
      expect(b.run('Smalltalk marks allSatisfy: [:each | each class == String]')).toEqual(['true']);
    }
  });
});
