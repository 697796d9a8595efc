/*
 * The machine's commands, `bedrock asm | disasm | exec`: what they print and their exit
 * statuses, in-process through the command table, and end to end through the real
 * `bedrock` program in a child process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function cli(...args: string[]): { status: number; out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  const status = runCommand(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { status, out, err };
}

describe('bedrock asm', () => {
  it("prints the seed's fragment as GNU as encodes it", () => {
    const r = cli('asm', 'mov rdi, rax; mov rax, [rdi*8]; ret');
    expect(r).toEqual({ status: 0, out: ['48 89 c7 48 8b 04 fd 00 00 00 00 c3'], err: [] });
  });

  it('reads the bare rdi*8 form and several lines', () => {
    expect(cli('asm', 'mov [rdi*8], rax\nadd rdi, 1\nret').out).toEqual(['48 89 04 fd 00 00 00 00 48 83 c7 01 c3']);
    expect(cli('asm', 'mov rax, rdi*8').out).toEqual(['48 8b 04 fd 00 00 00 00']);
  });

  it('says which line and column are wrong and what was expected, exit 2', () => {
    const r = cli('asm', 'mov rax, 1\nfrob rax');
    expect(r.status).toBe(2);
    expect(r.err).toEqual(["bedrock asm: line 2, column 1: expected an instruction, found 'frob'"]);
    expect(cli('asm', 'add rax, [rbx').err[0]).toMatch(/line 1, column 14: expected '\+', '-' or '\]'/);
    expect(cli('asm', 'jmp nowhere').err[0]).toMatch(/label defined in this code, found 'nowhere'/);
    expect(cli('asm', 'mov [rax], [rbx]').err[0]).toMatch(/no form of 'mov' takes a memory operand and a memory operand/);
  });
});

describe('bedrock disasm', () => {
  it('prints one instruction per line with its offset', () => {
    const r = cli('disasm', '48 89 c7 48 8b 04 fd 00 00 00 00 c3');
    expect(r.out).toEqual(['00: mov rdi, rax', '03: mov rax, [rdi*8]', '0b: ret']);
  });

  it('accepts hex without spaces, marks bytes outside the subset, and refuses bad hex', () => {
    expect(cli('disasm', '4801d8', '0f0b').out).toEqual([
      '00: add rax, rbx',
      '03: .byte 0x0f   # opcode 0f 0b is not in the subset',
      '04: .byte 0x0b   # instruction is cut off before its ModRM byte',
    ]);
    const odd = cli('disasm', '48 8');
    expect(odd.status).toBe(2);
    expect(odd.err[0]).toMatch(/odd number of hex digits/);
    expect(cli('disasm', '48 zz').err[0]).toMatch(/'z' is not a hex digit/);
  });
});

describe('bedrock exec', () => {
  it('runs the bytes and prints registers, flags, fault and steps as JSON', () => {
    const r = cli('exec', '48 01 d8 c3', '--reg', 'rax=5', '--reg', 'rbx=0x10');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.out[0]);
    expect(Object.keys(j)).toEqual(['registers', 'flags', 'fault', 'steps']);
    expect(Object.keys(j.registers)).toHaveLength(16);
    expect(j.registers.rax).toBe('21');
    expect(j.registers.rbx).toBe('16');
    expect(j.flags).toEqual({ CF: 0, ZF: 0, SF: 0, OF: 0 });
    expect(j.fault).toBeNull();
    expect(j.steps).toBe(2);
  });

  it('prints registers as signed decimal and flags as the CPU sets them', () => {
    const j = JSON.parse(cli('exec', '48 83 e8 01 c3', '--reg', 'rax=0').out[0]);
    expect(j.registers.rax).toBe('-1');
    expect(j.flags).toEqual({ CF: 1, ZF: 0, SF: 1, OF: 0 });
  });

  it('a fault exits 1 and still prints the JSON, with where and what', () => {
    const r = cli('exec', '48 8b 04 fd 00 00 00 00 c3', '--reg', 'rdi=0xcafebabe');
    expect(r.status).toBe(1);
    const j = JSON.parse(r.out[0]);
    expect(j.fault).toMatchObject({ kind: 'Bounds', offset: 0, instruction: 'mov rax, [rdi*8]' });
    expect(j.fault.message).toMatch(/outside memory/);
    expect(j.steps).toBe(0);
  });

  it('the step limit stops a loop', () => {
    const r = cli('exec', 'eb fe', '--steps', '50');
    expect(r.status).toBe(1);
    const j = JSON.parse(r.out[0]);
    expect(j.fault.kind).toBe('StepLimit');
    expect(j.steps).toBe(50);
  });

  it('bad input is one clear line and exit 2', () => {
    expect(cli('exec', 'c3', '--reg', 'rzz=1').err).toEqual([
      "bedrock exec: --reg: unknown register 'rzz' (expected one of rax rcx rdx rbx rsp rbp rsi rdi r8 r9 r10 r11 r12 r13 r14 r15)",
    ]);
    expect(cli('exec', 'c3', '--reg', 'rax=12abc').err[0]).toMatch(/'12abc' is not a number/);
    expect(cli('exec', 'c3', '--reg', 'rsp=1').err[0]).toMatch(/rsp is the machine's stack pointer/);
    expect(cli('exec', 'c', '--steps', '5').status).toBe(2);
    expect(cli('frobnicate').err[0]).toMatch(/unknown command 'frobnicate'/);
  });
});

describe('the real program', () => {
  it('npm start -- asm prints the bytes (the done-when of issue 2)', () => {
    const out = execFileSync('npm', ['start', '--silent', '--', 'asm', 'mov rdi, rax; mov rax, [rdi*8]; ret'], { cwd: root, encoding: 'utf8' });
    expect(out.trim()).toBe('48 89 c7 48 8b 04 fd 00 00 00 00 c3');
  });

  it('the bedrock bin exits 1 on a fault and 2 on bad input, with no stack trace', () => {
    const bin = fileURLToPath(new URL('../../bin/bedrock.js', import.meta.url));
    const fault = spawnSync(process.execPath, [bin, 'exec', '0f0b'], { encoding: 'utf8' });
    expect(fault.status).toBe(1);
    expect(JSON.parse(fault.stdout).fault.kind).toBe('InvalidOpcode');
    const bad = spawnSync(process.execPath, [bin, 'asm', 'mov rax,'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).not.toMatch(/ at /);
  });
});
