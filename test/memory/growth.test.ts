/*
 * Growth: memory grows (WebAssembly.Memory.grow, the tags and cards moving up behind the
 * cells) when live data needs it, and the fixed space grows by sliding old space up. Past
 * the ceiling, allocation from machine code is an OutOfMemory fault ("out of memory: ...") that
 * leaves the machine usable; from the host it is -1.
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { heapOf } from '../../kernel/memory/heap.ts';
import { bytesOf } from '../support/machine.ts';
import { alloc, expectSound, LIST, load, smallMachine } from './helpers.ts';

const RAX = 0, RBX = 3, RDI = 7;


/** Walk a LIST from its head: the number of nodes, checking each value. */
function walk(m: Machine, head: number): number {
  let p = head, n = 0;
  let expected = -1n;
  while (p !== 0) {
    const v = m.cell(p);
    if (expected >= 0n) expect(v).toBe(expected);
    expected = v - 1n;
    n++;
    p = m.cellTag(p + 8) === TAG_PTR ? Number(m.cell(p + 8)) : 0;
  }
  return n;
}

describe('memory grows', () => {
  it('past its first size, with everything live', () => {
    const m = smallMachine();
    const first = m.store.cellCount;
    const generation = m.store.generation;
    const code = load(m, LIST);
    m.setRegister(RDI, 200_000n);
    const r = m.call(code, { steps: 10_000_000 });
    expect(r.fault).toBeNull();
    expect(m.store.cellCount).toBeGreaterThan(first + 3 * 200_000);
    expect(m.store.generation).toBeGreaterThan(generation);
    expect(heapOf(m).stats.grows).toBeGreaterThan(0);
    expect(walk(m, Number(m.register(RAX)))).toBe(200_000);
    expectSound(m);
    // Memory reached through the Memory capability did not: it is low memory, whatever the heap's size.
    const high = m.lowCells - 1;
    const probe = load(m, `mov rcx, ${high}\nmov rax, [rcx*8]\nmov rcx, ${high + 1}\nmov rax, [rcx*8]\nret`);
    const p = m.call(probe);
    expect(p.fault?.kind).toBe('Bounds');
    expect(p.steps).toBe(3);
  });

  it('the fixed space grows by sliding old space up, and everything still works', () => {
    const m = smallMachine();
    const list = load(m, LIST);
    m.setRegister(RDI, 5000n);
    expect(m.call(list).fault).toBeNull();
    const head = heapOf(m).roots.add(m.register(RAX), TAG_PTR);
    const fixedHi = m.fixedHi;
    const oldLo = heapOf(m).oldLo;
    // 2000 live code objects of 4 cells: more than the fixed space had room for.
    const codes: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const c = m.loadCode(bytesOf(`mov rax, ${1000 + i}\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nnop\nret`));
      expect(c).toBeGreaterThan(0);
      codes.push(heapOf(m).roots.add(BigInt(c), TAG_PTR));
    }
    expect(m.fixedHi).toBeGreaterThan(fixedHi);
    expect(heapOf(m).oldLo).toBe(m.fixedHi);
    expect(heapOf(m).oldLo).toBeGreaterThan(oldLo);
    // The code maps reach every code object (they cover the fixed space as far as code does).
    expect(m.codeStartOf.length).toBeLessThanOrEqual(m.fixedHi - m.fixedLo);
    for (const c of codes) expect(m.cacheOf(heapOf(m).roots.address(c))).toBeDefined();
    expect(walk(m, heapOf(m).roots.address(head))).toBe(5000);
    for (let i = 0; i < 2000; i += 37) {
      const r = m.call(heapOf(m).roots.address(codes[i]));
      expect(r.fault).toBeNull();
      expect(m.register(RAX)).toBe(BigInt(1000 + i));
    }
    expectSound(m);
  });

  it('out of memory beyond the ceiling is an OutOfMemory fault, and the machine stays usable', () => {
    const m = smallMachine({ maxCells: 1 << 18 });
    const code = load(m, LIST);
    m.setRegister(RDI, 10_000_000n);
    const r = m.call(code, { steps: 100_000_000 });
    expect(r.fault?.kind).toBe('OutOfMemory');
    expect(r.fault?.message).toMatch(/^out of memory: no room for an object of 2 slots \(memory is \d+ cells, the ceiling is 262144\)/);
    expect(r.fault?.instruction).toBe('syscall');
    expect(m.store.cellCount).toBeLessThanOrEqual(1 << 18);
    const built = walk(m, Number(m.register(RBX)));
    expect(built).toBeGreaterThan(50_000);
    expectSound(m, 'at the fault');
    // From the host: -1.
    expect(heapOf(m).allocate(200_000, FORMAT_POINTERS, 0, 0n, TAG_NUM)).toBe(-1);
    // Let the list go: there is room again.
    m.unwind();
    m.setRegister(RAX, 0n);
    m.setRegister(RBX, 0n);
    m.setRegister(RDI, 1000n);
    const again = m.call(code);
    expect(again.fault).toBeNull();
    expect(walk(m, Number(m.register(RAX)))).toBe(1000);
    expect(heapOf(m).allocate(20_000, FORMAT_POINTERS, 0, 0n, TAG_NUM)).toBeGreaterThan(0);
    expectSound(m, 'after recovering');
  });

  it('bad requests to the allocation service are Service faults that say what is wrong; one too large for any memory is OutOfMemory', () => {
    const m = smallMachine();
    const cases: [string, RegExp, string][] = [
      [`mov rcx, 200000\nmov rdx, 1\nmov r8, 0`, /class index in rcx \(200000\) is not in 0 \.\. 131071/, 'Service'],
      [`mov rcx, 1\nmov rdx, 1\nmov r8, 3`, /format in r8 \(3\) is not 0 \(pointers\), 1 \(words\) or 2 \(bytes\)/, 'Service'],
      [`mov rcx, 1\nmov rdx, -1\nmov r8, 1`, /size in rdx \(-1\) is negative/, 'Service'],
      [`mov rcx, 1\nmov rdx, 0x7fffffff\nmov r8, 1`, /an object of 2147483647 slots is larger than the largest/, 'OutOfMemory'],
      [`mov rcx, 1\nmov rdx, 0x10000000000\nmov r8, 1`, /an object of 1099511627776 slots is larger than the largest/, 'OutOfMemory'],
    ];
    for (const [setup, message, kind] of cases) {
      const r = m.call(load(m, `${setup}\nmov r11, 0\nsyscall\nret`));
      expect(r.fault?.kind).toBe(kind);
      expect(r.fault?.message).toMatch(message);
      m.unwind();
    }
    const bytes = m.call(load(m, `${alloc(9, 13, 2)}\nret`));
    expect(bytes.fault).toBeNull();
    const p = Number(m.register(RAX));
    expect(m.store.cells32[2 * ((p >> 3) - 1)]).toBe(2); // 13 bytes: 2 cells, 3 bytes of pad
    expect((m.store.cells32[2 * ((p >> 3) - 1) + 1] >> 4) & 7).toBe(3);
    expectSound(m);
  });

  it('the allocation service fills pointer slots with the heap fill', () => {
    const m = smallMachine();
    const nil = heapOf(m).allocateFixed(0, FORMAT_POINTERS, 1, 0n, TAG_NUM);
    heapOf(m).roots.addPointer(nil);
    heapOf(m).fill = { value: BigInt(nil), tag: TAG_PTR };
    expect(m.call(load(m, `${alloc(5, 3)}\nret`)).fault).toBeNull();
    const p = Number(m.register(RAX));
    for (let i = 0; i < 3; i++) {
      expect(m.cell(p + 8 * i)).toBe(BigInt(nil));
      expect(m.cellTag(p + 8 * i)).toBe(TAG_PTR);
    }
    expect(m.call(load(m, `${alloc(5, 3, 1)}\nret`)).fault).toBeNull();
    const w = Number(m.register(RAX));
    expect(m.cellTag(w)).toBe(TAG_NUM);
    expectSound(m);
  });
});

describe('promotion room', () => {
  // A program whose objects live a while and then die (each node is kept in a ring of 512 until
  // 512 more are made): every minor collection promotes the ring's nodes, which die in old space
  // soon after. The room old space has after a major collection takes several minor collections'
  // promotions before the next major one. With room for only one nursery, every other minor
  // collection became a major one (NBody in the Are We Fast Yet suite: 28 majors to 29 minors).
  const RING = `
  ${alloc(4, 512)}
  mov rbx, rax
  mov r12, 0
lp:
  ${alloc(3, 2)}
  mov [rax], r12
  mov r13, r12
  and r13, 511
  mov [rbx+r13*8], rax
  add r12, 1
  cmp r12, rdi
  jne lp
  mov rax, rbx
  ret`;

  it.each([1, 4])('room for %i nurseries', (room) => {
    // Memory as tight as an opened image's: old space starts with room for about one nursery.
    const m = smallMachine({ promotionRoom: room }, { cells: 1 << 14 });
    const heap = heapOf(m);
    const code = load(m, RING);
    m.setRegister(RDI, 60_000n);
    expect(m.call(code, { steps: 50_000_000 }).fault).toBeNull();
    const { minorCollections: minor, majorCollections: major } = heap.stats;
    console.log(`promotion room ${room}: ${minor} minor, ${major} major collections`);
    expect(minor + major).toBeGreaterThan(30);
    if (room === 1) expect(major).toBeGreaterThan((minor + major) / 3);
    else expect(major).toBeLessThan((minor + major) / 6);
    // The ring holds the last 512 nodes made.
    const ring = Number(m.register(RAX));
    for (let i = 0; i < 512; i++) expect(m.cell(Number(m.cell(ring + 8 * i)))).toBe(BigInt(60_000 - 512 + ((i - 60_000) % 512 + 512) % 512));
    // After a major collection, old space has room for that many nurseries.
    heap.collect('major');
    expect(heap.oldEnd - heap.oldTop).toBeGreaterThanOrEqual(room * heap.nurseryCells);
    expectSound(m);
  });
});
