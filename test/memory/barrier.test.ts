/*
 * The write barrier: storing a pointer sets the card of the cell it is stored into, and a
 * minor collection finds old-to-young pointers by those cards alone. A young object stored
 * only into an old one must survive the minor collection, and the old object's slot must be
 * updated to where it went.
 */
import { describe, expect, it } from 'vitest';
import { CARD_POINTER, CARD_SHIFT, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { heapOf } from '../../kernel/memory/heap.ts';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { alloc, expectSound, load, smallMachine } from './helpers.ts';

const RAX = 0, RDI = 7;

/** An old object: made, held in the RootSet, promoted by a minor collection. */
function oldObject(m: Machine, slots: number): number {
  const p = heapOf(m).allocate(slots, 0, 2, 0n, TAG_NUM);
  const root = heapOf(m).roots.add(BigInt(p), TAG_PTR);
  heapOf(m).collect('minor');
  const q = heapOf(m).roots.address(root);
  expect(heapOf(m).inNursery(q)).toBe(false);
  expect(q).not.toBe(p);
  return root;
}

/** The write barrier's bit of an address's card (CARD_WRITTEN, the other bit, is for snapshots: image/snapshot.ts). */
const card = (m: Machine, address: number): number => m.store.cards[(address >> 3) >> CARD_SHIFT] & CARD_POINTER;

/** Stores, each a different route: the MOV_STORE fast path, pop to memory (the general routine). */
const STORES = {
  'mov [rdi+8], rax': `${alloc(5, 2)}\nmov qword ptr [rax], 42\nmov [rdi+8], rax\nret`,
  'pop qword ptr [rdi+8]': `${alloc(5, 2)}\nmov qword ptr [rax], 42\npush rax\npop qword ptr [rdi+8]\nret`,
};

describe('the card barrier', () => {
  for (const [how, source] of Object.entries(STORES)) {
    it(`a young object stored into an old one by machine code (${how}) survives a minor collection`, () => {
      const m = smallMachine();
      const root = oldObject(m, 4);
      const code = load(m, source);
      const old = heapOf(m).roots.address(root);
      expect(card(m, old + 8)).toBe(0);
      m.setRegister(RDI, BigInt(old), TAG_PTR);
      const r = m.call(code);
      expect(r.fault).toBeNull();
      const young = Number(m.register(RAX));
      expect(heapOf(m).inNursery(young)).toBe(true);
      expect(m.cell(old + 8)).toBe(BigInt(young));
      expect(card(m, old + 8)).toBe(1);
      expectSound(m);
      // Nothing else refers to the young object: only the card can save it.
      m.setRegister(RAX, 0n);
      m.setRegister(RDI, 0n);
      heapOf(m).collect('minor');
      expect(heapOf(m).stats.lastKind).toBe('minor');
      const moved = Number(m.cell(old + 8));
      expect(m.cellTag(old + 8)).toBe(TAG_PTR);
      expect(moved).not.toBe(young);
      expect(heapOf(m).inNursery(moved)).toBe(false);
      expect(m.cell(moved)).toBe(42n);
      expect(card(m, old + 8)).toBe(0);
      expectSound(m, 'after the minor collection');
    });
  }

  it('without the card, the minor collection loses the young object (so the test above can fail)', () => {
    const m = smallMachine();
    const root = oldObject(m, 4);
    const code = load(m, STORES['mov [rdi+8], rax']);
    const old = heapOf(m).roots.address(root);
    m.setRegister(RDI, BigInt(old), TAG_PTR);
    expect(m.call(code).fault).toBeNull();
    m.setRegister(RAX, 0n);
    m.setRegister(RDI, 0n);
    m.store.cards.fill(0); // as if there were no barrier
    expect(verifyHeap(heapOf(m)).join('\n')).toMatch(/points into the nursery .* but its card is clean/);
    heapOf(m).collect('minor');
    expect(verifyHeap(heapOf(m)).join('\n')).toMatch(/holds a pointer to \d+, which is not an object/);
  });

  it('stores of numbers set no card; host stores of pointers (setCell) do', () => {
    const m = smallMachine();
    const root = oldObject(m, 4);
    const old = heapOf(m).roots.address(root);
    const code = load(m, 'mov rax, 7\nmov [rdi], rax\nmov qword ptr [rdi+8], 9\nret');
    m.setRegister(RDI, BigInt(old), TAG_PTR);
    expect(m.call(code).fault).toBeNull();
    expect(card(m, old)).toBe(0);
    const young = heapOf(m).allocate(1, 0, 3, 0n, TAG_NUM);
    m.setCell(young, 77n);
    m.setCell(old + 16, BigInt(young), TAG_PTR);
    expect(card(m, old + 16)).toBe(1);
    heapOf(m).collect('minor');
    const moved = Number(m.cell(old + 16));
    expect(m.cell(moved)).toBe(77n);
    expectSound(m);
  });

  it('a pointer stored through the Memory capability into low memory keeps its object alive and is updated', () => {
    const m = smallMachine();
    const code = load(m, `${alloc(5, 1)}\nmov qword ptr [rax], 99\nmov rcx, 100\nmov [rcx*8], rax\nret`);
    expect(m.call(code).fault).toBeNull();
    m.setRegister(RAX, 0n);
    expect(m.cellTag(800)).toBe(TAG_PTR);
    heapOf(m).collect('minor');
    expect(m.cell(Number(m.cell(800)))).toBe(99n);
    heapOf(m).collect('major');
    expect(m.cell(Number(m.cell(800)))).toBe(99n);
    expectSound(m);
  });
});
