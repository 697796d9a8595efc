/*
 * A statement costs the same however many came before it (issue 17 item 6). Each case here
 * was quadratic: looking up a global walked every global newer than it (`_`, which the REPL
 * sets after every statement, is among the oldest, so a script of 10,000 new globals walked
 * 50 million links), and a session read the whole state of the image (every global, and what
 * the globals hold) twice a statement. The tests count the work (links walked, state reads),
 * not the time, so they fail on a return to the old cost and not on a slow machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { setSlotPointer, slot, slotPointer, slotTag } from '../../kernel/objects/access.ts';
import { declareUndeclared, findBinding, findUndeclared, globalsWalked } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { BINDING, ROOTS } from '../../kernel/objects/layout.ts';
import { stateReads } from '../../src/session/changes.ts';
import { Session } from '../../src/session/session.ts';
import type { Bedrock } from '../../src/system/bedrock.ts';
import { makeRandom } from '../support/random.ts';
import { bootSystem, systemImagePath } from '../support/system.ts';

const dir = mkdtempSync(join(tmpdir(), 'bedrock-linear-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The lookup as it was: a walk of the chain from its head. */
function walkFind(k: Kernel, name: string, undeclared: boolean): number {
  const m = k.machine;
  const symbol = k.symbols.find(name);
  if (symbol === undefined) return -1;
  for (let b = slotPointer(m, k.roots, ROOTS.GLOBALS); b !== k.nil; b = slotPointer(m, b, BINDING.NEXT)) {
    const isUndeclared = slotTag(m, b, BINDING.VALUE) === TAG_PTR && slot(m, b, BINDING.VALUE) === BigInt(b);
    if (slotPointer(m, b, BINDING.NAME) === symbol && isUndeclared === undeclared) return b;
  }
  return -1;
}

describe('looking up a global', () => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem();
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });

  it('answers as a walk of the chain does, through definitions, shadowing, undeclaring, marks, forgets and collections (seeded)', () => {
    const seed = Number(process.env.BEDROCK_SEED ?? Date.now() % 1_000_000);
    console.log(`globals index: seed ${seed}`);
    const rnd = makeRandom(seed);
    const k = b.kernel, m = k.machine;
    const names = Array.from({ length: 24 }, (_, i) => `LinearG${i}`);
    const marks: string[] = [];
    for (let step = 0; step < 600; step++) {
      const name = rnd.pick(names);
      const what = rnd.below(100);
      if (what < 45) {
        expect(typeof k.defineGlobal(name, { value: BigInt(step), tag: TAG_NUM })).toBe('number');
      } else if (what < 55) {
        expect(typeof declareUndeclared(k, name)).toBe('number');
      } else if (what < 65) {
        // Smalltalk removeKey: makes the binding undeclared (its value itself).
        const found = findBinding(k, name);
        if (found >= 0) setSlotPointer(m, found, BINDING.VALUE, found);
      } else if (what < 72) {
        const mark = `linear-mark-${step}`;
        expect(k.mark(mark)).not.toBeTypeOf('string');
        marks.push(mark);
      } else if (what < 80 && marks.length > 0) {
        const mark = marks.splice(rnd.below(marks.length))[0];
        expect(k.forget(mark), `forget ${mark} (seed ${seed})`).toBeNull();
      } else if (what < 83) {
        k.heap.collect('major');
      }
      for (const n of names) {
        expect(findBinding(k, n), `${n} after step ${step} (seed ${seed})`).toBe(walkFind(k, n, false));
        expect(findUndeclared(k, n), `${n} undeclared after step ${step} (seed ${seed})`).toBe(walkFind(k, n, true));
      }
    }
  });

  it('walks each new binding once, not every global for every lookup', () => {
    const k = b.kernel;
    for (let i = 0; i < 3000; i++) k.defineGlobal(`LinearMany${i}`, { value: BigInt(i), tag: TAG_NUM });
    findBinding(k, 'Object');
    const before = globalsWalked.links;
    // The oldest globals, looked up between new definitions: a walk each time would be
    // 3,000 links and more a lookup.
    for (let i = 0; i < 2000; i++) {
      k.defineGlobal(`LinearMore${i}`, { value: BigInt(i), tag: TAG_NUM });
      expect(findBinding(k, 'Object')).toBeGreaterThan(0);
      expect(findBinding(k, `LinearMany${i}`)).toBeGreaterThan(0);
    }
    expect(globalsWalked.links - before).toBeLessThanOrEqual(2000);
  });

  it('code that named a global before it was defined reads it without a lookup once it is; forget undeclares it again', () => {
    const run = (source: string): string[] => b.evaluate(source).map((o) => o.text);
    const m = b.kernel.machine;
    run('Object subclass: #LinearUser');
    run('LinearUser make -> ^LinearLater new');
    expect(run('[LinearUser new make] on: UndeclaredVariableRead do: [:e | e name]')).toEqual(['#LinearLater']);
    run("Smalltalk mark: 'linear-late'");
    expect(run('Object subclass: #LinearLater')).toEqual(['LinearLater']);
    expect(run('LinearUser new make class')).toEqual(['LinearLater']);
    // A lookup walked the globals newer than the name's binding, thousands of them here, at
    // every read; the declared binding is read as any other.
    for (let i = 0; i < 2000; i++) b.kernel.defineGlobal(`LinearLate${i}`, { value: BigInt(i), tag: TAG_NUM });
    const before = m.totalSteps;
    run('1 to: 100 do: [:i | LinearUser new make]');
    expect((m.totalSteps - before) / 100).toBeLessThan(1000);
    expect(run("Smalltalk forget: 'linear-late'. [LinearUser new make] on: UndeclaredVariableRead do: [:e | e name]")).toEqual(['#LinearLater']);
    expect(run('(Smalltalk includesKey: #LinearLater)')).toEqual(['false']);
    run('Object subclass: #LinearLater');
    expect(run('LinearUser new make class')).toEqual(['LinearLater']);
  });
});

describe('a session reads the state of the image once a statement at most', () => {
  let s: Session;
  beforeAll(() => {
    const made = Session.open(join(dir, 'linear.image'), { template: systemImagePath() });
    if (!(made instanceof Session)) throw new Error(made.message);
    s = made;
  });
  afterAll(() => s.close());

  it('a statement that defines a global is a change with nothing read; the globals are walked once each', () => {
    expect(s.evaluate('X := 0').map((o) => o.text)).toEqual(['0']);
    const changes = s.unsavedChanges(), reads = stateReads.count, links = globalsWalked.links;
    const outcomes = s.evaluate(Array.from({ length: 300 }, (_, i) => `v${i} := ${i}`).join('\n'));
    expect(outcomes.map((o) => o.text)).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
    expect(s.unsavedChanges() - changes).toBe(300);
    expect(stateReads.count - reads).toBe(0);
    // Each statement's new global, and the binding of `_` once: not 300 walks of 300 and more.
    expect(globalsWalked.links - links).toBeLessThanOrEqual(3 * 300);
  });

  it('the state after a statement is the state before the next: one read a statement, the count of changes unchanged', () => {
    const changes = s.unsavedChanges(), reads = stateReads.count;
    for (let i = 0; i < 100; i++) {
      // X := 1 again is no change; X := 2 after it is (two items, each read after it runs).
      const v = String(i % 2 === 0 ? 1 : 2);
      expect(s.evaluate(`X := ${v}\nX := ${v}`).map((o) => o.text)).toEqual([v, v]);
    }
    expect(s.unsavedChanges() - changes).toBe(100);
    expect(stateReads.count - reads).toBeLessThanOrEqual(201);
  });

  it('what ran between two statements is seen: the state is read again', () => {
    expect(s.evaluate('X := 5').map((o) => o.text)).toEqual(['5']);
    // Not through the session (as the debugger's evaluations beside a stopped one are not).
    expect(s.bedrock.run('X := 6')).toEqual(['6']);
    const changes = s.unsavedChanges();
    expect(s.evaluate('X := 6').map((o) => o.text)).toEqual(['6']);
    expect(s.unsavedChanges() - changes).toBe(0);
    expect(s.evaluate('X := 7').map((o) => o.text)).toEqual(['7']);
    expect(s.unsavedChanges() - changes).toBe(1);
  });
});

describe('a DoIt that runs straight through is made as threaded code only', () => {
  let b: Bedrock;
  beforeAll(() => {
    const booted = bootSystem();
    if (typeof booted === 'string') throw new Error(booted);
    b = booted;
  });

  // Straight-line statements of the kinds scripts are made of, with forward branches
  // (ifTrue:), overflow into LargeInteger, blocks, cascades, failures.
  const atoms = ['3', '-7', '16r7FFFFFFFFFFFFFFF', '(2 raisedTo: 70)', "'abc'", '#sym', '$a', '#(1 $b #c)', 'nil', 'true', '3/4', '2.5', 'Lin1', 'Lin2'];
  const unary = ['printString', 'negated', 'size', 'class', 'isNil', 'yourself', 'reversed', 'foo'];
  const binary = ['+', '-', '*', '//', '=', '<', ','];
  function expression(rnd: ReturnType<typeof makeRandom>, depth: number): string {
    const a = rnd.pick(atoms);
    switch (depth <= 0 ? 0 : rnd.below(6)) {
      case 0: return a;
      case 1: return `${expression(rnd, depth - 1)} ${rnd.pick(unary)}`;
      case 2: return `(${expression(rnd, depth - 1)} ${rnd.pick(binary)} ${expression(rnd, depth - 1)})`;
      case 3: return `(${expression(rnd, depth - 1)} = ${a} ifTrue: [${expression(rnd, depth - 1)}] ifFalse: [${a}])`;
      case 4: return `([:x | x] value: ${expression(rnd, depth - 1)})`;
      default: return `(OrderedCollection new add: ${expression(rnd, depth - 1)}; add: ${a}; yourself)`;
    }
  }

  it('answers as the same statements compiled natively do (seeded)', () => {
    const seed = Number(process.env.BEDROCK_SEED ?? Date.now() % 1_000_000);
    console.log(`threaded DoIts: seed ${seed}`);
    const rnd = makeRandom(seed);
    expect(b.run("Lin1 := 5. Lin2 := 'x'")).toEqual(["'x'"]);
    let threaded = 0;
    for (let i = 0; i < 80; i++) {
      const statements = Array.from({ length: 1 + rnd.below(3) }, () => expression(rnd, 3));
      const source = statements.join('. ');
      const before = b.compiler.doItsThreaded;
      const once = b.run(source);
      threaded += b.compiler.doItsThreaded - before;
      // A loop in it (to:do: inlined) makes the same statements a native DoIt.
      const natively = b.run(`1 to: 1 do: [:i | i]. ${source}`);
      expect(b.compiler.doItsThreaded - before, source).toBe(1);
      expect(once, `${source} (seed ${seed})`).toEqual(natively);
    }
    expect(threaded).toBe(80);
  });

  it('a loop, or a machine primitive, keeps a DoIt native', () => {
    const before = b.compiler.doItsThreaded;
    expect(b.run('| t | t := 0. 1 to: 10 do: [:i | t := t + i]. t')).toEqual(['55']);
    expect(b.run('| n | n := 0. [n < 5] whileTrue: [n := n + 1]. n')).toEqual(['5']);
    expect(b.run('Memory at: 100; put: 16r2A; put: 43. Memory at: 100')).toEqual(['42']);
    expect(b.compiler.doItsThreaded).toBe(before);
    expect(b.run('3 + 4')).toEqual(['7']);
    expect(b.compiler.doItsThreaded).toBe(before + 1);
  });

  it('the blocks a threaded DoIt makes run their native code (a block may run a million times)', () => {
    const m = b.kernel.machine;
    const count = (source: string): number => {
      const before = m.totalSteps;
      expect(b.run(source)).toEqual(['2001000']);
      return m.totalSteps - before;
    };
    const threadedBefore = b.compiler.doItsThreaded;
    const inThreaded = count('(1 to: 2000) inject: 0 into: [:a :x | a + x]');
    const threadedAfter = b.compiler.doItsThreaded;
    expect(threadedAfter).toBeGreaterThan(threadedBefore);
    const inNative = count('1 to: 1 do: [:i | i]. (1 to: 2000) inject: 0 into: [:a :x | a + x]');
    expect(b.compiler.doItsThreaded).toBe(threadedAfter);
    // The block's threaded code took ~1.6x the instructions of its native code.
    expect(inThreaded / inNative).toBeLessThan(1.2);
  });

  it('a line of 30,000 statements is one DoIt, compiled and run (it overflowed the host stack)', () => {
    const n = 30_000;
    const line = Array.from({ length: n }, (_, i) => `Lin${i % 50} := ${i} * 2`).join('. ');
    const before = b.compiler.doItsThreaded;
    expect(b.run(`${line}. Lin49`)).toEqual([String(2 * (n - 1))]);
    expect(b.compiler.doItsThreaded).toBe(before + 1);
    // A failure in it is reported at its place in the line.
    const failing = Array.from({ length: n }, (_, i) => (i === 20_000 ? '1/0' : `Lin1 := ${i}`)).join('. ');
    const [error] = b.evaluate(failing);
    expect(error.kind).toBe('error');
    expect(error.text).toMatch(/ZeroDivide/);
    expect(b.run('Lin1')).toEqual(['19999']);
  }, 60_000);
});
