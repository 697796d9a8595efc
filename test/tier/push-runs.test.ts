/*
 * A run of pushes in one block checks the stack's room for all of them at its first push
 * (translate.ts, pushRun). Where the room runs out in the middle of the run, the translated
 * code must still fault where the interpreter faults, with the same registers, stack and
 * count: at every push of the run, with other instructions between them.
 */
import { describe, expect, it } from 'vitest';
import { Heap } from '../../kernel/memory/heap.ts';
import { assemble } from '../../kernel/machine/x86/assembler.ts';
import { differences, machinePair, snapshot, translateAll } from './compare.ts';

const RUN = [
  'push rbp', 'mov rbp, rsp', 'push rax', 'push qword ptr [rbp]', 'add rax, 1', 'push 7', 'push rax',
].join('\n');

describe('a run of pushes in translated code', () => {
  it('faults at the push the interpreter faults at, whatever room the stack has left', () => {
    const faultsAt = new Set<string>();
    for (let room = 0; room <= 6; room++) {
      // (rsp is moved down to leave `room` cells above the stack's bottom, then the run)
      const [a, b] = machinePair({ cells: 1 << 16, fixedCells: 1 << 14, stackCells: 256 });
      new Heap(a); new Heap(b);
      // (a call enters with rsp one cell below the stack's top, where its return address is)
      const down = a.stackHi - 8 - (a.stackLo + 8 * room);
      const r = assemble(`sub rsp, ${down}\n${RUN}\nadd rsp, ${down + 40}\nret`);
      if (!r.ok) throw new Error(r.error.message);
      const codeA = a.loadCode(r.bytes), codeB = b.loadCode(r.bytes);
      expect(translateAll(b, [codeB])).toBe(1);
      for (const m of [a, b]) { m.setRegister(0, 41n); m.setRegister(5, 0n); }
      const ra = a.call(codeA, { steps: 100 });
      const rb = b.call(codeB, { steps: 100 });
      expect(differences(snapshot(a, ra, null), snapshot(b, rb, null)), `room ${room}`).toEqual([]);
      faultsAt.add(ra.fault ? `${ra.fault.kind} ${ra.fault.instruction}` : 'none');
    }
    // (the cases reach every push of the run, and past it)
    expect([...faultsAt].sort()).toEqual([
      'StackOverflow push 7', 'StackOverflow push qword ptr [rbp]', 'StackOverflow push rax', 'StackOverflow push rbp', 'none',
    ].sort());
  });
});
