/*
 * Helpers for the object-memory tests: machines with small heaps, machine-code programs that
 * allocate through the allocation service, and a canonical picture of an object graph, so
 * that two heaps (with and without stress, or before and after collections) can be compared.
 */
import { expect } from 'vitest';
import { FORMAT_BYTES, TAG_CODE, TAG_HDR, TAG_NAMES, TAG_PTR } from '../../kernel/machine/cells.ts';
import { Machine, type MachineOptions } from '../../kernel/machine/machine.ts';
import { Heap, heapOf, SERVICE_ALLOCATE, type HeapOptions } from '../../kernel/memory/heap.ts';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { bytesOf } from '../support/machine.ts';

/** A machine with a small heap (so collections come often). */
export function smallMachine(heap: HeapOptions = {}, machine: MachineOptions = {}): Machine {
  const m = new Machine({ cells: 1 << 17, fixedCells: 1 << 13, stackCells: 1 << 12, ...machine });
  new Heap(m, { nurseryCells: 1 << 12, ...heap });
  return m;
}

/** Assembly that allocates: rax = a new object of `slots` slots (format 0 pointers, 1 words, 2 bytes). */
export function alloc(classIndex: number | string, slots: number | string, format = 0): string {
  return `mov rcx, ${classIndex}\nmov rdx, ${slots}\nmov r8, ${format}\nmov r11, ${SERVICE_ALLOCATE}\nsyscall\n`;
}

/** Machine code building a list of rdi nodes [i, next] (class 3), its head in rax (and rbx). */
export const LIST = `
  mov rbx, 0
  mov r12, 0
lp:
  ${alloc(3, 2)}
  mov [rax], r12
  mov [rax+8], rbx
  mov rbx, rax
  add r12, 1
  cmp r12, rdi
  jne lp
  ret`;

/** Load a program and hold it in the RootSet (code objects are collected too); returns its address. */
export function load(m: Machine, source: string): number {
  const code = m.loadCode(bytesOf(source));
  if (code < 0) throw new Error('no room for the program');
  heapOf(m).roots.add(BigInt(code), TAG_PTR);
  return code;
}

/**
 * A canonical picture of everything reachable from (value, tag): objects are numbered in
 * the order a depth-first walk meets them, so the picture does not depend on addresses.
 */
export function picture(m: Machine, value: bigint, tag: number): string {
  const seen = new Map<number, number>();
  const out: string[] = [];
  const name = (v: bigint, t: number): string => {
    if (t !== TAG_PTR) return `${TAG_NAMES[t]}:${t === TAG_CODE ? 'code' : v}`;
    return `#${visit(Number(v))}`;
  };
  const pending: number[] = [];
  const visit = (p: number): number => {
    const known = seen.get(p);
    if (known !== undefined) return known;
    const id = seen.size;
    seen.set(p, id);
    pending.push(p);
    return id;
  };
  const top = name(value, tag);
  while (pending.length > 0) {
    const p = pending.shift()!;
    const h = (p >> 3) - 1;
    expect(m.store.tags[h], `object at ${p} has a header`).toBe(TAG_HDR);
    const slots = m.store.cells32[2 * h] >>> 0;
    const high = m.store.cells32[2 * h + 1];
    const format = high & 0xf;
    const parts: string[] = [`#${seen.get(p)} class ${high >>> 15} format ${format}`];
    if (format === FORMAT_BYTES) {
      parts.push(Buffer.from(m.store.bytes.subarray(p, p + slots * 8)).toString('hex'));
    } else {
      for (let i = 0; i < slots; i++) parts.push(name(m.cell(p + 8 * i), m.cellTag(p + 8 * i)));
    }
    out.push(parts.join(' '));
  }
  return `${top}\n${out.join('\n')}`;
}

/** The heap's invariants hold. */
export function expectSound(m: Machine, when = ''): void {
  expect(verifyHeap(heapOf(m)), when).toEqual([]);
}
