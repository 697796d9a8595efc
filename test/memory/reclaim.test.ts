/*
 * Reclamation: what nothing reaches is freed. Moving objects by compaction (old space
 * shrinks), fixed objects and code objects by the sweep (their cells become free chunks that
 * later allocations reuse; a freed code object no longer resolves and its decoded code is
 * gone). Repeated allocate-and-drop cycles stay within bounded memory.
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_FREE, FORMAT_POINTERS, TAG_CODE, TAG_NUM, TAG_POISON, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { heapOf } from '../../kernel/memory/heap.ts';
import { bytesOf } from '../support/machine.ts';
import { alloc, expectSound, LIST, load, smallMachine } from './helpers.ts';

const RAX = 0, RSI = 6, RDI = 7;


const formatAt = (m: Machine, address: number): number => m.store.cells32[2 * ((address >> 3) - 1) + 1] & 0xf;

describe('unreachable objects are reclaimed', () => {
  it('old space shrinks to what is live', () => {
    const m = smallMachine();
    const code = load(m, LIST);
    m.setRegister(RDI, 20_000n);
    expect(m.call(code).fault).toBeNull();
    const keep = heapOf(m).roots.add(m.register(RAX), TAG_PTR);
    m.setRegister(RAX, 0n);
    m.setRegister(3, 0n); // rbx holds it too
    heapOf(m).collect('major');
    const live = heapOf(m).usage().oldUsed;
    expect(live).toBeGreaterThanOrEqual(20_000 * 3);
    heapOf(m).roots.release(keep);
    const report = heapOf(m).collect('major');
    expect(report.survivingCells).toBeLessThan(100);
    expect(heapOf(m).usage().oldUsed).toBeLessThan(100);
    expectSound(m);
  });

  it('fixed objects are swept into free chunks that later allocations reuse', () => {
    const m = smallMachine();
    const heap = heapOf(m);
    const made: number[] = [];
    for (let i = 0; i < 40; i++) made.push(heap.allocateFixed(10, FORMAT_POINTERS, 6, 0n, TAG_NUM));
    const kept = made.filter((_, i) => i % 4 === 0);
    for (const p of kept) heap.roots.add(BigInt(p), TAG_PTR);
    const freeBefore = heap.usage().fixedFree;
    const report = heap.collect('major');
    expect(report.freedFixedCells).toBe(30 * 11);
    expect(heap.usage().fixedFree).toBe(freeBefore + 30 * 11);
    // Runs of dead neighbours merged: three dead objects in a row make one chunk of 33 cells.
    const dead = made[1];
    expect(formatAt(m, dead)).toBe(FORMAT_FREE);
    expect(m.store.cells32[2 * ((dead >> 3) - 1)]).toBe(33 - 1);
    for (const p of kept) expect(formatAt(m, p)).toBe(FORMAT_POINTERS);
    // A new object of the same size takes a freed place, not new room.
    const again = heap.allocateFixed(10, FORMAT_POINTERS, 6, 0n, TAG_NUM);
    expect(made.filter((p) => !kept.includes(p))).toContain(again);
    expectSound(m);
  });

  it('a freed code object no longer resolves, its cache is gone, and its room runs new code', () => {
    const m = smallMachine();
    const one = m.loadCode(bytesOf('mov rax, 1; ret'));
    expect(m.call(one).fault).toBeNull();
    expect(m.register(RAX)).toBe(1n);
    expect(m.cacheOf(one)!.insns.length).toBeGreaterThan(0);
    m.setRegister(RAX, 0n);
    const report = heapOf(m).collect('major');
    expect(report.freedCodeObjects).toBe(1);
    expect(m.cacheOf(one)).toBeUndefined();
    expect(m.codeContaining(one + 2)).toBeUndefined();
    expect(m.codeOfReturnAddress(one + 3)).toBeUndefined();
    // Its cells are free: a free chunk, or (being last) the fixed space's bump room again.
    expect(formatAt(m, one) === FORMAT_FREE || (one >> 3) - 1 >= heapOf(m).fixedTop).toBe(true);
    expect(() => m.call(one)).toThrow(/no code object/);
    // Same size, same place; it runs its own bytes, not the old decoded ones.
    const two = m.loadCode(bytesOf('mov rax, 2; ret'));
    expect(two).toBe(one);
    expect(m.call(two).fault).toBeNull();
    expect(m.register(RAX)).toBe(2n);
    expectSound(m);
  });

  it('freeing a code object flushes decoded links into it: a call into its room runs the new bytes', () => {
    const m = smallMachine();
    const b = m.loadCode(bytesOf('mov rax, 1; ret'));
    // a calls b by a relative call (which the collector does not see: b is not kept alive by it).
    const a = load(m, 'call 0; ret');
    bytesOf(`call ${b - a}; ret`).forEach((byte, i) => m.patchCode(a, i, byte));
    expect(m.call(a).fault).toBeNull();
    expect(m.register(RAX)).toBe(1n);
    m.setRegister(RAX, 0n);
    expect(heapOf(m).collect('major').freedCodeObjects).toBe(1);
    const c = m.loadCode(bytesOf('mov rax, 2; ret'));
    expect(c).toBe(b);
    expect(m.call(a).fault).toBeNull();
    expect(m.register(RAX)).toBe(2n);
  });

  it('code objects are placed together, not among the other fixed objects (the code maps stay dense)', () => {
    const m = smallMachine();
    const heap = heapOf(m);
    const code: number[] = [], data: number[] = [];
    for (let i = 0; i < 30; i++) {
      data.push(heap.allocateFixed(5 + (i % 7), FORMAT_POINTERS, 6, 0n, TAG_NUM));
      code.push(load(m, `mov rax, ${i}; ret`));
    }
    for (const p of data) heap.roots.add(BigInt(p), TAG_PTR);
    // Each code object starts where the one before it ends; so does each data object.
    const end = (p: number): number => p + 8 * m.store.cells32[2 * ((p >> 3) - 1)];
    for (let i = 1; i < code.length; i++) expect(code[i]).toBe(end(code[i - 1]) + 8);
    for (let i = 2; i < data.length; i++) expect(data[i]).toBe(end(data[i - 1]) + 8);
    expect(data[1] > code[code.length - 1] || data[1] === end(data[0]) + 8).toBe(true);
    // The rest of the room taken for code is a free chunk: the fixed space walks cleanly, and
    // a snapshot hears of it (forEachFreeChunk).
    expectSound(m);
    const free: number[] = [];
    heap.forEachFreeChunk((h) => free.push(h));
    expect(free).toContain(end(code[code.length - 1]) >> 3);
    for (const [i, c] of code.entries()) {
      expect(m.call(c).fault).toBeNull();
      expect(m.register(RAX)).toBe(BigInt(i));
    }
    // A collection gives that rest back (it is last: the bump room), and code is placed together again.
    heap.collect('major');
    expectSound(m);
    const more = [load(m, 'mov rax, 100; ret'), load(m, 'mov rax, 101; ret')];
    expect(more[1]).toBe(end(more[0]) + 8);
    expect(m.call(more[1]).fault).toBeNull();
    expect(m.register(RAX)).toBe(101n);
  });

  it('running code is kept alive: by a return address on the stack, and by the service it is in', () => {
    const m = smallMachine({ stress: true });
    // y allocates (collecting first, in stress mode) with nothing but the running service holding it;
    // x, which called y, is held only by its return address on the stack.
    // Two allocations: stress alternates minor and major collections.
    const y = m.loadCode(bytesOf(`mov rsi, 0\n${alloc(3, 1)}\n${alloc(3, 1)}\nmov qword ptr [rax], 5\nret`));
    m.setRegister(RSI, BigInt(y), TAG_PTR); // held while x is made (stress collects then)
    const x = m.loadCode(bytesOf(`call rsi\nmov rcx, [rax]\nadd rcx, 1\nmov [rax], rcx\nret`));
    expect(x).not.toBe(y);
    const before = heapOf(m).stats.majorCollections;
    const r = m.call(x);
    expect(r.fault).toBeNull();
    expect(heapOf(m).stats.majorCollections).toBeGreaterThan(before);
    expect(m.cell(Number(m.register(RAX)))).toBe(6n);
    expect(m.cacheOf(x)).toBeDefined();
    expect(m.cacheOf(y)).toBeDefined();
    expectSound(m);
    // Once nothing runs them, they go.
    const report = heapOf(m).collect('major');
    expect(report.freedCodeObjects).toBe(2);
    expect(m.cacheOf(x)).toBeUndefined();
    expect(m.cacheOf(y)).toBeUndefined();
  });

  it('a CODE value held anywhere (a register) keeps its code object alive', () => {
    const m = smallMachine();
    const code = m.loadCode(bytesOf('mov rax, 3; ret'));
    m.setRegister(9, BigInt(code + 7), TAG_CODE);
    heapOf(m).collect('major');
    expect(m.cacheOf(code)).toBeDefined();
    m.setRegister(9, 0n);
    heapOf(m).collect('major');
    expect(m.cacheOf(code)).toBeUndefined();
  });

  it('memory stays bounded over many allocate-and-drop cycles', () => {
    const m = smallMachine();
    const sizes: number[] = [];
    const fixedUsed: number[] = [];
    for (let cycle = 0; cycle < 30; cycle++) {
      // A fresh program each cycle (the last one's code object is garbage), and a fixed object.
      const code = m.loadCode(bytesOf(LIST));
      heapOf(m).allocateFixed(20, FORMAT_POINTERS, 6, 0n, TAG_NUM);
      m.setRegister(RDI, 5000n);
      expect(m.call(code).fault).toBeNull();
      m.setRegister(RAX, 0n);
      m.setRegister(3, 0n); // rbx held the list too
      sizes.push(m.store.cellCount);
      heapOf(m).collect('major');
      fixedUsed.push(heapOf(m).usage().fixedUsed);
      expect(heapOf(m).usage().oldUsed).toBeLessThan(100);
    }
    expect(new Set(sizes.slice(5)).size).toBe(1);
    expect(Math.max(...fixedUsed.slice(5))).toBe(Math.min(...fixedUsed.slice(5)));
    expect(heapOf(m).stats.objectsAllocated).toBeGreaterThan(30 * 5000);
    expectSound(m);
  });

  it('every live object keeps its behaviour alive (hooks.behaviourOf); freed fixed objects are reported', () => {
    const m = smallMachine();
    const heap = heapOf(m);
    const behaviours = new Map<number, number>();
    const freed: number[] = [];
    const reports: string[] = [];
    heap.hooks = {
      behaviourOf: (index) => behaviours.get(index) ?? -1,
      onFreeFixed: (address, header) => { freed.push(address); expect(Number(BigInt.asUintN(64, header) >> 47n)).toBe(30); },
      onCollect: (r) => reports.push(r.kind),
    };
    const behaviour = heap.allocateFixed(4, FORMAT_POINTERS, 30, 0n, TAG_NUM);
    const other = heap.allocateFixed(4, FORMAT_POINTERS, 30, 0n, TAG_NUM);
    behaviours.set(77, behaviour);
    const instance = heap.allocate(2, FORMAT_POINTERS, 77, 0n, TAG_NUM);
    const root = heap.roots.addPointer(instance);
    heap.collect('major');
    expect(freed).toEqual([other]);
    expect(m.store.cells32[2 * ((behaviour >> 3) - 1) + 1] & 0xf).toBe(FORMAT_POINTERS);
    heap.roots.release(root);
    heap.collect('minor');
    heap.collect('major');
    expect(freed).toEqual([other, behaviour]);
    expect(reports).toEqual(['major', 'minor', 'major']);
    expectSound(m);
  });

  it('a STACK value keeps its stack object alive', () => {
    const m = smallMachine();
    const stack = heapOf(m).allocateStack(100);
    const root = heapOf(m).roots.add(BigInt(stack + 400), TAG_STACK);
    heapOf(m).collect('major');
    expect(heapOf(m).stackContaining(stack + 400)).toBe((stack >> 3) - 1);
    heapOf(m).roots.release(root);
    const report = heapOf(m).collect('major');
    expect(report.freedFixedCells).toBe(101);
    expect(heapOf(m).stackContaining(stack + 400)).toBe(-1);
    // The machine's own stack is always kept.
    expect(heapOf(m).stackContaining(m.stackLo)).toBeGreaterThan(0);
  });

  it('poisoned objects and cells move and stay poisoned; poison is never a reference', () => {
    const m = smallMachine();
    const p = heapOf(m).allocate(3, FORMAT_POINTERS, 4, 0n, TAG_NUM);
    m.setCell(p, 71n);
    m.setCell(p + 8, 0x1234n, TAG_POISON);
    m.setCell(p - 8, m.cell(p - 8), TAG_POISON); // the whole object
    const root = heapOf(m).roots.addPointer(p);
    heapOf(m).collect('minor');
    heapOf(m).collect('major');
    const q = heapOf(m).roots.address(root);
    expect(q).not.toBe(p);
    expect(m.cellTag(q - 8)).toBe(TAG_POISON);
    expect(m.cellTag(q + 8)).toBe(TAG_POISON);
    expect(m.cell(q + 8)).toBe(0x1234n);
    expect(m.cell(q)).toBe(71n);
    m.setRegister(RDI, BigInt(q), TAG_PTR);
    expect(m.call(load(m, 'mov rax, [rdi]\nret')).fault?.kind).toBe('Poisoned');
    expectSound(m);
  });
});

