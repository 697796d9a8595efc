/*
 * The peephole optimizer: rules as data, each a pattern over a few consecutive instructions,
 * a rewrite, and why it is sound. They run to a fixed point over the native back end's
 * instruction list, before it is encoded.
 *
 *   rule              before                         after              when
 *   self-move         mov A, A                       (nothing)
 *   move-through      mov A, X ; mov B, A            mov B, X           A is dead after, B not in X's address
 *   push-pop          push rax ; pop rax             (nothing)
 *   push-around       push A ; I ; pop A             I                  I neither uses A, nor rsp, nor branches
 *   push-move         push A ; [I ;] pop B           mov B, A ; [I]     I neither uses B, nor rsp, nor branches
 *   dead-write        mov A, X                       (nothing)          A is dead after (X may be a load:
 *                                                                       the seed drops it, fault and all)
 *   constant-operand  mov R, imm ; op X, R           op X, imm          R is dead after, and the form exists
 *
 * "Dead" is decided by a forward scan that follows jumps: a register is dead when on every
 * path it is written before it is read. At `ret` the ABI says what is live (rax, rsp and the
 * callee-saved registers); at a call, a syscall or an indirect jump everything is.
 */
import type { ItemOperand } from '../../kernel/machine/x86/assembler.ts';
import { encode } from '../../kernel/machine/x86/encoder.ts';
import type { Hints, Operand } from '../../kernel/machine/x86/operand.ts';
import { registerEffects, rowForMnemonic } from '../../kernel/machine/x86/effects.ts';
import { MNEMONICS, RIP, RSP, type Control } from '../../kernel/machine/x86/table.ts';

/** One instruction of the native back end, with where it came from (for listings). */
export interface Instruction {
  readonly mnemonic: string;
  readonly operands: readonly ItemOperand[];
  readonly hints: Hints;
  readonly origin: string;
}

export type Line = Instruction | { readonly label: string; readonly origin: string };

export function isInstruction(l: Line): l is Instruction { return 'mnemonic' in l; }

/** Live at `ret`: the result, the stack, and the registers a callee must preserve (ABI). */
const LIVE_AT_RET = new Set([0, 4, 5, 3, 7, 12, 13, 14, 15]);

function control(i: Instruction): Control | undefined {
  return MNEMONICS.get(i.mnemonic)?.[0]?.control;
}

function regOf(op: ItemOperand | undefined): number {
  return op && op.kind === 'reg' ? op.reg : -1;
}

/** Registers an operand's address uses. */
function addressRegisters(op: ItemOperand): number[] {
  if (op.kind !== 'mem') return [];
  return [op.base, op.index].filter((r) => r >= 0 && r !== RIP);
}

interface Effects { readonly reads: ReadonlySet<number>; readonly writes: ReadonlySet<number>; readonly barrier: boolean }

/**
 * What one instruction reads and writes (registers only), from the instruction table's facts;
 * `barrier` when control leaves the straight line (jumps are followed by deadAfter itself).
 */
export function effects(i: Instruction): Effects {
  const row = rowForMnemonic(i.mnemonic, i.operands);
  if (!row) return { reads: new Set(), writes: new Set(), barrier: true };
  const e = registerEffects(row, i.operands);
  return { reads: new Set(e.reads), writes: new Set(e.writes), barrier: e.control };
}

/**
 * Is register `r` dead after line `at`: on every path from there, written before it is read?
 * Jumps are followed to their labels (both ways for a conditional one); a path that comes
 * back to a label already seen reads nothing new.
 */
export function deadAfter(lines: readonly Line[], at: number, r: number, seen: Set<string> = new Set()): boolean {
  for (let j = at + 1; j < lines.length; j++) {
    const l = lines[j];
    if (!isInstruction(l)) {
      if (seen.has(l.label)) return true;
      seen.add(l.label);
      continue;
    }
    const flow = control(l);
    if (flow === 'ret') return !LIVE_AT_RET.has(r);
    const target = l.operands[0]?.kind === 'label' ? l.operands[0].name : null;
    if (target !== null && (flow === 'jump' || flow === 'branch')) {
      const at2 = lines.findIndex((x) => !isInstruction(x) && x.label === target);
      if (at2 < 0) return false;
      if (flow === 'jump') { j = at2 - 1; continue; }
      if (!deadAfter(lines, at2 - 1, r, seen)) return false;
      continue; // and the fall-through path
    }
    const e = effects(l);
    if (e.barrier || e.reads.has(r)) return false;
    if (e.writes.has(r)) return true;
  }
  return false;
}

function encodable(mnemonic: string, operands: readonly ItemOperand[], hints: Hints): boolean {
  if (operands.some((op) => op.kind === 'label')) return true;
  return encode(mnemonic, operands as Operand[], hints).ok;
}

export interface Rule {
  readonly name: string;
  readonly why: string;
  /** Try the rule at line `at`; return the replacement of lines [at, at + consumed) or null. */
  readonly apply: (lines: readonly Line[], at: number) => { readonly consumed: number; readonly with: readonly Line[] } | null;
}

const insn = (lines: readonly Line[], i: number): Instruction | null => {
  const l = lines[i];
  return l && isInstruction(l) ? l : null;
};

export const RULES: readonly Rule[] = Object.freeze([
  {
    name: 'self-move',
    why: 'moving a register to itself changes nothing (and mov sets no flags)',
    apply: (lines, at) => {
      const a = insn(lines, at);
      if (!a || a.mnemonic !== 'mov' || regOf(a.operands[0]) < 0 || regOf(a.operands[0]) !== regOf(a.operands[1])) return null;
      return { consumed: 1, with: [] };
    },
  },
  {
    name: 'move-through',
    why: 'a value moved through a register that nothing reads afterwards can go straight to its destination',
    apply: (lines, at) => {
      const a = insn(lines, at), b = insn(lines, at + 1);
      if (!a || !b || a.mnemonic !== 'mov' || b.mnemonic !== 'mov') return null;
      const via = regOf(a.operands[0]);
      if (via < 0 || regOf(b.operands[1]) !== via || b.operands[0].kind !== 'reg') return null;
      const dest = regOf(b.operands[0]);
      if (dest === via || addressRegisters(a.operands[1]).includes(via)) return null;
      if (!deadAfter(lines, at + 1, via)) return null;
      const operands = [b.operands[0], a.operands[1]];
      if (!encodable('mov', operands, {})) return null;
      return { consumed: 2, with: [{ mnemonic: 'mov', operands, hints: {}, origin: b.origin }] };
    },
  },
  {
    name: 'push-pop',
    why: 'pushing a register and popping it straight back changes nothing',
    apply: (lines, at) => {
      const a = insn(lines, at), b = insn(lines, at + 1);
      if (!a || !b || a.mnemonic !== 'push' || b.mnemonic !== 'pop') return null;
      const r = regOf(a.operands[0]);
      if (r < 0 || r !== regOf(b.operands[0])) return null;
      return { consumed: 2, with: [] };
    },
  },
  {
    name: 'push-around',
    why: 'saving a register around one instruction that neither uses it nor the stack is unnecessary',
    apply: (lines, at) => {
      const a = insn(lines, at), mid = insn(lines, at + 1), b = insn(lines, at + 2);
      if (!a || !mid || !b || a.mnemonic !== 'push' || b.mnemonic !== 'pop') return null;
      const r = regOf(a.operands[0]);
      if (r < 0 || r !== regOf(b.operands[0])) return null;
      const e = effects(mid);
      if (e.barrier || e.reads.has(r) || e.writes.has(r) || e.reads.has(RSP) || e.writes.has(RSP)) return null;
      return { consumed: 3, with: [mid] };
    },
  },
  {
    name: 'push-move',
    why: 'pushing one register and popping another, around at most one instruction that leaves both the stack and the second register alone, is a move',
    apply: (lines, at) => {
      const a = insn(lines, at);
      if (!a || a.mnemonic !== 'push') return null;
      const from = regOf(a.operands[0]);
      if (from < 0) return null;
      const next = insn(lines, at + 1);
      const [mid, b] = next && next.mnemonic === 'pop' ? [null, next] : [next, insn(lines, at + 2)];
      if (!b || b.mnemonic !== 'pop') return null;
      const to = regOf(b.operands[0]);
      if (to < 0 || to === from || to === RSP) return null;
      if (mid) {
        const e = effects(mid);
        if (e.barrier || e.reads.has(to) || e.writes.has(to) || e.reads.has(RSP) || e.writes.has(RSP)) return null;
      }
      const move: Instruction = { mnemonic: 'mov', operands: [b.operands[0], a.operands[0]], hints: {}, origin: a.origin };
      return { consumed: mid ? 3 : 2, with: mid ? [move, mid] : [move] };
    },
  },
  {
    name: 'dead-write',
    why: 'a register written and then overwritten before anything reads it was written for nothing',
    apply: (lines, at) => {
      const a = insn(lines, at);
      if (!a || a.mnemonic !== 'mov' || a.operands[0].kind !== 'reg') return null;
      const r = regOf(a.operands[0]);
      if (r === RSP || !deadAfter(lines, at, r)) return null;
      return { consumed: 1, with: [] };
    },
  },
  {
    name: 'constant-operand',
    why: 'an immediate moved into a register only to be used once can be the operand itself',
    apply: (lines, at) => {
      const a = insn(lines, at), b = insn(lines, at + 1);
      if (!a || !b || a.mnemonic !== 'mov' || a.operands[1]?.kind !== 'imm') return null;
      const r = regOf(a.operands[0]);
      if (r < 0 || b.mnemonic === 'mov' || b.operands.length !== 2 || regOf(b.operands[1]) !== r) return null;
      if (regOf(b.operands[0]) === r || addressRegisters(b.operands[0]).includes(r)) return null;
      if (!deadAfter(lines, at + 1, r)) return null;
      const operands = [b.operands[0], a.operands[1]];
      if (!encodable(b.mnemonic, operands, b.hints)) return null;
      return { consumed: 2, with: [{ mnemonic: b.mnemonic, operands, hints: b.hints, origin: b.origin }] };
    },
  },
] satisfies Rule[]);

export interface PeepholeReport {
  readonly lines: readonly Line[];
  /** How many times each rule fired. */
  readonly fired: Readonly<Record<string, number>>;
}

/** Apply the rules until none fires. */
export function optimize(input: readonly Line[], rules: readonly Rule[] = RULES): PeepholeReport {
  let lines = [...input];
  const fired: Record<string, number> = {};
  for (let changed = true, rounds = 0; changed && rounds < 100; rounds++) {
    changed = false;
    for (let at = 0; at < lines.length; at++) {
      for (const rule of rules) {
        const r = rule.apply(lines, at);
        if (!r) continue;
        lines = [...lines.slice(0, at), ...r.with, ...lines.slice(at + r.consumed)];
        fired[rule.name] = (fired[rule.name] ?? 0) + 1;
        changed = true;
        at = Math.max(-1, at - 2);
        break;
      }
    }
  }
  return { lines, fired };
}

