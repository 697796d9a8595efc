/*
 * Stress mode: a collection before every allocation, while machine-code programs allocate
 * through the allocation service and keep what they build in registers, on the stack and in
 * older objects. Whatever the collector moves, the programs must compute exactly what they
 * compute without it, and build the same graphs.
 */
import { describe, expect, it } from 'vitest';
import { TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import type { Machine } from '../../kernel/machine/machine.ts';
import { heapOf } from '../../kernel/memory/heap.ts';
import { alloc, expectSound, load, picture, smallMachine } from './helpers.ts';

const RAX = 0, RSP = 4, RSI = 6, RDI = 7, R12 = 12, R13 = 13, R14 = 14;

/**
 * A list of rdi nodes [i, next, bytes]; every node also goes into a 64-slot table made first
 * (which is old by the time most nodes are stored: old-to-young stores), every 8th onto the
 * stack (popped at the end into a checksum in rsi), every 16th gets a byte object.
 */
const LIST = `
  mov r15, rdi
  ${alloc(4, 64)}
  mov r14, rax
  mov r12, 0
  mov rbx, 0
  mov r13, 0
lp:
  ${alloc(3, 3)}
  mov [rax], r12
  mov [rax+8], rbx
  mov rbx, rax
  mov rcx, r12
  and rcx, 63
  mov [r14+rcx*8], rax
  test r12, 7
  jnz skip
  push rax
  add r13, 1
skip:
  test r12, 15
  jnz nobytes
  ${alloc(9, 'r12', 2)}
  mov [rbx+16], rax
nobytes:
  add r12, 1
  cmp r12, r15
  jne lp
  mov rsi, 0
pl:
  pop rcx
  mov rdx, [rcx]
  add rsi, rdx
  imul rsi, rsi, 3
  sub r13, 1
  jnz pl
  mov rax, rbx
  ret`;

/**
 * A binary tree of depth rdi built recursively (partial results wait on the stack across
 * allocations), with garbage made beside every node; then a recursive checksum into rsi.
 */
const TREE = `
  mov r12, 0
  call build
  push rax
  mov rdi, rax
  call sum
  mov rsi, rax
  pop rax
  ret
build:
  cmp rdi, 0
  je leaf
  push rdi
  sub rdi, 1
  call build
  push rax
  mov rdi, [rsp+8]
  sub rdi, 1
  call build
  push rax
  ${alloc(10, 5)}
  ${alloc(7, 3)}
  pop rcx
  mov [rax+8], rcx
  pop rcx
  mov [rax], rcx
  pop rdi
  add r12, 1
  mov [rax+16], r12
  ret
leaf:
  ${alloc(8, 3)}
  add r12, 1
  mov [rax+16], r12
  ret
sum:
  mov rcx, [rdi]
  test rcx, rcx
  jz leafsum
  push rdi
  mov rdi, rcx
  call sum
  mov rdi, [rsp]
  push rax
  mov rdi, [rdi+8]
  call sum
  pop rcx
  imul rcx, rcx, 31
  add rax, rcx
  pop rdi
  add rax, [rdi+16]
  ret
leafsum:
  mov rax, [rdi+16]
  ret`;

interface Outcome { fault: string | null; steps: number; rsi: bigint; r12: bigint; graph: string; table: string; minors: number; majors: number }

function runProgram(source: string, rdi: bigint, stress: boolean): Outcome {
  const m = smallMachine({ stress });
  const code = load(m, source);
  m.setRegister(RDI, rdi);
  const r = m.call(code, { steps: 50_000_000 });
  expectSound(m, `after the program (stress ${stress})`);
  const out = {
    fault: r.fault ? m.describe(r.fault) : null,
    steps: r.steps,
    rsi: m.register(RSI),
    r12: m.register(R12),
    graph: picture(m, m.register(RAX), m.registerTag(RAX)),
    table: picture(m, m.register(R14), m.registerTag(R14)),
    minors: heapOf(m).stats.minorCollections,
    majors: heapOf(m).stats.majorCollections,
  };
  heapOf(m).collect('major');
  expectSound(m, 'after a last major collection');
  expect(picture(m, m.register(RAX), m.registerTag(RAX))).toBe(out.graph);
  return out;
}

describe('stress mode: a collection before every allocation', () => {
  it('a list built by machine code, with old-to-young stores and pointers on the stack, is the same', () => {
    const plain = runProgram(LIST, 3000n, false);
    const stressed = runProgram(LIST, 3000n, true);
    expect(plain.fault).toBeNull();
    expect(stressed.fault).toBeNull();
    // Stress really collected, once per allocation: 3000 nodes, 188 byte objects, the table,
    // and the program's own code object.
    expect(stressed.minors + stressed.majors).toBe(3000 + 188 + 1 + 1);
    expect(stressed.majors).toBeGreaterThan(1000);
    // And without stress, a small nursery still needed collections of both kinds or at least minors.
    expect(plain.minors).toBeGreaterThan(3);
    for (const k of ['steps', 'rsi', 'r12', 'graph', 'table'] as const) expect(stressed[k], k).toEqual(plain[k]);
    expect(plain.graph.split('\n').length).toBe(1 + 3000 + 188);
  });

  it('a tree built recursively, partial trees held on the stack, is the same and sums the same', () => {
    const plain = runProgram(TREE, 8n, false);
    const stressed = runProgram(TREE, 8n, true);
    expect(plain.fault).toBeNull();
    expect(stressed.fault).toBeNull();
    expect(stressed.minors + stressed.majors).toBe(511 + 255 + 1); // nodes, garbage, the code object
    for (const k of ['steps', 'rsi', 'r12', 'graph'] as const) expect(stressed[k], k).toEqual(plain[k]);
    expect(plain.r12).toBe(511n);
  });
});

/** An object with identity: slot 0 holds `id`. */
function make(m: Machine, id: number, slots = 2): number {
  const p = heapOf(m).allocate(slots, 0, 1, 0n, TAG_NUM);
  expect(p).toBeGreaterThan(0);
  m.setCell(p, BigInt(id));
  return p;
}

describe('every kind of reference is updated when objects move', () => {
  it('registers, stack cells, RootSet entries and heap cells follow their objects', () => {
    const m = smallMachine();
    const heap = heapOf(m);
    const a = make(m, 111);
    const b = make(m, 222);
    m.setCell(a + 8, BigInt(b), TAG_PTR); // a heap cell: a.slot1 -> b
    const c = make(m, 333);
    m.setRegister(R12, BigInt(a), TAG_PTR);
    m.setRegister(R13, BigInt(c), TAG_PTR);
    const sp = m.stackHi - 16;
    m.setRegister(RSP, BigInt(sp), 4);
    m.setCell(sp, BigInt(b), TAG_PTR);
    m.setCell(sp + 8, BigInt(c), TAG_PTR);
    const root = heap.roots.add(BigInt(b), TAG_PTR);
    const number = heap.roots.add(12345n, TAG_NUM);
    const idOf = (p: bigint): bigint => m.cell(Number(p));
    const check = (when: string): void => {
      expect(idOf(m.register(R12)), when).toBe(111n);
      expect(idOf(m.register(R13)), when).toBe(333n);
      expect(idOf(m.cell(sp)), when).toBe(222n);
      expect(idOf(m.cell(sp + 8)), when).toBe(333n);
      expect(idOf(heap.roots.value(root)), when).toBe(222n);
      expect(idOf(m.cell(Number(m.register(R12)) + 8)), when).toBe(222n);
      expect(m.cell(Number(m.register(R12)) + 8), when).toBe(heap.roots.value(root));
      expect(heap.roots.value(number), when).toBe(12345n);
      expectSound(m, when);
    };
    check('before');
    heap.collect('minor');
    // Promoted: every reference changed, and still names the same object.
    expect(Number(m.register(R12))).not.toBe(a);
    expect(Number(heap.roots.value(root))).not.toBe(b);
    check('after a minor collection');
    // Garbage below the survivors in old space, so that compaction slides them down.
    for (let i = 0; i < 50; i++) make(m, 900 + i, 30);
    heap.collect('minor');
    const before = Number(m.register(R12));
    for (let i = 0; i < 50; i++) make(m, 900 + i, 30);
    heap.collect('minor');
    check('after more minor collections');
    heap.stress = true;
    make(m, 444); // collects first
    make(m, 555);
    heap.stress = false;
    heap.collect('major');
    check('after major collections');
    expect(Number(m.register(R12))).toBe(before); // nothing below it died
    // Now kill something below: drop c (registers and stack), and the objects before it slide.
    m.setRegister(R13, 0n);
    m.setCell(sp + 8, 0n);
    const aBefore = Number(m.register(R12));
    heap.collect('major');
    expect(idOf(m.register(R12))).toBe(111n);
    expect(idOf(heap.roots.value(root))).toBe(222n);
    expect(m.cell(Number(m.register(R12)) + 8)).toBe(heap.roots.value(root));
    expectSound(m, 'after dropping c');
    expect(aBefore).toBeGreaterThan(0);
  });
});

describe('host allocation', () => {
  it('a pointer fill follows its object when the allocation collects', () => {
    const m = smallMachine();
    const target = make(m, 4242);
    heapOf(m).stress = true;
    const first = heapOf(m).allocate(3, 0, 1, BigInt(target), TAG_PTR); // collects first: target moves
    const held = heapOf(m).roots.addPointer(first);
    const q = heapOf(m).allocateFixed(2, 0, 1, m.cell(first), TAG_PTR); // collects again
    heapOf(m).stress = false;
    const p = heapOf(m).roots.address(held);
    expect(m.cell(p)).not.toBe(BigInt(target));
    for (const [obj, n] of [[p, 3], [q, 2]]) {
      for (let i = 0; i < n; i++) {
        expect(m.cellTag(obj + 8 * i)).toBe(TAG_PTR);
        expect(m.cell(Number(m.cell(obj + 8 * i)))).toBe(4242n);
      }
    }
    expectSound(m);
  });

  it('allocating inside a heap hook (during a collection) is refused', () => {
    const m = smallMachine();
    const p = heapOf(m).allocate(1, 0, 9, 0n, TAG_NUM);
    heapOf(m).roots.addPointer(p);
    heapOf(m).hooks.behaviourOf = () => heapOf(m).allocate(1, 0, 0, 0n, TAG_NUM);
    expect(() => heapOf(m).collect('major')).toThrow(/allocation during a collection/);
  });
});

