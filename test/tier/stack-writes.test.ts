/*
 * A write to rsp that would take it out of the stack faults in both tiers, alike. Found by
 * test/machine/robustness.test.ts, seed 1406191641, case 2268, in the translated project:
 * `and rsp, 0x2006103` left rsp at 0, because a function with no memory access never loaded
 * the stack's bounds it checks rsp against (liveness.ts: a write to rsp reads the layout).
 */
import { describe, expect, it } from 'vitest';
import { Heap } from '../../kernel/memory/heap.ts';
import { assemble } from '../../kernel/machine/x86/assembler.ts';
import { differences, machinePair, snapshot, translateAll } from './compare.ts';

const CASES: readonly string[] = [
  'and rsp, 0x2006103\nsyscall',
  'and rsp, 0x2006103\nret',
  'mov rsp, rax\nret',
  'add rsp, 0x100000\nret',
  'sub rsp, 0x100000\nret',
  'lea rsp, [rsp+0x100000]\nret',
];

describe('writes to rsp in translated code', () => {
  it.each(CASES)('%s faults as the interpreter does', (source) => {
    const r = assemble(source);
    if (!r.ok) throw new Error(r.error.message);
    const [a, b] = machinePair({ cells: 1 << 16, fixedCells: 1 << 14, stackCells: 256 });
    new Heap(a); new Heap(b);
    const codeA = a.loadCode(r.bytes), codeB = b.loadCode(r.bytes);
    expect(translateAll(b, [codeB])).toBe(1);
    for (const m of [a, b]) m.setRegister(0, 12345n);
    const ra = a.call(codeA, { steps: 100 });
    let rb;
    expect(() => { rb = b.call(codeB, { steps: 100 }); }).not.toThrow();
    expect(['StackOverflow', 'Tag']).toContain(ra.fault?.kind); // (a number is no stack address: Tag)
    expect(differences(snapshot(a, ra, null), snapshot(b, rb!, null))).toEqual([]);
  });
});
