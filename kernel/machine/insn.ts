/*
 * Executable instructions: a decoded instruction prepared for the interpreter.
 *
 * Each code object's bytes are decoded once, on first execution, into Insn records kept in
 * the object's CodeCache, indexed by offset. An Insn links to the instruction after it
 * (`next`) and to its branch target (`jump`) when those are first needed, so a loop runs
 * from record to record without decoding or looking anything up. Writing to a code object
 * that has been decoded drops every cache (see Machine.codeWritten).
 *
 * `op` selects the interpreter's routine. The common register forms of the common
 * operations have routines of their own; everything else shares the general routine, which
 * reads the table row. The choice is made here, from the row and the operands alone.
 */
import type { Fault, FaultKind } from './faults.ts';
import type { Translation } from './wasm/tier.ts';
import { formatInstruction } from './x86/disassembler.ts';
import type { Decoded, MemOperand } from './x86/operand.ts';
import { RSP, type Row } from './x86/table.ts';

/**
 * The interpreter's routines. An enum, not a frozen object: bundled (esbuild, dist/), each
 * `OP.X` becomes its number, so the interpreter's `switch (op)` has literal cases, which V8
 * dispatches through a jump table. A bundle makes every top-level const a var, so cases
 * named by consts (`case ADD_RI:`) each loaded a variable and compared, one after another:
 * the interpreter ran 1.6 times slower bundled than from the sources.
 */
export enum OP {
  GENERIC = 0,
  MOV_RR = 1, MOV_RI = 2, MOV_LOAD = 3, MOV_STORE = 4, MOV_STORE_I = 5, LEA = 6,
  ADD_RR = 7, ADD_RI = 8, SUB_RR = 9, SUB_RI = 10, CMP_RR = 11, CMP_RI = 12,
  AND_RR = 13, AND_RI = 14, OR_RR = 15, OR_RI = 16, XOR_RR = 17, XOR_RI = 18, TEST_RR = 19, TEST_RI = 20,
  INC_R = 21, DEC_R = 22, ALU_LOAD = 23,
  JMP = 24, JCC = 25, CALL = 26, RET = 27, JMP_RM = 28, CALL_RM = 29, RET_N = 30,
  PUSH_R = 31, POP_R = 32, PUSH_I = 33, CMOV_RR = 34, SETCC_R = 35, NOP = 36,
  /** The host's return trampoline: reaching it ends the run. */
  EXIT = 37,
  /** Not an instruction (undecodable bytes, or control left the code): executing it faults. */
  FAULT = 38,
  /** je / jne: the commonest branches, answered from ZF alone. */
  JZ = 39,
  /** syscall: enter a host service. */
  SYSCALL = 40,
  /** lar r64, r16: a register's tag, as every tag-checked primitive asks it. */
  LAR_R = 41,
  /** add/sub rsp, imm: dropping arguments after a call, making room in a frame. */
  RSP_ADJ = 42,
  /** mov rsp, r64: leaving a frame (mov rsp, rbp). */
  MOV_RSP = 43,
  /**
   * An entry of a translated code object (kernel/machine/wasm: its start, a loop's head, see
   * Plan.entries): the interpreter enters the WebAssembly function there. The instruction's own routine is kept in `baseOp`.
   */
  TRANSLATED = 44,
}

/** ALU operations, numbered as in their opcodes' group field (test is 8). */
export const ALU: Readonly<Record<string, number>> = Object.freeze({ add: 0, or: 1, and: 4, sub: 5, xor: 6, cmp: 7, test: 8 });

/** A code object known to the interpreter, with its decoded instructions. */
export class CodeCache {
  /** Decoded instructions by offset. */
  insns: (Insn | undefined)[] = [];
  /** Calls into it counted by the interpreter, and checkpoints that found it running (the tier's policy). */
  heat = 0;
  /** Backward jumps into it the interpreter took (the tier's policy: a long loop run once). */
  loops = 0;
  /** Waiting in the tier's queue. */
  queued = false;
  /** Its WebAssembly function, while it has one (kernel/machine/wasm/tier.ts). */
  translation: Translation | null = null;
  constructor(
    /** Address of the code object's first slot. */
    readonly addr: number,
    /** Number of code bytes. */
    readonly byteLength: number,
    /** Number of cells (slots). */
    readonly cells: number,
  ) {}
}

export class Insn {
  op: number = OP.FAULT;
  /** The table row, or null for FAULT and EXIT records. */
  row: Row | null = null;
  decoded: Decoded | null = null;
  /** Offset in the code object, and length in bytes. */
  off = 0;
  len = 0;
  /** First register operand (destination), second register operand (source), or -1. */
  d = -1;
  s = -1;
  /** Memory operand. base: register, 16 for rip, -1 none. */
  isMem = false;
  memIsDest = false;
  base = -1;
  index = -1;
  scale = 1;
  scaleBig = 1n;
  disp = 0;
  dispBig = 0n;
  /** Immediate (already sign-extended), or shift count, or bytes popped by `ret n`. */
  imm = 0n;
  immNum = 0;
  cc = -1;
  /** ALU operation for ALU_LOAD and the general routine (see ALU). */
  alu = -1;
  /** Branch target as a byte address in the same code object's terms (offset), for rel forms. */
  target = 0;
  /** Return address pushed by a call here: address of the next instruction. */
  retAddr = 0;
  retBig = 0n;
  next: Insn | null = null;
  jump: Insn | null = null;
  /**
   * For ret and indirect jmp/call: the last two target values seen (their low 32 bits and
   * tags) and where they led. Valid for as long as this record is: flushing decoded code drops both.
   */
  seenLo = -1;
  seenTag = -1;
  seenTarget: Insn | null = null;
  /** The target seen before that one: a method's ret goes back to two call sites in turn. */
  seenLo2 = -1;
  seenTag2 = -1;
  seenTarget2: Insn | null = null;
  /** For TRANSLATED records: the routine the instruction has of its own, and its label in the translation. */
  baseOp = 0;
  txLabel = 0;
  /** For FAULT records: the fault to raise, and the instruction it belongs to. */
  faultKind = '';
  faultMessage = '';
  faultAt: Insn | null = null;

  constructor(readonly code: CodeCache) {}
}

function setMemory(ins: Insn, m: MemOperand, dest: boolean): void {
  ins.isMem = true;
  ins.memIsDest = dest;
  ins.base = m.base;
  ins.index = m.index;
  ins.scale = m.scale;
  ins.scaleBig = BigInt(m.scale);
  ins.disp = m.disp;
  ins.dispBig = BigInt(m.disp);
}

const FAST_ALU_RR: Readonly<Record<string, number>> = {
  add: OP.ADD_RR, sub: OP.SUB_RR, cmp: OP.CMP_RR, and: OP.AND_RR, or: OP.OR_RR, xor: OP.XOR_RR, test: OP.TEST_RR,
};
const FAST_ALU_RI: Readonly<Record<string, number>> = {
  add: OP.ADD_RI, sub: OP.SUB_RI, cmp: OP.CMP_RI, and: OP.AND_RI, or: OP.OR_RI, xor: OP.XOR_RI, test: OP.TEST_RI,
};

/** Prepare a decoded instruction for execution at offset `d.address` of `code`. */
export function compileInsn(d: Decoded, code: CodeCache): Insn {
  const ins = new Insn(code);
  const row = d.row;
  ins.row = row;
  ins.decoded = d;
  ins.off = d.address;
  ins.len = d.length;
  ins.cc = row.cc;
  ins.alu = ALU[row.operation] ?? -1;
  ins.retAddr = code.addr + d.address + d.length;
  ins.retBig = BigInt(ins.retAddr);
  d.operands.forEach((op, i) => {
    switch (op.kind) {
      case 'reg': case 'reg8': case 'reg16': if (i === 0) ins.d = op.reg; else if (ins.s < 0) ins.s = op.reg; break;
      case 'mem': setMemory(ins, op, i === 0); break;
      case 'imm': ins.imm = op.value; ins.immNum = Number(op.value); break;
      case 'rel': ins.target = op.target; break;
    }
  });
  ins.op = chooseRoutine(ins, row);
  return ins;
}

function chooseRoutine(ins: Insn, row: Row): number {
  const kinds = row.operands;
  // The fast routines keep rsp inside the stack only where they are written for it.
  const writesRsp = ins.d === RSP && kinds[0] !== 'rm8' && (row.access[0] === 'w' || row.access[0] === 'rw');
  const regReg = !ins.isMem && ins.d >= 0 && ins.s >= 0 && kinds.length === 2;
  const regImm = !ins.isMem && ins.d >= 0 && kinds.length === 2 && (kinds[1] === 'imm8' || kinds[1] === 'imm32' || kinds[1] === 'imm64');
  switch (row.operation) {
    case 'mov':
      if (writesRsp && regReg) return OP.MOV_RSP;
      if (writesRsp || kinds[0] === 'rm8') return OP.GENERIC; // byte moves go the general way
      if (regReg) return OP.MOV_RR;
      if (regImm) return OP.MOV_RI;
      if (ins.isMem) return ins.memIsDest ? (ins.s >= 0 ? OP.MOV_STORE : OP.MOV_STORE_I) : OP.MOV_LOAD;
      return OP.GENERIC;
    case 'lea':
      return writesRsp ? OP.GENERIC : OP.LEA;
    case 'add': case 'sub': case 'cmp': case 'and': case 'or': case 'xor': case 'test':
      if (writesRsp) return regImm && (row.operation === 'add' || row.operation === 'sub') ? OP.RSP_ADJ : OP.GENERIC;
      if (regReg) return FAST_ALU_RR[row.operation];
      if (regImm) return FAST_ALU_RI[row.operation];
      if (ins.isMem && !ins.memIsDest) return OP.ALU_LOAD;
      return OP.GENERIC;
    case 'inc': case 'dec':
      if (writesRsp || ins.isMem) return OP.GENERIC;
      return row.operation === 'inc' ? OP.INC_R : OP.DEC_R;
    case 'jmp':
      return kinds[0] === 'rm64' ? OP.JMP_RM : OP.JMP;
    case 'jcc': return row.cc === 4 || row.cc === 5 ? OP.JZ : OP.JCC;
    case 'call':
      return kinds[0] === 'rm64' ? OP.CALL_RM : OP.CALL;
    case 'ret':
      return kinds.length === 0 ? OP.RET : OP.RET_N;
    case 'push':
      if (kinds[0] === 'r64op') return OP.PUSH_R;
      if (kinds[0] === 'imm8' || kinds[0] === 'imm32') return OP.PUSH_I;
      return OP.GENERIC;
    case 'pop':
      return kinds[0] === 'r64op' && ins.d !== RSP ? OP.POP_R : OP.GENERIC;
    case 'cmovcc':
      return regReg && !writesRsp ? OP.CMOV_RR : OP.GENERIC;
    case 'setcc':
      return !ins.isMem && ins.d !== RSP ? OP.SETCC_R : OP.GENERIC;
    case 'nop':
      return OP.NOP;
    case 'lar':
      return !ins.isMem && ins.s >= 0 && ins.d !== RSP ? OP.LAR_R : OP.GENERIC;
    case 'syscall':
      return OP.SYSCALL;
    default:
      return OP.GENERIC;
  }
}

/** A record that raises a fault when executed, on behalf of instruction `at` (or its own position). */
export function faultInsn(code: CodeCache, off: number, kind: string, message: string, at: Insn | null): Insn {
  const ins = new Insn(code);
  ins.op = OP.FAULT;
  ins.off = off;
  ins.faultKind = kind;
  ins.faultMessage = message;
  ins.faultAt = at;
  return ins;
}

/** The fault raised by record `at`: FAULT records speak for the instruction they stand for. */
export function makeFault(kind: FaultKind, message: string, at: Insn): Fault {
  const owner = at.faultAt ?? at;
  return { kind, message, code: owner.code.addr, offset: owner.off, instruction: instructionText(owner) };
}

function instructionText(ins: Insn): string {
  if (ins.decoded) return formatInstruction(ins.decoded);
  return '(not an instruction)';
}
