/*
 * The machine stack grows as the heap does (kernel/memory/stack.ts): Machine.setStack moves
 * the live part and relocates every STACK value; a fault handler that grows the stack lets a
 * recursion far deeper than the first stack object run, up to a limit; the machine goes back
 * to its own stack when the stack is empty.
 */
import { describe, expect, it } from 'vitest';
import { TAG_NUM, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { growStack, moveStack, returnHome, stackCells, wantsRoom } from '../../kernel/memory/stack.ts';
import { heapOf } from '../../kernel/memory/heap.ts';
import { verifyHeap } from '../../kernel/memory/verify.ts';
import { load, smallMachine } from './helpers.ts';

const RAX = 0, RBX = 3, RSP = 4, RBP = 5, RDI = 7;

/**
 * A recursion rdi deep: each frame is a return address and a saved rbp, and the first frame
 * stores its frame pointer into the object in rbx (a STACK value in the heap). It answers the
 * depth reached in rax, returning through every frame with `mov rsp, rbp; pop rbp; ret`, so
 * a frame pointer that was not relocated would fault.
 */
const RECURSION = `
  mov rax, 0
f:
  push rbp
  mov rbp, rsp
  add rax, 1
  cmp rax, 1
  jne deeper
  mov [rbx], rbp
deeper:
  cmp rax, rdi
  je done
  call f
done:
  mov rsp, rbp
  pop rbp
  ret`;

/** A machine whose faults grow the stack up to `limit` cells, as the kernel's handler does. */
function growing(limit: number): Machine {
  const m = smallMachine({}, { stackCells: 1024, cells: 1 << 16, fixedCells: 1 << 12 });
  m.faultHandler = (f) => {
    if (!wantsRoom(m, f) || !growStack(heapOf(m), limit)) return null;
    const code = m.cacheOf(f.code);
    return code ? m.fetch(code, f.offset) : null;
  };
  return m;
}

function recurse(m: Machine, depth: number): { fault: string | null; slot: bigint; slotTag: number } {
  const code = load(m, RECURSION);
  const box = m.allocate(1);
  const held = heapOf(m).roots.add(BigInt(box), TAG_PTR);
  m.setRegister(RBX, BigInt(box), TAG_PTR);
  m.setRegister(RDI, BigInt(depth));
  const r = m.call(code, { steps: 100 * depth + 1000 });
  const p = heapOf(m).roots.address(held);
  heapOf(m).roots.release(held);
  return { fault: r.fault ? `${r.fault.kind}: ${r.fault.message}` : null, slot: m.cell(p), slotTag: m.cellTag(p) };
}

describe('Machine.setStack', () => {
  it('moves the live part to the new top and relocates STACK values in registers, the stack and the heap', () => {
    const m = smallMachine({}, { stackCells: 1024 });
    const top = m.stackHi;
    // A live stack of three cells: a number, a saved frame pointer, a pointer.
    const obj = m.allocate(2);
    m.setCell(obj, BigInt(top - 16), TAG_STACK); // a context's frame, in the heap
    m.setCell(obj + 8, 12345n, TAG_STACK); // a STACK value that is not in this stack: left alone
    m.setCell(top - 8, 7n, TAG_NUM);
    m.setCell(top - 16, BigInt(top - 8), TAG_STACK);
    m.setCell(top - 24, BigInt(obj), TAG_PTR);
    m.setRegister(RSP, BigInt(top - 24), TAG_STACK);
    m.setRegister(RBP, BigInt(top - 16), TAG_STACK);
    const oldLo = m.stackLo;
    const p = heapOf(m).allocateStack(4096);
    expect(p).toBeGreaterThan(0);
    m.setStack(p, p + 4096 * 8);
    const hi = m.stackHi;
    expect([m.stackLo, hi]).toEqual([p, p + 4096 * 8]);
    expect(m.register(RSP)).toBe(BigInt(hi - 24));
    expect(m.register(RBP)).toBe(BigInt(hi - 16));
    expect([m.cell(hi - 8), m.cellTag(hi - 8)]).toEqual([7n, TAG_NUM]);
    expect([m.cell(hi - 16), m.cellTag(hi - 16)]).toEqual([BigInt(hi - 8), TAG_STACK]);
    expect([m.cell(hi - 24), m.cellTag(hi - 24)]).toEqual([BigInt(obj), TAG_PTR]);
    expect([m.cell(obj), m.cellTag(obj)]).toEqual([BigInt(hi - 16), TAG_STACK]);
    expect([m.cell(obj + 8), m.cellTag(obj + 8)]).toEqual([12345n, TAG_STACK]);
    // Nothing in the old stack is a reference any more.
    for (let a = oldLo; a < top; a += 8) expect(m.cellTag(a)).toBe(TAG_NUM);
  });

  it('refuses bounds that cannot hold the live part', () => {
    const m = smallMachine({}, { stackCells: 1024 });
    m.setRegister(RSP, BigInt(m.stackHi - 800), TAG_STACK);
    const p = heapOf(m).allocateStack(64);
    expect(() => m.setStack(p, p + 64 * 8)).toThrow(RangeError);
  });
});

describe('a stack that grows', () => {
  it('runs a recursion 200 times deeper than the first stack object holds, and stays sound', () => {
    const m = growing(1 << 20);
    const r = recurse(m, 200_000);
    expect(r.fault).toBeNull();
    expect(m.register(RAX)).toBe(200_000n);
    expect(m.register(RSP)).toBe(BigInt(m.stackHi));
    expect(stackCells(m)).toBeGreaterThanOrEqual(400_000);
    // The first frame's pointer, stored in the heap, moved with its frame at each growth.
    expect([r.slot, r.slotTag]).toEqual([BigInt(m.stackHi - 16), TAG_STACK]);
    expect(verifyHeap(heapOf(m))).toEqual([]);
  });

  it('stops with a StackOverflow fault at the limit, and the machine is usable after', () => {
    const m = growing(8192);
    const r = recurse(m, 200_000);
    expect(r.fault).toMatch(/^StackOverflow: (push|call) with a full stack/);
    expect(stackCells(m)).toBe(8192);
    m.unwind();
    returnHome(heapOf(m));
    expect(m.onHomeStack).toBe(true);
    expect(recurse(m, 100).fault).toBeNull();
    expect(m.register(RAX)).toBe(100n);
  });

  it('gives the grown stack back when it is empty: the fixed space returns to what it was', () => {
    const m = growing(1 << 20);
    const fixedTop = heapOf(m).fixedTop;
    expect(recurse(m, 100_000).fault).toBeNull();
    expect(m.onHomeStack).toBe(false);
    returnHome(heapOf(m));
    expect(m.onHomeStack).toBe(true);
    // (Beyond what it was, only the room recurse's code object was placed in: a sixteenth of
    // this fixed space is taken for code at a time, heap.ts codeChunk.)
    expect(heapOf(m).fixedTop).toBeLessThanOrEqual(fixedTop + (1 << 12) / 16);
    expect(heapOf(m).stacks).toEqual([(m.homeStackLo >> 3) - 1]);
    // Twice more: the same room serves again, the fixed space does not creep.
    const fixedHi = m.fixedHi;
    for (let i = 0; i < 2; i++) {
      expect(recurse(m, 100_000).fault).toBeNull();
      returnHome(heapOf(m));
    }
    expect(m.fixedHi).toBe(fixedHi);
    heapOf(m).collect('major');
    expect(verifyHeap(heapOf(m))).toEqual([]);
  });

  it('a stale stack address deeper than the machine\'s own stack reaches becomes a number when it goes back', () => {
    const m = growing(1 << 20);
    expect(recurse(m, 100_000).fault).toBeNull();
    const box = m.allocate(2);
    m.setCell(box, BigInt(m.stackLo + 8), TAG_STACK); // a dead frame, deep in the grown stack
    m.setCell(box + 8, BigInt(m.stackHi - 16), TAG_STACK); // one near the top, which still fits
    const hi = m.stackHi;
    returnHome(heapOf(m));
    expect(m.cellTag(box)).toBe(TAG_NUM);
    expect([m.cell(box + 8), m.cellTag(box + 8)]).toEqual([BigInt(m.homeStackHi - 16), TAG_STACK]);
    expect(hi).not.toBe(m.stackHi);
    expect(verifyHeap(heapOf(m))).toEqual([]);
  });

  it('moveStack refuses a stack too small for what is live, changing nothing', () => {
    const m = growing(1 << 20);
    m.setRegister(RSP, BigInt(m.stackHi - 8 * 900), TAG_STACK);
    const before = [m.stackLo, m.stackHi];
    expect(moveStack(heapOf(m), 512)).toBe(false);
    expect([m.stackLo, m.stackHi]).toEqual(before);
  });
});
