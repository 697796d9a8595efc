/*
 * The machine's watch (Machine.watch, a debugger's single-stepping): asked before every
 * instruction but the first, it stops the run at the instruction it names, resumably; while
 * it is set only the interpreter runs, so translated code is stepped instruction by
 * instruction as the interpreter would, and the run ends in the same state as without a
 * watch on either tier.
 */
import { describe, expect, it } from 'vitest';
import { Heap } from '../../kernel/memory/heap.ts';
import { assemble } from '../../kernel/machine/x86/assembler.ts';
import type { Insn } from '../../kernel/machine/insn.ts';
import { differences, machinePair, snapshot, translateAll } from './compare.ts';

// A loop of 5 rounds (4 instructions each), then a ret: 3 + 5 * 4 + 1 = 24 instructions.
const LOOP = `mov rcx, 5
xor rax, rax
xor rdx, rdx
again:
add rax, rcx
add rdx, 2
dec rcx
jne again
ret`;

describe('the watch', () => {
  it('is asked before each instruction, stops where it answers true, and the run resumes to the same end on both tiers', () => {
    const r = assemble(LOOP);
    if (!r.ok) throw new Error(r.error.message);
    const [a, b] = machinePair({ cells: 1 << 16, fixedCells: 1 << 14, stackCells: 256 });
    new Heap(a); new Heap(b);
    const codeA = a.loadCode(r.bytes), codeB = b.loadCode(r.bytes);
    expect(translateAll(b, [codeB])).toBe(1);
    const ends = [];
    for (const [m, code] of [[a, codeA], [b, codeB]] as const) {
      const seen: number[] = [];
      let adds = 0;
      // Stop at the third time round, before `add rax, rcx`.
      const addAt = 13; // mov rcx, 5 (7 bytes), two xors (3 each)
      m.watch = (next: Insn) => { seen.push(next.off); return next.off === addAt && ++adds === 3; };
      const first = m.call(code, { steps: 1000 });
      expect(first.fault?.kind).toBe('StepLimit');
      expect(m.watchStopped).toBe(true);
      m.watchStopped = false;
      expect(m.resumeAt?.off).toBe(addAt);
      // Two rounds done: rax = 5 + 4, rcx = 3.
      expect(m.register(0)).toBe(9n);
      expect(m.register(1)).toBe(3n);
      // Every instruction was seen (the interpreter stepped the translated code too).
      expect(seen.length).toBe(first.steps);
      m.watch = () => false;
      const rest = m.resume({ steps: 1000 });
      m.watch = null;
      expect(rest.fault).toBeNull();
      expect(first.steps + rest.steps).toBe(24);
      expect(m.register(0)).toBe(15n);
      ends.push(snapshot(m, rest, null));
    }
    expect(differences(ends[0], ends[1])).toEqual([]);
    // With no watch, the translated code runs as before.
    const again = b.call(codeB, { steps: 1000 });
    expect(again.fault).toBeNull();
    expect(b.register(0)).toBe(15n);
  });
});
