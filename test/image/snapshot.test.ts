/*
 * Snapshots in memory (image/snapshot.ts), the way an actor's worker starts: a heap copied out
 * of a running system and opened in a new machine without the walk an image file gets. What
 * the snapshot hands over instead of walking (the fixed space's free chunks, its code objects,
 * the process stacks, the symbols) is compared with what the walk of an image file finds in
 * the same heap (image/validate.ts checkHeap, run on the opened machine: the differential);
 * the heap must be the same cell for cell, the heap verifier must find nothing, before and
 * after a full collection, and a corpus of expressions must answer the same in both systems,
 * also after objects of every kind were made, some old and some young, and code was defined
 * and forgotten (free chunks in the fixed space). A prepared memory (Machine.preparedMemory)
 * reused from an earlier machine must give the same.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../kernel/machine/machine.ts';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { knownRecords, recordCount } from '../../kernel/machine/wasm/tier.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { checkHeap } from '../../image/validate.ts';
import { openSnapshot, snapshotBytes, snapshotMachineOptions, snapshotPlan, takeSnapshot, type Snapshot } from '../../image/snapshot.ts';
import { openedShape, releaseMemory, reuseMemory, type Reusable } from '../../image/snapshot-memory.ts';
import { TAG_CODE, TAG_HDR, TAG_POISON, TAG_PTR } from '../../kernel/machine/cells.ts';
import { Bedrock } from '../../src/system/bedrock.ts';
import { bootSystem, evaluateOk } from '../support/system.ts';

const b = bootSystem();

const ok = evaluateOk;

ok(b, `
Object subclass: #Pair instanceVariableNames: 'left right'
Pair left: a right: b -> left := a. right := b
Pair sum -> ^left + right
Keep := (1 to: 2000) collect: [:i | Pair new left: i right: i * i]
Young := OrderedCollection new. 1 to: 50 do: [:i | Young add: i printString]
Big := 100 factorial
Smalltalk mark: #scratch
Object subclass: #Gone instanceVariableNames: 'x'
Gone x -> ^x
Pair gone -> ^Gone new x
Smalltalk forget: #scratch
Pair sum -> ^left * 1000 + right
`);

const CORPUS = [
  'Keep size', '(Keep inject: 0 into: [:a :p | a + p sum]) printString', 'Young last', 'Big printString size',
  '(Pair new left: 3 right: 4) sum', 'Pair respondsTo: #gone', 'Smalltalk includesKey: #Gone', '#(1 $a \'s\' #sym 2.5) printString',
  '(1/3) + (2/3)', '(Keep collect: [:p | p sum \\\\ 7]) asSet size', '[:x | x * 2] value: 21', 'Young size',
];

/** Cells and tags of every used part of memory, and the spaces' bounds, must be equal. */
function expectSameHeap(a: Kernel, c: Kernel): void {
  const ma = a.machine, mc = c.machine, ha = a.heap, hc = c.heap;
  expect([ma.lowCells, ma.fixedLo, ma.fixedHi, ha.fixedTop, ha.oldLo, ha.oldTop, ha.oldEnd, ha.nurseryLo, ha.nurseryTop, ma.store.cellCount])
    .toEqual([mc.lowCells, mc.fixedLo, mc.fixedHi, hc.fixedTop, hc.oldLo, hc.oldTop, hc.oldEnd, hc.nurseryLo, hc.nurseryTop, mc.store.cellCount]);
  for (const [lo, hi] of [[0, ma.lowCells], [ma.fixedLo, ha.fixedTop], [ha.oldLo, ha.oldTop], [ha.nurseryLo, ha.nurseryTop]]) {
    const bytes = (k: Kernel): Buffer => Buffer.from(k.machine.store.bytes.buffer, k.machine.store.bytes.byteOffset + lo * 8, (hi - lo) * 8);
    const tags = (k: Kernel): Buffer => Buffer.from(k.machine.store.tags.buffer, k.machine.store.tags.byteOffset + lo, hi - lo);
    expect(Buffer.compare(bytes(a), bytes(c)), `cells ${lo}..${hi}`).toBe(0);
    expect(Buffer.compare(tags(a), tags(c)), `tags ${lo}..${hi}`).toBe(0);
  }
}

/** What the snapshot told the opener, against what a walk of the opened heap finds. */
function expectWalkAgrees(k: Kernel): void {
  const m = k.machine, heap = k.heap;
  const free: number[] = [];
  heap.forEachFreeChunk((h, n) => free.push(h, n));
  const code: number[] = [];
  const indexes = new Set<number>();
  m.forEachCode((h, n, i) => { if (h >= m.fixedBoot) { code.push(h, n); indexes.add(i); } });
  const symbols = [...k.symbols.table().values()].sort((x, y) => x - y);
  const cards = m.store.cards.slice();
  const facts = checkHeap(m, {
    lowCells: m.lowCells, fixedLo: m.fixedLo, fixedTop: heap.fixedTop, oldLo: m.fixedHi, oldTop: heap.oldTop,
    nurseryLo: heap.nurseryLo, nurseryTop: heap.nurseryTop,
  });
  if ('check' in facts) throw new Error(`${facts.check}: ${facts.message}`);
  const pairs = (xs: readonly number[]): string[] => { const out: string[] = []; for (let i = 0; i < xs.length; i += 2) out.push(`${xs[i]}:${xs[i + 1]}`); return out.sort(); };
  expect(pairs(free), 'free chunks').toEqual(pairs(facts.freeChunks));
  expect(free.length, 'the fixed space has free chunks (a forget made them)').toBeGreaterThan(0);
  expect(symbols, 'symbols').toEqual(facts.symbols.map((h) => (h + 1) * 8).sort((x, y) => x - y));
  expect([...heap.stacks].filter((h) => h !== (m.homeStackLo >> 3) - 1).sort(), 'stacks').toEqual([...facts.stacks].sort());
  // The walk registers the code objects it finds again (at cache indexes the snapshot's left): the same ones.
  const again: number[] = [];
  m.forEachCode((h, n, i) => { if (h >= m.fixedBoot && !indexes.has(i)) again.push(h, n); });
  expect(pairs(code), 'code objects').toEqual(pairs(again));
  // Every card the walk sets (an old cell pointing into the nursery) the snapshot had set.
  const walked = m.store.cards;
  const missing: number[] = [];
  for (let i = 0; i < walked.length; i++) if (walked[i] && !cards[i]) missing.push(i);
  expect(missing, 'cards').toEqual([]);
}

describe('a snapshot in memory', () => {
  const expected = CORPUS.map((e) => ok(b, e)[0]);

  it('opens to the same heap, with what a walk of it would find, and answers the same', () => {
    const s = takeSnapshot(b.kernel);
    expect(s.bytes.byteLength).toBe(snapshotBytes(b.kernel));
    const k = openSnapshot(structuredClone(s));
    expectSameHeap(b.kernel, k);
    expect(verifyHeap(k.heap)).toEqual([]);
    expectWalkAgrees(openSnapshot(structuredClone(s)));
    const c = Bedrock.resume(k, { backend: b.backend });
    expect(CORPUS.map((e) => ok(c, e)[0])).toEqual(expected);
    // A full collection in the opened system finds it sound, and it answers the same after.
    k.heap.collect('major');
    expect(verifyHeap(k.heap)).toEqual([]);
    expect(CORPUS.map((e) => ok(c, e)[0])).toEqual(expected);
    // The spawner goes on unchanged.
    expect(CORPUS.map((e) => ok(b, e)[0])).toEqual(expected);
  });

  it('gives every code object the cache index it has in the spawner, so translations are the same and compiled once', () => {
    // Code defined and forgotten leaves cache indexes free between the used ones.
    ok(b, 'Smalltalk mark: #holes\nPair h1 -> ^1\nPair h2 -> ^2\nPair h3 -> ^3\nPair sum -> ^left - right\nSmalltalk forget: #holes');
    b.kernel.heap.collect('major');
    const spawner = b.kernel.machine;
    const indexes: [number, number][] = [];
    spawner.forEachCode((h, _n, i) => indexes.push([(h + 1) * 8, i]));
    expect(indexes.at(-1)![1] + 1 - indexes.length, 'free cache indexes in the spawner').toBeGreaterThan(0);
    const s = takeSnapshot(b.kernel);
    const saved = process.env.BEDROCK_TIER;
    process.env.BEDROCK_TIER = 'translate';
    let k1: Kernel, k2: Kernel;
    try {
      k1 = openSnapshot(structuredClone(s));
      k2 = openSnapshot(structuredClone(s));
    } finally {
      if (saved === undefined) delete process.env.BEDROCK_TIER; else process.env.BEDROCK_TIER = saved;
    }
    expect(indexes.filter(([addr, i]) => k1.machine.cacheIndexOfCode(addr) !== i)).toEqual([]);
    // A new code object takes a free index, as in the spawner.
    const c1 = Bedrock.resume(k1, { backend: b.backend }), c2 = Bedrock.resume(k2, { backend: b.backend });
    const since = recordCount();
    const some = [0, 1, 4, 8];
    expect(some.map((i) => ok(c1, CORPUS[i])[0])).toEqual(some.map((i) => expected[i]));
    const first = k1.machine.tier!.stats;
    expect(first.modules).toBeGreaterThan(0);
    // The second machine has the same code objects at the same places: it takes each module the
    // first made as it is (a record, kernel/machine/wasm/tier.ts: nothing planned, emitted or
    // compiled), and answers the same.
    expect(knownRecords(since).length).toBeGreaterThan(0);
    expect(some.map((i) => ok(c2, CORPUS[i])[0])).toEqual(some.map((i) => expected[i]));
    const second = k2.machine.tier!.stats;
    expect(second.modules).toBe(0);
    expect(second.adopted).toBe(first.modules + first.adopted);
    // Differential: each module taken is the one the second machine would have made itself.
    const taken = knownRecords().filter((r) => r.codes.every((c) => k2.machine.cacheOf(c.addr)?.translation?.module === k2.machine.cacheOf(r.codes[0].addr)?.translation?.module && k2.machine.cacheOf(c.addr)?.translation?.fn !== undefined));
    expect(taken.length).toBeGreaterThanOrEqual(second.adopted);
    // (or differs only where a send site guesses another callee now: translate.ts guessCallee)
    const made2 = taken.map((r) => k2.machine.tier!.makesRecord(r, r.codes.map((c) => k2.machine.cacheOf(c.addr)!)));
    expect(made2.filter((x) => x === 'different')).toEqual([]);
    expect(made2.filter((x) => x === 'same').length).toBeGreaterThan(0);
    const made = knownRecords(since);
    // A machine whose code differs takes none: another byte, or another slot, and the record is not its.
    const k3 = openSnapshot(structuredClone(s));
    // (a record of code in the snapshot: not of a DoIt the first machine compiled)
    const r = made.find((x) => k3.machine.tier!.matching(x) !== null)!;
    expect(r).toBeDefined();
    const byte = { ...r, codes: r.codes.map((c, i) => (i === 0 ? { ...c, bytes: c.bytes.map((x, j) => (j === c.bytes.length - 1 ? x ^ 1 : x)) } : c)) };
    expect(k3.machine.tier!.matching(byte)).toBeNull();
    const slot = { ...r, codes: r.codes.map((c, i) => (i === 0 ? { ...c, slot: c.slot + 1 } : c)) };
    expect(k3.machine.tier!.matching(slot)).toBeNull();
    if (r.slots.length > 0) expect(k3.machine.tier!.matching({ ...r, slots: [r.slots[0], r.slots[1] + 1, ...r.slots.slice(2)] })).toBeNull();
  });

  it('opens into a shared buffer and a reused, prepared memory, again and again', () => {
    const shared = new SharedArrayBuffer(2 * snapshotBytes(b.kernel));
    let memory: WebAssembly.Memory | undefined;
    for (let round = 0; round < 3; round++) {
      ok(b, `Young add: ${round}`);
      const s = takeSnapshot(b.kernel, shared);
      memory = Machine.preparedMemory(snapshotMachineOptions(s.machine), memory);
      const k = openSnapshot(structuredClone(s), { memory });
      expect(k.machine.store.memory).toBe(memory);
      expectSameHeap(b.kernel, k);
      expect(verifyHeap(k.heap)).toEqual([]);
      const c = Bedrock.resume(k, { backend: b.backend });
      expect(ok(c, 'Young last')).toEqual([String(round)]);
      expect(ok(c, '(Keep inject: 0 into: [:a :p | a + p sum]) printString')).toEqual([expected[1]]);
      // Its own definitions stay its own.
      ok(c, 'Pair sum -> ^0');
      expect(ok(c, '(Pair new left: 3 right: 4) sum')).toEqual(['0']);
      expect(ok(b, '(Pair new left: 3 right: 4) sum')).toEqual(['3004']);
    }
  });

  it('taken as what changed since a whole one, opens to the same heap; also after a run, a definition or a collection', () => {
    ok(b, 'Pair lits -> ^#(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)\nLits := Pair new lits');
    const m = b.kernel.machine;
    const lits = Number(b.kernel.global('Lits')!.value);
    expect(lits >> 3, 'a literal Array lives in the fixed space').toBeLessThan(b.kernel.heap.fixedTop);
    const whole = takeSnapshot(b.kernel);
    expect(whole.base).toBeNull();
    let memory: Reusable = { memory: Machine.preparedMemory(snapshotMachineOptions(whole.machine)), residue: null };
    let opened = openSnapshot(structuredClone(whole), { memory: reuseMemory(memory, whole) });
    memory = releaseMemory(opened, whole, openedShape(opened));
    // The machine's stores (Machine.setCell, as the interpreter's and translated code's) mark
    // their cards: the next snapshot sends those cards, the fixed space's other cells come
    // from the whole one.
    const values = Array.from({ length: 16 }, (_, i) => String(i + 1));
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 16; i++) {
        if ((i + round) % 3 === 0) { m.setCell(lits + 8 * i, BigInt(100 * round + i)); values[i] = String(100 * round + i); }
        else if ((i + round) % 3 === 1) { m.setCell(lits + 8 * i, BigInt(b.kernel.true), TAG_PTR); values[i] = 'true'; }
      }
      const plan = snapshotPlan(b.kernel, whole);
      expect(plan.base, 'taken as what changed').toBe(whole);
      expect(plan.bytes).toBeLessThan(snapshotBytes(b.kernel) / 4);
      const s = takeSnapshot(b.kernel, undefined, plan);
      const k = openSnapshot(structuredClone(s), { memory: reuseMemory(memory, s) });
      expectSameHeap(b.kernel, k);
      expect(verifyHeap(k.heap)).toEqual([]);
      // (What the spawner would print: an evaluation there now would begin a run.)
      expect(ok(Bedrock.resume(k, { backend: b.backend }), 'Lits')).toEqual([`#(${values.join(' ')})`]);
      memory = releaseMemory(k, s, openedShape(k));
      opened = k;
    }
    // A run began, a method was compiled, a collection moved things: the marks cannot tell what
    // changed, so the fixed space is compared with the whole one's bytes; still what changed.
    expect(ok(b, 'Lits')).toEqual([`#(${values.join(' ')})`]);
    ok(b, 'Pair afterTheBase -> ^#afterTheBase');
    b.kernel.heap.collect('minor');
    for (const step of ['run', 'second run']) {
      const plan = snapshotPlan(b.kernel, whole);
      expect(plan.base, `after the ${step}: taken as what changed`).toBe(whole);
      const s = takeSnapshot(b.kernel, undefined, plan);
      const k = openSnapshot(structuredClone(s), { memory: reuseMemory(memory, s) });
      expectSameHeap(b.kernel, k);
      expect(verifyHeap(k.heap)).toEqual([]);
      expect(ok(Bedrock.resume(k, { backend: b.backend }), '(Pair new afterTheBase) , Lits size printString')).toEqual(["'afterTheBase16'"]);
      memory = releaseMemory(k, s, openedShape(k));
      opened = k;
      ok(b, 'Lits at: 1 put: 1. Pair new afterTheBase. Young add: #x');
      b.kernel.heap.collect('minor');
    }
    const again = takeSnapshot(b.kernel);
    expect(snapshotPlan(b.kernel, again).base).toBe(again);
    // A newer whole snapshot clears the marks, but the older one's changes can still be found by comparing.
    expect(snapshotPlan(b.kernel, whole).base).toBe(whole);
    // Space given back below the base's top (a forget): whole.
    ok(b, 'Smalltalk mark: #below\nPair gone2 -> ^2');
    const high = takeSnapshot(b.kernel);
    ok(b, 'Smalltalk forget: #below');
    b.kernel.heap.collect('major');
    if (b.kernel.heap.fixedTop < high.heap.fixedTop) expect(snapshotPlan(b.kernel, high).base, 'below the base\'s top').toBeNull();
    void opened;
  });

  it('taken as what changed, holds whatever wrote the fixed space since: random writes no mark records (seeded)', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`snapshot of changes, random writes: seed ${seed}`);
    let x = seed || 1;
    const rnd = (n: number): number => { x = (x * 1103515245 + 12345) % 2147483648; return x % n; };
    const whole = takeSnapshot(b.kernel);
    let memory: Reusable = { memory: Machine.preparedMemory(snapshotMachineOptions(whole.machine)), residue: null };
    const st = b.kernel.machine.store, lo = b.kernel.machine.fixedLo, top = b.kernel.heap.fixedTop;
    const saved: [number, bigint, number][] = [];
    try {
      for (let round = 0; round < 4; round++) {
        // Raw writes into cells and tags of the fixed space, as the host's own code writes
        // (which says so: Machine.hostWrites), none marked; some in runs, some single.
        for (let i = 0; i < 1 + rnd(40); i++) {
          const at = lo + rnd(top - lo), n = 1 + rnd(i % 5 === 0 ? 300 : 3);
          for (let c = at; c < Math.min(top, at + n); c++) {
            saved.push([c, st.cells[c], st.tags[c]]);
            // Slots only: headers and code stay (an opener writes the free chunks' headers and
            // takes the code objects from the lists it is given, which these writes would belie).
            if (st.tags[c] === TAG_CODE || st.tags[c] === TAG_HDR) continue;
            if (rnd(4) > 0) st.cells[c] = BigInt(rnd(1 << 30));
            if (rnd(3) === 0) st.tags[c] = rnd(3) === 0 ? TAG_POISON : rnd(2);
          }
        }
        b.kernel.machine.hostWrites++;
        const plan = snapshotPlan(b.kernel, whole);
        expect(plan.base, `seed ${seed}, round ${round}`).toBe(whole);
        const s = takeSnapshot(b.kernel, undefined, plan);
        const k = openSnapshot(structuredClone(s), { memory: reuseMemory(memory, s) });
        expectSameHeap(b.kernel, k);
        memory = releaseMemory(k, s, openedShape(k));
      }
    } finally {
      // (The system's own cells back as they were.)
      for (const [c, v, t] of saved.reverse()) { st.cells[c] = v; st.tags[c] = t; }
    }
    expect(verifyHeap(b.kernel.heap)).toEqual([]);
  });

  it('hands over the symbol table packed: the opener finds each symbol by its text, makes new ones once, and forgets freed ones', () => {
    // Texts that sort by UTF-16 code units, share prefixes, and need wide characters.
    ok(b, "#(#zeta #zet #'zet:a:' #'h\u00e9llo' #'h\u00e9' #'\u65e5\u672c' #'\u65e5' #'ab' #'a') size");
    ok(b, `Smalltalk at: #Wide put: (String with: (Character value: 16r65E5) with: (Character value: 16r672C)) asSymbol`);
    const s = takeSnapshot(b.kernel);
    expect(s.symbols.ends.length).toBe(b.kernel.symbols.table().size);
    // Packed once: a second snapshot with no new symbol hands over the same table.
    expect(takeSnapshot(b.kernel).symbols).toBe(s.symbols);
    const k = openSnapshot(structuredClone(s));
    const spawner = b.kernel.symbols.table();
    const wrong = [...spawner].filter(([text, p]) => k.symbols.find(text) !== p);
    expect(wrong, 'symbols found at another address').toEqual([]);
    expect(k.symbols.table()).toEqual(spawner);
    expect(k.symbols.size).toBe(spawner.size);
    for (const absent of ['', 'zetb', 'ze', 'h\u00e9llp', '\u65e5\u672c\u672c', '~~never made~~']) expect(k.symbols.find(absent), absent).toBeUndefined();
    // A new symbol is made once, and the next snapshot of the opened system has it.
    const c = Bedrock.resume(k, { backend: b.backend });
    expect(ok(c, "#neverBeforeSeen == ('never', 'BeforeSeen') asSymbol")).toEqual(['true']);
    const made = k.symbols.find('neverBeforeSeen')!;
    expect(made).toBeGreaterThan(0);
    expect(b.kernel.symbols.find('neverBeforeSeen')).toBeUndefined();
    const again = takeSnapshot(k).symbols;
    expect(again.ends.length).toBe(spawner.size + 1);
    expect(openSnapshot(structuredClone(takeSnapshot(k))).symbols.find('neverBeforeSeen')).toBe(made);
    // A symbol the collector frees in the opened system is gone from its table; made again, it is new.
    ok(c, 'Smalltalk mark: #syms\nPair onlyHereSelector -> ^1\nSmalltalk forget: #syms');
    const before = openSnapshot(structuredClone(takeSnapshot(k)));
    const only = before.symbols.find('onlyHereSelector');
    expect(only).toBeGreaterThan(0);
    const d = Bedrock.resume(before, { backend: b.backend });
    before.heap.collect('major');
    expect(before.symbols.find('onlyHereSelector'), 'freed by the collector').toBeUndefined();
    expect(verifyHeap(before.heap)).toEqual([]);
    expect(ok(d, "#onlyHereSelector size")).toEqual(['16']);
    expect(before.symbols.find('onlyHereSelector')).toBeGreaterThan(0);
    expect([...before.symbols.table().keys()].filter((t) => t === 'onlyHereSelector')).toHaveLength(1);
  });

  it('lists the code objects once while none is freed, adding those defined since, and again after code is freed', () => {
    const listed = (k: Kernel): number[] => {
      const out: number[] = [];
      k.machine.forEachCode((h, n, i) => { if (h >= k.machine.fixedBoot) out.push(h, n, i); });
      return out;
    };
    const all = (s: Snapshot): number[] => [...s.code, ...s.codeAdded];
    const s = takeSnapshot(b.kernel);
    expect(all(s)).toEqual(listed(b.kernel));
    // Kept: a second snapshot with the same code objects hands over the same list.
    expect(takeSnapshot(b.kernel).code).toBe(s.code);
    // A method defined is a new code object, added to the same list; forgotten and collected,
    // it is gone, and the list is made again.
    ok(b, 'Smalltalk mark: #codes\nPair listedOnce -> ^left');
    const defined = takeSnapshot(b.kernel);
    expect(defined.code).toBe(s.code);
    expect(defined.codeAdded.length).toBeGreaterThan(s.codeAdded.length);
    expect(all(defined).length).toBeGreaterThan(all(s).length);
    // (In the order of the cache indexes, as the machine lists them, once sorted by index.)
    const byIndex = (xs: number[]): number[][] => Array.from({ length: xs.length / 3 }, (_, i) => xs.slice(3 * i, 3 * i + 3)).sort((x, y) => x[2] - y[2]);
    expect(byIndex(all(defined))).toEqual(byIndex(listed(b.kernel)));
    // A snapshot of the code as it was, and one with the method: each opens to a heap whose walk agrees.
    expectWalkAgrees(openSnapshot(structuredClone(defined)));
    ok(b, 'Smalltalk forget: #codes');
    b.kernel.heap.collect('major');
    const freed = takeSnapshot(b.kernel);
    expect(freed.code).not.toBe(s.code);
    expect(all(freed)).toEqual(listed(b.kernel));
    expect(all(freed).length).toBeLessThan(all(defined).length);
    // What the opener is told is what a walk of the opened heap finds (the differential).
    expectWalkAgrees(openSnapshot(structuredClone(freed)));
  });
});
