/*
 * A jump out of nested calls to a return address that is also an inner frame's continuation
 * (found by the Forth front end's THROW, issue 15): N calls itself three deep, the innermost
 * calls T, and T drops the frames between and jumps to the continuation of the outermost N's
 * call, with rbx changed (as a THROW restores the threaded code's registers). The inner Ns'
 * calls have the same continuation (the same code object, the same offset), so only the
 * machine stack and the registers say which frame goes on: the interpreter takes rbx = 100
 * from the registers; both tiers must answer the same.
 */
import { describe, expect, it } from 'vitest';
import { TAG_NUM, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import { bytesOf, newMachine } from '../support/machine.ts';

const N_CELL = 100, T_CELL = 101;

function run(tier: 'interpret' | 'translate', via: 'code' | 'service'): { rax: bigint; rbx: bigint; fault: string | null } {
  const m = newMachine({ tier });
  // T: a host service drops the frames, sets r13 to the outer continuation and rbx to 100
  // (as the Forth THROW did), then T jumps.
  m.services[20] = (mm) => {
    const sp = Number(mm.register(4)) + 40;
    mm.setRegister(13, mm.cell(sp), mm.cellTag(sp));
    mm.setRegister(4, BigInt(sp + 8), TAG_STACK);
    mm.setRegister(3, 100n, TAG_NUM);
    return null;
  };
  const t = m.loadCode(bytesOf(via === 'service' ? 'mov r11, 20; syscall; jmp r13' : 'add rsp, 40; pop r13; mov rbx, 100; jmp r13'));
  const n = m.loadCode(bytesOf([
    'cmp rbx, 0', 'je leaf', 'push rbx', 'sub rbx, 1', `mov rcx, [${8 * N_CELL}]`, 'call rcx', 'pop rcx', 'add rax, rbx', 'ret',
    `leaf: mov rcx, [${8 * T_CELL}]`, 'call rcx', 'ret',
  ].join('\n')));
  m.setCell(8 * N_CELL, BigInt(n), TAG_PTR);
  m.setCell(8 * T_CELL, BigInt(t), TAG_PTR);
  const e = m.loadCode(bytesOf(`xor rax, rax\nmov rbx, 3\nmov rcx, [${8 * N_CELL}]\ncall rcx\nret`));
  // Twice: the second run is all translated code in the translating tier.
  m.call(e, { steps: 10_000 });
  const r = m.call(e, { steps: 10_000 });
  return { rax: m.register(0), rbx: m.register(3), fault: r.fault ? r.fault.message : null };
}

describe('a jump out of nested calls, to a continuation inner frames share', () => {
  for (const via of ['code', 'service'] as const) {
    it(`goes on with the registers as they are, in both tiers (the registers set by ${via})`, () => {
      const interpreted = run('interpret', via);
      expect(interpreted).toEqual({ rax: 100n, rbx: 100n, fault: null });
      expect(run('translate', via)).toEqual(interpreted);
    });
  }
});
