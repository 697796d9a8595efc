/*
 * What an instruction does to the registers, read off the table's facts (table.ts: each row's
 * operand access, implicit registers and control class): the peephole optimizer's liveness,
 * the translator's register caching and the test generators all ask here, so no second list
 * of instruction knowledge exists.
 */
import { MNEMONICS, RIP, type Row } from './table.ts';

/** An operand as far as registers go: the decoder's, the encoder's and the compiler's forms all fit. */
export type RegisterOperand =
  | { readonly kind: 'reg' | 'reg8' | 'reg16'; readonly reg: number }
  /** An xmm register: not one of the sixteen general registers these effects are about. */
  | { readonly kind: 'xmm'; readonly reg: number }
  | { readonly kind: 'mem'; readonly base: number; readonly index: number }
  | { readonly kind: 'imm' | 'rel' | 'label' };

export interface RegisterEffects {
  /** Registers (0..15) read: operands read, address registers, implicit reads. */
  readonly reads: readonly number[];
  /** Registers written (wholly or in part). */
  readonly writes: readonly number[];
  /** The instruction leaves the straight-line flow (branch, call, ret, host service ...). */
  readonly control: boolean;
}

/** The 64-bit register a register operand lies in (ah..bh are bytes 1 of rax..rbx). */
export function registerOf(op: RegisterOperand): number {
  if (op.kind === 'reg' || op.kind === 'reg16') return op.reg;
  if (op.kind === 'reg8') return op.reg < 16 ? op.reg : op.reg - 16;
  return -1;
}

/** The effects of `row` with these operands. */
export function registerEffects(row: Row, operands: readonly RegisterOperand[]): RegisterEffects {
  const reads = new Set<number>(row.implicitReads), writes = new Set<number>(row.implicitWrites);
  operands.forEach((op, i) => {
    if (op.kind === 'mem') {
      if (op.base >= 0 && op.base !== RIP) reads.add(op.base);
      if (op.index >= 0) reads.add(op.index);
      return;
    }
    const r = registerOf(op);
    if (r < 0) return;
    const access = row.access[i] ?? 'r';
    if (access === 'r' || access === 'rw') reads.add(r);
    if (access === 'w' || access === 'rw') writes.add(r);
  });
  return { reads: [...reads], writes: [...writes], control: row.control !== 'next' };
}

/**
 * The row an assembler mnemonic with these operands stands for, as far as its facts go (the
 * forms of one mnemonic differ in facts only by operand count and a byte destination).
 */
export function rowForMnemonic(mnemonic: string, operands: readonly RegisterOperand[]): Row | undefined {
  const rows = MNEMONICS.get(mnemonic);
  if (!rows) return undefined;
  const byteDest = operands[0]?.kind === 'reg8';
  return rows.find((r) => r.operands.length === operands.length && (r.operands[0] === 'rm8') === byteDest)
    ?? rows.find((r) => r.operands.length === operands.length)
    ?? rows[0];
}
