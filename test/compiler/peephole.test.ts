/*
 * The peephole rules, one test per rule: each fires where it is sound, and a near miss where
 * it would not be sound is left alone. Instructions are written as assembly text.
 */
import { describe, expect, it } from 'vitest';
import type { ItemOperand } from '../../kernel/machine/x86/assembler.ts';
import { formatOperand } from '../../kernel/machine/x86/disassembler.ts';
import { imm, mem, reg, type Operand } from '../../kernel/machine/x86/operand.ts';
import { REG64 } from '../../kernel/machine/x86/table.ts';
import { isInstruction, optimize, RULES, type Line } from '../../src/compiler/peephole.ts';

/** Lines from a tiny assembly notation: registers, numbers, [reg*8], [reg+n] and `label:`. */
function lines(text: string): Line[] {
  return text.split(';').map((s) => s.trim()).filter(Boolean).map((s): Line => {
    if (s.endsWith(':')) return { label: s.slice(0, -1), origin: '' };
    const [mnemonic, rest = ''] = s.split(/\s+(.*)/);
    const operands = rest ? rest.split(',').map((o) => operand(o.trim())) : [];
    return { mnemonic, operands, hints: {}, origin: '' };
  });
}

function operand(o: string): ItemOperand {
  const r = REG64.indexOf(o);
  if (r >= 0) return reg(r);
  if (/^-?\d+$/.test(o)) return imm(BigInt(o));
  const scaled = /^\[(\w+)\*8\]$/.exec(o);
  if (scaled) return mem(-1, REG64.indexOf(scaled[1]), 8, 0, 64);
  const based = /^\[(\w+)([+-]\d+)?\]$/.exec(o);
  if (based) return mem(REG64.indexOf(based[1]), -1, 1, Number(based[2] ?? 0), 64);
  return { kind: 'label', name: o };
}

function text(ls: readonly Line[]): string {
  return ls.map((l) => (isInstruction(l)
    ? `${l.mnemonic}${l.operands.length ? ' ' + l.operands.map((o) => (o.kind === 'label' ? o.name : formatOperand(o as Operand))).join(', ') : ''}`
    : `${l.label}:`)).join('; ');
}

function run(rule: string, input: string): { out: string; fired: number } {
  const only = RULES.filter((r) => r.name === rule);
  expect(only, rule).toHaveLength(1);
  const r = optimize(lines(input), only);
  return { out: text(r.lines), fired: r.fired[rule] ?? 0 };
}

describe('peephole rules', () => {
  it('self-move: mov A, A goes', () => {
    expect(run('self-move', 'mov rax, rax; ret')).toEqual({ out: 'ret', fired: 1 });
    expect(run('self-move', 'mov rax, rbx; ret').fired).toBe(0);
  });

  it('move-through: mov A, X; mov B, A becomes mov B, X when A is dead after', () => {
    expect(run('move-through', 'mov rax, 3405691582; mov rdi, rax; mov rax, [rdi*8]; ret'))
      .toEqual({ out: 'mov rdi, 0xcafebabe; mov rax, [rdi*8]; ret', fired: 1 });
    // rax is read afterwards: both moves stay.
    expect(run('move-through', 'mov rax, 5; mov rdi, rax; add rdi, rax; ret').fired).toBe(0);
  });

  it('push-move: push A; [I;] pop B becomes mov B, A; [I] when I leaves B and the stack alone', () => {
    expect(run('push-move', 'push rax; mov rax, 2; pop rcx; ret')).toEqual({ out: 'mov rcx, rax; mov rax, 2; ret', fired: 1 });
    expect(run('push-move', 'push rax; pop rcx; ret')).toEqual({ out: 'mov rcx, rax; ret', fired: 1 });
    // the middle instruction reads B, writes B, or uses the stack: left alone
    expect(run('push-move', 'push rax; mov rax, rcx; pop rcx; ret').fired).toBe(0);
    expect(run('push-move', 'push rax; mov rcx, 2; pop rcx; ret').fired).toBe(0);
    expect(run('push-move', 'push rax; mov rbx, [rsp+8]; pop rcx; ret').fired).toBe(0);
    expect(run('push-move', 'push rax; call rbx; pop rcx; ret').fired).toBe(0);
    // a label after the push is another way in, with nothing pushed (the Forth back end's ELSE ... THEN)
    expect(run('push-move', 'push rax; L: pop rcx; ret').fired).toBe(0);
  });

  it('push-pop: push A; pop A goes', () => {
    expect(run('push-pop', 'push rax; pop rax; ret')).toEqual({ out: 'ret', fired: 1 });
    expect(run('push-pop', 'push rax; pop rcx; ret').fired).toBe(0);
  });

  it('push-around: push A; I; pop A keeps only I when I leaves A and the stack alone', () => {
    expect(run('push-around', 'push rax; mov rsi, 5; pop rax; ret')).toEqual({ out: 'mov rsi, 5; ret', fired: 1 });
    expect(run('push-around', 'push rax; mov rax, 5; pop rax; ret').fired).toBe(0);
    expect(run('push-around', 'push rax; mov rsi, [rsp]; pop rax; ret').fired).toBe(0);
  });

  it('dead-write: a register overwritten before it is read was written for nothing (the seed drops the load)', () => {
    expect(run('dead-write', 'mov rax, [rdi*8]; mov rax, 3735928559; ret')).toEqual({ out: 'mov rax, 0xdeadbeef; ret', fired: 1 });
    expect(run('dead-write', 'mov rax, [rdi*8]; add rax, 1; ret').fired).toBe(0);
    // At ret, rax is the result: live.
    expect(run('dead-write', 'mov rax, 1; ret').fired).toBe(0);
    // ...but rsi is a scratch register: dead at ret.
    expect(run('dead-write', 'mov rsi, 1; ret')).toEqual({ out: 'ret', fired: 1 });
  });

  it('constant-operand: mov R, imm; op X, R becomes op X, imm when R is dead after', () => {
    expect(run('constant-operand', 'mov rsi, 5; add rax, rsi; ret')).toEqual({ out: 'add rax, 5; ret', fired: 1 });
    // rsi is read again: it stays.
    expect(run('constant-operand', 'mov rsi, 5; add rax, rsi; add rax, rsi; ret').fired).toBe(0);
    // No such form (an immediate too big for add): it stays.
    expect(run('constant-operand', 'mov rsi, 4294967296; add rax, rsi; ret').fired).toBe(0);
  });

  it("self-again: a register that holds self from the frame is not loaded again", () => {
    expect(run('self-again', 'mov rcx, [rbp-16]; mov rax, [rcx+8]; push rax; cmp rax, 0; je out; mov rcx, [rbp-16]; mov rax, [rcx+16]; out:; ret'))
      .toEqual({ out: 'mov rcx, [rbp-16]; mov rax, [rcx+8]; push rax; cmp rax, 0; je out; mov rax, [rcx+16]; out:; ret', fired: 1 });
    // rcx written between, a call between, a label between, another register, or self's slot written: left alone
    expect(run('self-again', 'mov rcx, [rbp-16]; pop rcx; mov rcx, [rbp-16]; ret').fired).toBe(0);
    expect(run('self-again', 'mov rcx, [rbp-16]; call rbx; mov rcx, [rbp-16]; ret').fired).toBe(0);
    expect(run('self-again', 'mov rcx, [rbp-16]; back:; mov rcx, [rbp-16]; ret').fired).toBe(0);
    expect(run('self-again', 'mov rcx, [rbp-16]; mov rdx, [rbp-16]; ret').fired).toBe(0);
    expect(run('self-again', 'mov rcx, [rbp-16]; mov [rbp-16], rax; mov rcx, [rbp-16]; ret').fired).toBe(0);
    expect(run('self-again', 'mov rcx, [rbp-16]; mov rax, [rbp-24]; mov rcx, [rbp-8]; ret').fired).toBe(0);
  });

  it('store-reload: mov M, R; mov R, M keeps only the store', () => {
    expect(run('store-reload', 'mov [rbp-48], rax; mov rax, [rbp-48]; ret')).toEqual({ out: 'mov [rbp-48], rax; ret', fired: 1 });
    // another slot, another register, a label between (another way in), the address through R: left alone
    expect(run('store-reload', 'mov [rbp-48], rax; mov rax, [rbp-56]; ret').fired).toBe(0);
    expect(run('store-reload', 'mov [rbp-48], rax; mov rcx, [rbp-48]; ret').fired).toBe(0);
    expect(run('store-reload', 'mov [rbp-48], rax; again:; mov rax, [rbp-48]; ret').fired).toBe(0);
    expect(run('store-reload', 'mov [rax+8], rax; mov rax, [rax+8]; ret').fired).toBe(0);
  });

  it('liveness follows jumps: a register read on the branch taken is live', () => {
    expect(run('dead-write', 'mov rsi, 1; cmp rax, 0; je out; mov rsi, 2; out:; mov rax, rsi; ret').fired).toBe(0);
    // Written on both paths before anything reads it (and rsi is dead at ret): all three go.
    expect(run('dead-write', 'mov rsi, 1; cmp rax, 0; je out; mov rsi, 2; out:; mov rsi, 3; ret')).toEqual({ out: 'cmp rax, 0; je out; out:; ret', fired: 3 });
  });

  it('every rule has a name and says why it is sound', () => {
    for (const r of RULES) {
      expect(r.name).toMatch(/^[a-z-]+$/);
      expect(r.why.length).toBeGreaterThan(20);
    }
  });
});
