/*
 * The tag and bounds rules of DESIGN.md section 2, one test per rule, each showing the fault
 * a program meets when it breaks the rule, and that nothing changed before the fault.
 */
import { describe, expect, it } from 'vitest';
import { TAG_CODE, TAG_HDR, TAG_NUM, TAG_POISON, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import { Machine } from '../../kernel/machine/machine.ts';
import { bytesOf, newMachine, runAsm } from '../support/machine.ts';

const RAX = 0, RCX = 1, RBX = 3, RSI = 6, RDI = 7;

/** A machine with a 3-slot object (slots 11, 22, 33) whose pointer is in rdi. */
function withObject(m: Machine): number {
  const p = m.allocate(3);
  m.setCell(p, 11n); m.setCell(p + 8, 22n); m.setCell(p + 16, 33n);
  m.setRegister(RDI, BigInt(p), TAG_PTR);
  return p;
}

describe('pointers cannot be forged', () => {
  it('arithmetic on a pointer gives a number, which cannot be used as code', () => {
    const r = runAsm('mov rax, rdi; add rax, 0; jmp rax', withObject);
    expect(r.fault?.kind).toBe('Tag');
    expect(r.fault?.instruction).toBe('jmp rax');
    expect(r.fault?.message).toMatch(/is a number, not a code address/);
    expect(r.m.registerTag(RAX)).toBe(TAG_NUM);
  });

  it('a jump or call to a number says which number, signed', () => {
    for (const text of ['mov rax, -8; jmp rax', 'mov rax, -8; call rax', 'push -8; ret']) {
      const r = runAsm(text);
      expect(r.fault?.kind, text).toBe('Tag');
      expect(r.fault?.message, text).toMatch(/ -0x8 is a number, not a code address/);
    }
  });

  it('every arithmetic and logic result is a number, a copy keeps the tag', () => {
    for (const op of ['add rax, 0', 'sub rax, 0', 'or rax, 0', 'and rax, -1', 'xor rax, 0', 'imul rax, rax, 1', 'lea rax, [rax]', 'neg rax; neg rax', 'not rax; not rax', 'shl rax, 0', 'shl rax, 1; shr rax, 1']) {
      const r = runAsm(`mov rax, rdi; ${op}; ret`, withObject);
      expect(r.fault, op).toBeNull();
      const shiftByZero = op === 'shl rax, 0';
      expect(r.m.registerTag(RAX), op).toBe(shiftByZero ? TAG_PTR : TAG_NUM);
      expect(r.m.register(RAX), op).toBe(r.m.register(RDI));
    }
    const copy = runAsm('mov rax, rdi; push rax; pop rbx; mov [rdi], rbx; mov rcx, [rdi]; ret', withObject);
    expect(copy.fault).toBeNull();
    expect(copy.m.registerTag(RBX)).toBe(TAG_PTR);
    expect(copy.m.registerTag(RCX)).toBe(TAG_PTR);
  });

  it('a number equal to an object address is still only a number', () => {
    const m = newMachine();
    const p = withObject(m);
    const r = runAsm(`mov rax, ${p}; mov [rdi+8], rax; mov rbx, [rdi+8]; ret`, () => {}, { m });
    expect(r.fault).toBeNull();
    expect(m.cellTag(p + 8)).toBe(TAG_NUM);
    expect(m.registerTag(RBX)).toBe(TAG_NUM);
  });
});

describe('based accesses are checked against the object', () => {
  it('reads every slot of the object', () => {
    const r = runAsm('mov rax, [rdi]; add rax, [rdi+8]; mov rcx, 2; add rax, [rdi+rcx*8]; ret', withObject);
    expect(r.fault).toBeNull();
    expect(r.reg('rax')).toBe(66n);
  });

  it('an index one past the end is a Bounds fault', () => {
    const r = runAsm('mov rcx, 3; mov rax, [rdi+rcx*8]; ret', withObject);
    expect(r.fault?.kind).toBe('Bounds');
    expect(r.fault?.offset).toBe(7);
    expect(r.fault?.instruction).toBe('mov rax, [rdi+rcx*8]');
    expect(r.fault?.message).toMatch(/slot 3 is past the end of the 3-slot object/);
  });

  it('the header is read through the object\'s own pointer, at [p-8], as a number', () => {
    const m = newMachine();
    const p = withObject(m);
    for (const text of ['mov rax, [rdi-8]; ret', 'mov rcx, -1; mov rax, [rdi+rcx*8]; ret', 'mov rax, 0; add rax, [rdi-8]; ret']) {
      const r = runAsm(text, () => {}, { m });
      expect(r.fault, text).toBeNull();
      expect(r.reg('rax'), text).toBe(m.cell(p - 8));
      expect(m.registerTag(RAX), text).toBe(TAG_NUM);
      expect(Number(r.reg('rax') & 0xffffffffn), text).toBe(3);
    }
    const tag = runAsm('lar rax, word ptr [rdi-8]; ret', () => {}, { m });
    expect(tag.reg('rax')).toBe(BigInt(TAG_HDR));
  });

  it('before the header is a Bounds fault', () => {
    const r = runAsm('mov rax, [rdi-16]; ret', withObject);
    expect(r.fault?.kind).toBe('Bounds');
    expect(r.fault?.message).toMatch(/before the header of the 3-slot object/);
    const idx = runAsm('mov rcx, -2; mov rax, [rdi+rcx*8]; ret', withObject);
    expect(idx.fault?.kind).toBe('Bounds');
  });

  it('the header cannot be written through the object\'s pointer', () => {
    const m = newMachine();
    const p = withObject(m);
    const before = m.cell(p - 8);
    for (const text of ['mov rax, -1; mov [rdi-8], rax; ret', 'mov qword ptr [rdi-8], 0; ret', 'add qword ptr [rdi-8], 1; ret', 'sete byte ptr [rdi-8]; ret', 'push 0; pop qword ptr [rdi-8]; ret']) {
      const r = runAsm(text, () => {}, { m });
      expect(r.fault?.kind, text).toBe('Tag');
      expect(r.fault?.message, text).toMatch(/object header, which programs cannot write/);
      expect(m.cell(p - 8), text).toBe(before);
      expect(m.cellTag(p - 8), text).toBe(TAG_HDR);
      m.unwind();
    }
  });

  it('a store past the end is refused and changes nothing', () => {
    const m = newMachine();
    const p = withObject(m);
    const next = m.allocate(1);
    m.setCell(next, 99n);
    const r = runAsm('mov rax, 5; mov [rdi+24], rax; ret', () => {}, { m });
    expect(r.fault?.kind).toBe('Bounds');
    expect(m.cell(next - 8)).not.toBe(5n);
    expect(m.cell(next)).toBe(99n);
    expect(m.cell(p + 16)).toBe(33n);
    expect(r.steps).toBe(1);
  });

  it('faults are precise: registers and flags are as before the faulting instruction', () => {
    const r = runAsm('mov rax, 7; cmp rax, 7; mov rbx, [rdi+800]; ret', (m) => { withObject(m); m.setRegister(RBX, 123n); });
    expect(r.fault?.kind).toBe('Bounds');
    expect(r.reg('rax')).toBe(7n);
    expect(r.reg('rbx')).toBe(123n);
    expect(r.m.flags().ZF).toBe(1);
    expect(r.steps).toBe(2);
  });
});

describe('header cells', () => {
  it('a program cannot write a header through its pointer', () => {
    const m = newMachine();
    const p = withObject(m);
    const before = m.cell(p - 8);
    const r = runAsm('mov rax, -1; mov [rdi-8], rax; ret', () => {}, { m });
    expect(r.fault?.kind).toBe('Tag');
    expect(r.fault?.message).toMatch(/object header, which programs cannot write/);
    expect(m.cell(p - 8)).toBe(before);
    expect(m.cellTag(p - 8)).toBe(TAG_HDR);
  });

  it('no number reaches an object: Memory (no base, or a number as the base) is low memory only', () => {
    const m = newMachine();
    const p = withObject(m);
    const before = [m.cell(p - 8), m.cell(p), m.cell(p + 8)];
    for (const text of [
      `mov rcx, ${p / 8 - 1}; mov rax, [rcx*8]; ret`, `mov rcx, ${p / 8 - 1}; mov rax, -1; mov [rcx*8], rax; ret`,
      `mov rcx, ${p / 8}; mov rax, [rcx*8]; ret`, `mov rcx, ${p}; mov rax, 7; mov [rcx], rax; ret`,
      'lea rcx, [rdi-8]; mov rax, [rcx]; ret', 'mov rcx, rdi; add rcx, 8; mov rax, 7; mov [rcx], rax; ret',
    ]) {
      const r = runAsm(text, () => {}, { m });
      expect(r.fault?.kind, text).toBe('Bounds');
      expect(r.fault?.message, text).toMatch(/outside memory a number reaches \(the 4096 cells of low memory/);
    }
    expect([m.cell(p - 8), m.cell(p), m.cell(p + 8)]).toEqual(before);
    // ... while the object's own pointer reads its header, as a number.
    const r = runAsm('mov rax, [rdi-8]; ret', () => {}, { m });
    expect(r.fault).toBeNull();
    expect(r.reg('rax')).toBe(m.cell(p - 8));
    expect(m.registerTag(RAX)).toBe(TAG_NUM);
    expect(Number(r.reg('rax') & 0xffffffffn)).toBe(3);
  });
});

describe('accesses with no base go through the Memory capability', () => {
  it('the seed: Memory at: 100; put: 42 works in low memory', () => {
    const r = runAsm('mov rdi, 100; mov rax, 42; mov [rdi*8], rax; mov rax, 0; mov rax, [rdi*8]; ret');
    expect(r.fault).toBeNull();
    expect(r.reg('rax')).toBe(42n);
    expect(r.m.cell(800)).toBe(42n);
  });

  it('an address outside memory is a Bounds fault (Memory at: 16rCAFEBABE)', () => {
    const r = runAsm('mov rdi, rax; mov rax, [rdi*8]; ret', (m) => m.setRegister(RAX, 0xcafebaben));
    expect(r.fault?.kind).toBe('Bounds');
    expect(r.fault?.instruction).toBe('mov rax, [rdi*8]');
    expect(r.fault?.message).toMatch(/cell 3405691582\) is outside memory/);
  });

  it('negative and wrapping addresses are outside memory too', () => {
    expect(runAsm('mov rcx, -1; mov rax, [rcx*8]; ret').fault?.kind).toBe('Bounds');
    expect(runAsm('mov rcx, 0x7fffffffffffffff; mov rax, [rcx*8]; ret').fault?.kind).toBe('Bounds'); // wraps to -8
    // 2^61 * 8 wraps to 0: a real address, as on the CPU.
    expect(runAsm('movabs rcx, 0x2000000000000000; mov rax, [rcx*8]; ret').fault).toBeNull();
  });

  it('an 8-byte access must be cell-aligned', () => {
    const r = runAsm('mov rcx, 800; mov rax, [rcx+1]; ret');
    expect(r.fault?.kind).toBe('Bounds');
    expect(r.fault?.message).toMatch(/not cell-aligned/);
  });

  it('a byte access needs no alignment and makes the cell a number', () => {
    const r = runAsm('mov rcx, 803; mov rax, 0; cmp rax, 0; sete byte ptr [rcx]; mov rax, [rcx-3]; ret', (m) => m.setCell(800, 0n, TAG_NUM));
    expect(r.fault).toBeNull();
    expect(r.reg('rax')).toBe(1n << 24n);
  });
});

describe('control goes only to code', () => {
  it('jmp and call to a number are Tag faults', () => {
    for (const insn of ['jmp rax', 'call rax', 'jmp qword ptr [rdi]', 'call qword ptr [rdi]']) {
      const r = runAsm(`mov rax, 0x1000; mov [rdi], rax; ${insn}`, withObject);
      expect(r.fault?.kind, insn).toBe('Tag');
      expect(r.fault?.instruction, insn).toBe(insn);
    }
  });

  it('ret to a number is a Tag fault', () => {
    const r = runAsm('push 5; ret');
    expect(r.fault?.kind).toBe('Tag');
    expect(r.fault?.message).toMatch(/return address 0x5 is a number/);
  });

  it('a pointer to an object that is not code is not a call target', () => {
    const r = runAsm('call rdi', withObject);
    expect(r.fault?.kind).toBe('Tag');
    expect(r.fault?.message).toMatch(/not in a code object/);
  });

  it('a pointer to a code object is a call target, and the return address is tagged code', () => {
    const m = newMachine();
    const callee = m.loadCode(bytesOf('mov rbx, [rsp]; mov rax, 42; ret'));
    const r = runAsm('call rsi; ret', (mm) => mm.setRegister(RSI, BigInt(callee), TAG_PTR), { m });
    expect(r.fault).toBeNull();
    expect(r.reg('rax')).toBe(42n);
    expect(m.registerTag(RBX)).toBe(TAG_CODE);
    expect(r.reg('rbx')).toBe(BigInt(r.code + 2));
  });

  it('a relative branch outside every code object is a Tag fault', () => {
    const r = runAsm('jmp 0x100000');
    expect(r.fault?.kind).toBe('Tag');
    expect(r.fault?.message).toMatch(/not in a code object/);
  });

  it('running off the end of the code is a Tag fault', () => {
    const r = runAsm('nop; nop');
    expect(r.fault?.kind).toBe('Tag');
    expect(r.fault?.offset).toBe(1);
    expect(r.fault?.message).toMatch(/ran off the end/);
  });
});

describe('the stack', () => {
  it('rsp can only hold a stack address', () => {
    const r = runAsm('mov rsp, rax; ret', (m) => m.setRegister(RAX, 1000n));
    expect(r.fault?.kind).toBe('Tag');
    expect(r.m.registerTag(4)).toBe(TAG_STACK);
    expect(runAsm('mov rbp, rsp; sub rsp, 16; mov rsp, rbp; ret').fault).toBeNull();
  });

  it('running off either end of the stack is a StackOverflow fault', () => {
    const push = runAsm('lp: push rax; jmp lp', () => {}, { machine: { stackCells: 64 } });
    expect(push.fault?.kind).toBe('StackOverflow');
    expect(push.fault?.instruction).toBe('push rax');
    const pop = runAsm('pop rax; pop rax; ret');
    expect(pop.fault?.kind).toBe('StackOverflow');
    expect(runAsm('add rsp, 16; ret').fault?.kind).toBe('StackOverflow');
    const call = runAsm('f: call f', () => {}, { machine: { stackCells: 64 } });
    expect(call.fault?.kind).toBe('StackOverflow');
  });

  it('a stack address is checked against the stack object', () => {
    const r = runAsm('mov rax, [rsp]; mov rbx, [rsp+8]; ret');
    expect(r.fault?.kind).toBe('Bounds');
    expect(r.fault?.message).toMatch(/outside the stack/);
  });

  it('a frame\'s slots are read and written through rbp, and only inside the stack', () => {
    const ok = runAsm('push rbp; mov rbp, rsp; push 7; mov rax, [rbp-8]; mov [rbp-8], rsi; mov rbx, [rbp-8]; mov rsp, rbp; pop rbp; ret',
      (m) => m.setRegister(RSI, 5n, TAG_PTR));
    expect(ok.fault).toBeNull();
    expect([ok.reg('rax'), ok.reg('rbx')]).toEqual([7n, 5n]);
    expect(ok.m.registerTag(RBX)).toBe(TAG_PTR);
    for (const [text, kind, message] of [
      ['mov rbp, rsp; mov rax, [rbp+16]; ret', 'Bounds', /outside the stack/],
      ['mov rbp, rsp; mov [rbp+8], rax; ret', 'Bounds', /outside the stack/],
      ['mov rbp, rsp; mov rax, [rbp-4]; ret', 'Bounds', /cell-aligned/],
      ['mov rbp, rsp; mov [rbp-12], rax; ret', 'Bounds', /cell-aligned/],
    ] as const) {
      const r = runAsm(text);
      expect(r.fault?.kind, text).toBe(kind);
      expect(r.fault?.message, text).toMatch(message);
    }
  });
});

describe('poisoned cells', () => {
  it('any access to a poisoned cell faults', () => {
    const m = newMachine();
    const p = withObject(m);
    m.setCell(p + 8, 0n, TAG_POISON);
    expect(runAsm('mov rax, [rdi+8]; ret', () => {}, { m }).fault?.kind).toBe('Poisoned');
    m.setCell(800, 0n, TAG_POISON);
    expect(runAsm('mov rcx, 100; mov [rcx*8], rax; ret', () => {}, { m }).fault?.kind).toBe('Poisoned');
  });

  it('a poisoned header makes every based access to the object fault', () => {
    const m = newMachine();
    const p = withObject(m);
    m.setCell(p - 8, m.cell(p - 8), TAG_POISON);
    const r = runAsm('mov rax, [rdi]; ret', () => {}, { m });
    expect(r.fault?.kind).toBe('Poisoned');
    expect(r.fault?.message).toMatch(/sent to another actor/);
  });
});

describe('other faults', () => {
  it('bytes outside the subset are an InvalidOpcode fault', () => {
    const m = newMachine();
    const code = m.loadCode(Uint8Array.of(0x48, 0x89, 0xc7, 0x0f, 0x0b));
    const r = m.call(code);
    expect(r.fault?.kind).toBe('InvalidOpcode');
    expect(r.fault?.offset).toBe(3);
    expect(r.fault?.message).toMatch(/0f 0b is not in the subset/);
    expect(r.steps).toBe(1);
  });

  it('idiv by zero is a DivideError, and so is a quotient too large', () => {
    expect(runAsm('mov rax, 1; cqo; mov rcx, 0; idiv rcx; ret').fault?.kind).toBe('DivideError');
    const min = runAsm('movabs rax, 0x8000000000000000; cqo; mov rcx, -1; idiv rcx; ret');
    expect(min.fault?.kind).toBe('DivideError');
    expect(min.fault?.message).toMatch(/does not fit/);
    const ok = runAsm('mov rax, -7; cqo; mov rcx, 2; idiv rcx; ret');
    expect([ok.reg('rax'), ok.reg('rdx')]).toEqual([-3n, -1n]);
  });

  it('int3 stops at a Breakpoint that can be resumed', () => {
    const r = runAsm('mov rax, 1; int3; add rax, 1; ret');
    expect(r.fault?.kind).toBe('Breakpoint');
    expect(r.reg('rax')).toBe(1n);
    const rest = r.m.resume();
    expect(rest.fault).toBeNull();
    expect(r.reg('rax')).toBe(2n);
  });

  it('syscall enters the host service numbered by r11, and a missing one is a Service fault', () => {
    const double = (m: Machine): string | null => { m.setRegister(RAX, m.register(RDI) * 2n); return null; };
    const refuse = (): string => 'out of patience';
    const r = runAsm('mov r11, 0; syscall; ret', (m) => m.setRegister(RDI, 21n), { machine: { services: [double, refuse] } });
    expect(r.fault).toBeNull();
    expect(r.reg('rax')).toBe(42n);
    expect(runAsm('mov r11, 1; syscall; ret', () => {}, { machine: { services: [double, refuse] } }).fault?.message).toBe('out of patience');
    const missing = runAsm('mov r11, 7; syscall; ret');
    expect(missing.fault?.kind).toBe('Service');
    expect(missing.fault?.message).toMatch(/no host service 7/);
  });
});

describe('runaway code stops cleanly', () => {
  it('the step limit stops at exactly that many instructions, and the run can resume', () => {
    const r = runAsm('mov rcx, 0; lp: add rcx, 1; jmp lp', () => {}, { steps: 1001 });
    expect(r.fault?.kind).toBe('StepLimit');
    expect(r.steps).toBe(1001);
    expect(r.reg('rcx')).toBe(500n);
    const more = r.m.resume({ steps: 100 });
    expect(more.steps).toBe(100);
    expect(r.reg('rcx')).toBe(550n);
  });

  it('the interrupt flag stops a loop, raised from another thread', async () => {
    const { Worker } = await import('node:worker_threads');
    const word = new Int32Array(new SharedArrayBuffer(4));
    const m = newMachine({ interrupt: word });
    const code = m.loadCode(bytesOf('lp: jmp lp'));
    const worker = new Worker('const { workerData } = require("node:worker_threads"); setTimeout(() => Atomics.store(workerData, 0, 1), 100);', { eval: true, workerData: word });
    const started = Date.now();
    const r = m.call(code, { steps: Number.MAX_SAFE_INTEGER });
    await worker.terminate();
    expect(r.fault?.kind).toBe('Interrupted');
    expect(r.fault?.instruction).toBe('jmp 0x0');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(Atomics.load(word, 0)).toBe(0);
  });

  it('after a fault the machine can be unwound and used again', () => {
    const m = newMachine();
    const bad = runAsm('push 1; push 2; mov rax, [rax*8+0x7ffffff8]; ret', (mm) => mm.setRegister(RAX, 1n << 40n), { m });
    expect(bad.fault?.kind).toBe('Bounds');
    m.unwind();
    const good = runAsm('mov rax, 5; ret', () => {}, { m });
    expect(good.fault).toBeNull();
    expect(good.reg('rax')).toBe(5n);
    expect(m.register(4)).toBe(BigInt(m.stackHi));
  });
});

describe('behaviour comes from the bytes', () => {
  it('patching the immediate of an add changes what the code computes', () => {
    const m = newMachine();
    const code = m.loadCode(bytesOf('add rax, 1; ret'));
    m.setRegister(RAX, 5n);
    expect(m.call(code).fault).toBeNull();
    expect(m.register(RAX)).toBe(6n);
    m.patchCode(code, 3, 100);
    expect(m.call(code).fault).toBeNull();
    expect(m.register(RAX)).toBe(106n);
  });

  it('a program that stores into decoded code runs the new code', () => {
    const m = newMachine();
    const target = m.loadCode(bytesOf('mov rax, 1; ret'));
    expect(m.call(target).fault).toBeNull();
    // Overwrite target's first cell: `mov rax, 1` (48 c7 c0 01 00 00 00) + `ret` -> imm 0x2a.
    const patched = new DataView(new ArrayBuffer(8));
    bytesOf('mov rax, 42; ret').forEach((b, i) => patched.setUint8(i, b));
    const value = patched.getBigInt64(0, true);
    const writer = m.loadCode(bytesOf(`movabs rbx, ${value}; mov [rsi], rbx; call rsi; ret`));
    m.setRegister(RSI, BigInt(target), TAG_PTR);
    const r = m.call(writer);
    expect(r.fault).toBeNull();
    expect(m.register(RAX)).toBe(42n);
  });
});

describe('lar reads a tag', () => {
  it('answers each value\'s tag as a number and sets ZF, leaving the value alone', () => {
    const r = runAsm('call f; ret; f: mov rbx, [rsp]; lar rax, si; lar rcx, di; lar rdx, bx; lar r8, sp; lar r9, word ptr [rdi+8]; ret', (m) => {
      withObject(m);
      m.setRegister(RSI, 42n);
      m.setCell(Number(m.register(RDI)) + 8, 0n, TAG_PTR);
      m.setFlags({ ZF: 0 });
    });
    expect(r.fault).toBeNull();
    expect([r.reg('rax'), r.reg('rcx'), r.reg('rdx'), r.reg('r8'), r.reg('r9')]).toEqual([
      BigInt(TAG_NUM), BigInt(TAG_PTR), BigInt(TAG_CODE), BigInt(TAG_STACK), BigInt(TAG_PTR),
    ]);
    expect(r.m.registerTag(RAX)).toBe(TAG_NUM);
    expect(r.m.registerTag(RDI)).toBe(TAG_PTR);
    expect(r.m.flags().ZF).toBe(1);
  });

  it('sets ZF and leaves CF, SF and OF as the last instruction left them', () => {
    // 1 - 2: CF and SF set, OF and ZF clear.
    const r = runAsm('mov rax, 1; cmp rax, 2; lar rbx, ax; ret');
    expect(r.fault).toBeNull();
    expect(r.m.flags()).toMatchObject({ CF: 1, ZF: 1, SF: 1, OF: 0 });
    const o = runAsm('movabs rax, 0x7fffffffffffffff; add rax, 1; lar rbx, cx; ret');
    expect(o.m.flags()).toMatchObject({ CF: 0, ZF: 1, SF: 1, OF: 1 });
  });

  it('a word that straddles two cells is a Bounds fault', () => {
    const r = runAsm('mov rcx, 807; lar rax, word ptr [rcx]; ret');
    expect(r.fault?.kind).toBe('Bounds');
    expect(r.fault?.message).toMatch(/straddles two cells/);
  });
});
