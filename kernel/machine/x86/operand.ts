/*
 * Structured instructions: the form in which the encoder takes an instruction, the decoder
 * gives one back, and the disassembler prints one. Text never travels between them.
 */
import type { Row } from './table.ts';

/** A 64-bit register, 0..15 (rax .. r15). */
export interface RegOperand { readonly kind: 'reg'; readonly reg: number }
/** A 16-bit register, 0..15 (ax .. r15w): only the source of `lar`. */
export interface Reg16Operand { readonly kind: 'reg16'; readonly reg: number }
/** An SSE register, 0..15 (xmm0 .. xmm15). */
export interface XmmOperand { readonly kind: 'xmm'; readonly reg: number }
/** A byte register, 0..19 (see REG8: 16..19 are ah, ch, dh, bh). */
export interface Reg8Operand { readonly kind: 'reg8'; readonly reg: number }
/**
 * A memory operand [base + index*scale + disp]. base is a register, RIP (16), or -1 for none;
 * index is a register other than rsp, or -1. size is the access width in bits if the text
 * spelled it (`qword ptr`, `byte ptr`, `xmmword ptr`), else 0.
 */
export interface MemOperand {
  readonly kind: 'mem';
  readonly base: number;
  readonly index: number;
  readonly scale: 1 | 2 | 4 | 8;
  readonly disp: number;
  readonly size: 0 | 8 | 16 | 64 | 128;
  /**
   * Only with base RIP, before layout: the label or literal (assembler.ts) the address is of,
   * disp then being added to it. The assembler resolves it to a displacement.
   */
  readonly label?: string;
}
/** An immediate, as the 64-bit value it stands for (sign-extended forms already extended). */
export interface ImmOperand { readonly kind: 'imm'; readonly value: bigint }
/** A branch target: an address in the same unit (a code object's offset). */
export interface RelOperand { readonly kind: 'rel'; readonly target: number }

export type Operand = RegOperand | Reg16Operand | Reg8Operand | XmmOperand | MemOperand | ImmOperand | RelOperand;

/**
 * Encoding choices an instruction's text can force, as GNU `as` pseudo-prefixes do:
 * `{load}` / `{store}` pick the direction of a register-to-register form, `{disp8}` / `{disp32}`
 * the size of a memory displacement or of a branch displacement.
 */
export interface Hints {
  readonly load?: boolean;
  readonly store?: boolean;
  readonly disp8?: boolean;
  readonly disp32?: boolean;
}
export const NO_HINTS: Hints = Object.freeze({});

/** A decoded instruction: the row, its operands in Intel order, and how it was encoded. */
export interface Decoded {
  readonly row: Row;
  readonly operands: readonly Operand[];
  /** Address (offset in its code object) of the first byte. */
  readonly address: number;
  readonly length: number;
  /** The instruction's bytes. */
  readonly bytes: Uint8Array;
}

export const reg = (r: number): RegOperand => ({ kind: 'reg', reg: r });
export const reg8 = (r: number): Reg8Operand => ({ kind: 'reg8', reg: r });
export const reg16 = (r: number): Reg16Operand => ({ kind: 'reg16', reg: r });
export const xmm = (r: number): XmmOperand => ({ kind: 'xmm', reg: r });
export const imm = (v: bigint | number): ImmOperand => ({ kind: 'imm', value: BigInt(v) });
export const rel = (target: number): RelOperand => ({ kind: 'rel', target });
export function mem(base: number, index = -1, scale: 1 | 2 | 4 | 8 = 1, disp = 0, size: 0 | 8 | 16 | 64 | 128 = 0): MemOperand {
  return { kind: 'mem', base, index, scale, disp, size };
}
