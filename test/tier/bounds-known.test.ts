/*
 * The translator finds a base register's memory bounds (the stack's, its object's, low
 * memory's) once and keeps them for the rest of the block, and for a label only the block
 * just before falls into (translate.ts, FunctionWriter.bounds): until the register is written
 * (a mov, a cmov, a pop, a lea) or the host runs (a call). Each program reads a 3-slot object
 * through rbx, then, on some path, points rbx at a 1-slot object and reads its slot 2: a
 * Bounds fault, at the same instruction with the same state in both tiers; on the paths that
 * keep rbx, no fault, the same answer.
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_POINTERS, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import { Heap } from '../../kernel/memory/heap.ts';
import { assemble } from '../../kernel/machine/x86/assembler.ts';
import { differences, machinePair, snapshot, translateAll } from './compare.ts';

/** [what, program, rdx, faults] (rdx steers the branches). */
const CASES: readonly [string, string, number, boolean][] = [
  ['mov in the block', 'mov rax, [rbx+16]\nmov rbx, rcx\nmov rax, [rbx+16]\nret', 0, true],
  ['cmov taken', 'mov rax, [rbx+16]\ncmp rdx, 0\ncmove rbx, rcx\nmov rax, [rbx+16]\nret', 0, true],
  ['cmov not taken', 'mov rax, [rbx+16]\ncmp rdx, 0\ncmove rbx, rcx\nmov rax, [rbx+16]\nret', 1, false],
  ['pop', 'mov rax, [rbx+16]\npush rcx\npop rbx\nmov rax, [rbx+16]\nret', 0, true],
  ['lea', 'mov rax, [rbx+16]\nlea rbx, [rcx]\nmov rax, [rbx+16]\nret', 0, true],
  ['a join after a branch, written on one way', 'mov rax, [rbx+16]\ntest rdx, rdx\nje join\nmov rbx, rcx\njoin: mov rax, [rbx+16]\nret', 1, true],
  ['a join after a branch, the other way', 'mov rax, [rbx+16]\ntest rdx, rdx\nje join\nmov rbx, rcx\njoin: mov rax, [rbx+16]\nret', 0, false],
  ['a join the label before falls into, reached from elsewhere with it written', 'mov rax, [rbx+16]\ntest rdx, rdx\nje keep\nmov rbx, rcx\njmp join\nkeep: mov rax, [rbx+8]\njoin: mov rax, [rbx+16]\nret', 1, true],
  ['falling into the next label', 'mov rax, [rbx+16]\ntest rdx, rdx\nje out\nmov rax, [rbx+8]\nmov rbx, rcx\nmov rax, [rbx+16]\nout: ret', 1, true],
  ['a call that writes it', 'mov rax, [rbx+16]\ncall fn\nmov rax, [rbx+16]\nret\nfn: mov rbx, rcx\nret', 0, true],
  ['a stack address, then an object', 'mov rax, [rbx+16]\nmov rbx, rsp\nmov rax, [rbx]\nmov rbx, rcx\nmov rax, [rbx+16]\nret', 0, true],
  ['a loop that moves it', 'mov r8, 3\nlp: mov rax, [rbx+16]\ncmp r8, 2\ncmove rbx, rcx\nsub r8, 1\njne lp\nret', 0, true],
];

describe('bounds the translator keeps for a base register', () => {
  it.each(CASES)('%s: as the interpreter', (_what, source, rdx, faults) => {
    const r = assemble(source);
    if (!r.ok) throw new Error(r.error.message);
    const [a, b] = machinePair({ cells: 1 << 16, fixedCells: 1 << 14, stackCells: 256 });
    const heaps = [new Heap(a), new Heap(b)];
    const codeA = a.loadCode(r.bytes), codeB = b.loadCode(r.bytes);
    expect(translateAll(b, [codeB])).toBe(1);
    for (const [k, m] of [a, b].entries()) {
      const heap = heaps[k];
      // (the small one first, so its slot 2 lies inside the big one: bounds kept from the big
      // one would let the read through)
      const small = heap.allocate(1, FORMAT_POINTERS, 1, 7n, 0);
      const big = heap.allocate(3, FORMAT_POINTERS, 1, 7n, 0);
      expect(big).toBe(small + 16);
      expect(Math.min(big, small)).toBeGreaterThan(0);
      m.setRegister(3, BigInt(big), TAG_PTR);
      m.setRegister(1, BigInt(small), TAG_PTR);
      m.setRegister(2, BigInt(rdx));
      expect(m.registerTag(4)).toBe(TAG_STACK);
    }
    const ra = a.call(codeA, { steps: 100 });
    let rb;
    expect(() => { rb = b.call(codeB, { steps: 100 }); }).not.toThrow();
    expect(ra.fault?.kind ?? null).toBe(faults ? 'Bounds' : null);
    expect(differences(snapshot(a, ra, null), snapshot(b, rb!, null))).toEqual([]);
  });
});
