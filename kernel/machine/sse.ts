/*
 * SSE2 scalar doubles: the interpreter's routine for every row of the table marked `sse`.
 *
 * An xmm register is 128 bits, kept in the STATE region (cells.ts, XMM_STATE): the low 64
 * bits hold the scalar double these instructions work on, the high 64 bits are kept or
 * cleared exactly as the hardware keeps or clears them (movsd from memory clears them, from a
 * register keeps them; movq clears them; arithmetic keeps them).
 *
 * Results are bit-exact with the CPU under the default MXCSR (round to nearest, no
 * flush-to-zero, every exception masked): JavaScript's arithmetic on doubles is IEEE 754's,
 * and only NaNs need care, because JavaScript does not promise to keep a NaN's bits:
 *   - an operation with a NaN operand answers the first NaN operand (the destination's if it
 *     is one, else the source's), made quiet (bit 51 set);
 *   - an invalid operation on numbers (inf - inf, 0 * inf, 0 / 0, sqrt of a negative)
 *     answers the default NaN, 0xfff8000000000000;
 *   - minsd/maxsd answer the source whenever the comparison is false (NaN, or equal zeros);
 *   - a conversion to an integer that is NaN or out of range answers 0x8000000000000000.
 * ucomisd and comisd set ZF PF CF (unordered 111, less 001, equal 100, greater 000) and
 * clear OF and SF. Values moved into a general register or memory are numbers: a pointer
 * that passes through an xmm register comes back as a number, never as a pointer.
 */
import { STATE, TAG_NUM, TAG_POISON, XMM_STATE } from './cells.ts';
import { BIT_CF, BIT_PF, BIT_ZF, FLAGS_EXPLICIT } from './flags.ts';
import type { Insn } from './insn.ts';
import type { Machine } from './machine.ts';
import type { MemOperand, Operand } from './x86/operand.ts';
import { RSP } from './x86/table.ts';

const QUIET = 1n << 51n;
const DEFAULT_NAN = -(1n << 51n); // 0xfff8000000000000
const INDEFINITE = -(1n << 63n); // 0x8000000000000000
const TWO63 = 2 ** 63;

/** A scratch cell for moving bits between doubles and 64-bit integers. */
const scratch = new DataView(new ArrayBuffer(8));
export function bitsOf(x: number): bigint { scratch.setFloat64(0, x, true); return scratch.getBigInt64(0, true); }
export function doubleOf(bits: bigint): number { scratch.setBigInt64(0, BigInt.asIntN(64, bits), true); return scratch.getFloat64(0, true); }

function isNaNBits(bits: bigint): boolean {
  return (bits & 0x7ff0000000000000n) === 0x7ff0000000000000n && (bits & 0xfffffffffffffn) !== 0n;
}

/** Round half to even, as the CPU rounds by default (cvtsd2si, roundsd with mode 0). */
export function roundEven(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 2 ** 52) return x;
  let r = Math.round(x); // ties toward +infinity
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  return r === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : r;
}

/** The low 64 bits of an operand (an xmm register, or 8 bytes of memory); false on a fault. */
let lowBits = 0n;
function readLow(m: Machine, ins: Insn, op: Operand): boolean {
  const st = m.store;
  switch (op.kind) {
    case 'xmm': lowBits = st.state64[XMM_STATE + 2 * op.reg]; return true;
    case 'reg': lowBits = st.state64[op.reg]; return true;
    case 'mem': {
      const a = m.access(ins, false, 8);
      if (a < 0) return false;
      lowBits = st.cells[a >> 3];
      return true;
    }
    default: m.raise('InvalidOpcode', 'not an operand of an SSE instruction', ins); return false;
  }
}

/** 128 bits of memory (andpd, xorpd), 16-byte aligned as the CPU requires. */
let highBits = 0n;
function read128(m: Machine, ins: Insn, op: Operand): boolean {
  if (op.kind === 'xmm') {
    lowBits = m.store.state64[XMM_STATE + 2 * op.reg];
    highBits = m.store.state64[XMM_STATE + 2 * op.reg + 1];
    return true;
  }
  const a = m.access(ins, false, 16);
  if (a < 0) return false;
  if ((a & 15) !== 0) { m.raise('Bounds', `address 0x${a.toString(16)} is not 16-byte aligned, as a 128-bit access must be`, ins); return false; }
  if (m.store.tags[(a >> 3) + 1] === TAG_POISON) { m.raise('Poisoned', `the cell at 0x${(a + 8).toString(16)} belongs to an object sent to another actor`, ins); return false; }
  lowBits = m.store.cells[a >> 3];
  highBits = m.store.cells[(a >> 3) + 1];
  return true;
}

/** Store 64 bits (a number) into memory or a general register. */
function write64(m: Machine, ins: Insn, op: Operand, v: bigint): boolean {
  const st = m.store;
  if (op.kind === 'reg') {
    if (op.reg === RSP) { m.raise('Tag', 'rsp can only hold an address in the stack, and this result is a number', ins); return false; }
    st.state64[op.reg] = v;
    st.regTags[op.reg] = TAG_NUM;
    return true;
  }
  const mop = op as MemOperand;
  if (mop.kind !== 'mem') { m.raise('InvalidOpcode', 'cannot write to this operand', ins); return false; }
  const a = m.access(ins, true, 8);
  if (a < 0) return false;
  const c = a >> 3;
  st.cells[c] = v;
  st.tags[c] = TAG_NUM;
  if (c >= m.fixedLo && c < m.fixedHi) m.codeWritten(c);
  return true;
}

/** The bits of the result of a binary operation a op b on doubles (a the destination). */
function arithmetic(op: string, aBits: bigint, bBits: bigint): bigint {
  const aNaN = isNaNBits(aBits), bNaN = isNaNBits(bBits);
  if (aNaN) return aBits | QUIET;
  if (bNaN) return bBits | QUIET;
  const a = doubleOf(aBits), b = doubleOf(bBits);
  let r: number;
  switch (op) {
    case 'addsd': r = a + b; break;
    case 'subsd': r = a - b; break;
    case 'mulsd': r = a * b; break;
    default: r = a / b; break;
  }
  return Number.isNaN(r) ? DEFAULT_NAN : bitsOf(r);
}

/** Execute an SSE row; false (with m.pending set) when it faults. */
export function executeSse(m: Machine, ins: Insn): boolean {
  const row = ins.row!;
  const ops = ins.decoded!.operands;
  const S = m.store.state64;
  const dest = ops[0];
  switch (row.operation) {
    case 'movsd': {
      if (dest.kind === 'xmm') {
        if (!readLow(m, ins, ops[1])) return false;
        S[XMM_STATE + 2 * dest.reg] = lowBits;
        if (ops[1].kind === 'mem') S[XMM_STATE + 2 * dest.reg + 1] = 0n;
        return true;
      }
      return readLow(m, ins, ops[1]) && write64(m, ins, dest, lowBits);
    }
    case 'movq': {
      if (dest.kind === 'xmm') {
        if (!readLow(m, ins, ops[1])) return false;
        S[XMM_STATE + 2 * dest.reg] = lowBits;
        S[XMM_STATE + 2 * dest.reg + 1] = 0n;
        return true;
      }
      return readLow(m, ins, ops[1]) && write64(m, ins, dest, lowBits);
    }
    case 'addsd': case 'subsd': case 'mulsd': case 'divsd': {
      if (!readLow(m, ins, ops[1])) return false;
      const d = XMM_STATE + 2 * (dest as { reg: number }).reg;
      S[d] = arithmetic(row.operation, S[d], lowBits);
      return true;
    }
    case 'minsd': case 'maxsd': {
      if (!readLow(m, ins, ops[1])) return false;
      const d = XMM_STATE + 2 * (dest as { reg: number }).reg;
      const aBits = S[d];
      const a = isNaNBits(aBits) ? NaN : doubleOf(aBits), b = isNaNBits(lowBits) ? NaN : doubleOf(lowBits);
      const takeA = row.operation === 'minsd' ? a < b : a > b;
      S[d] = takeA ? aBits : lowBits;
      return true;
    }
    case 'sqrtsd': {
      if (!readLow(m, ins, ops[1])) return false;
      const d = XMM_STATE + 2 * (dest as { reg: number }).reg;
      if (isNaNBits(lowBits)) { S[d] = lowBits | QUIET; return true; }
      const r = Math.sqrt(doubleOf(lowBits));
      S[d] = Number.isNaN(r) ? DEFAULT_NAN : bitsOf(r);
      return true;
    }
    case 'roundsd': {
      if (!readLow(m, ins, ops[1])) return false;
      const d = XMM_STATE + 2 * (dest as { reg: number }).reg;
      if (isNaNBits(lowBits)) { S[d] = lowBits | QUIET; return true; }
      const x = doubleOf(lowBits);
      const mode = (ins.immNum & 4) !== 0 ? 0 : ins.immNum & 3; // bit 2: MXCSR's mode, round to nearest here
      const r = mode === 0 ? roundEven(x) : mode === 1 ? Math.floor(x) : mode === 2 ? Math.ceil(x) : Math.trunc(x);
      S[d] = bitsOf(r);
      return true;
    }
    case 'ucomisd': case 'comisd': {
      if (!readLow(m, ins, ops[1])) return false;
      const aBits = S[XMM_STATE + 2 * (dest as { reg: number }).reg];
      const S32 = m.store.state32;
      let bits: number;
      if (isNaNBits(aBits) || isNaNBits(lowBits)) bits = BIT_ZF | BIT_PF | BIT_CF;
      else {
        const a = doubleOf(aBits), b = doubleOf(lowBits);
        bits = a < b ? BIT_CF : a === b ? BIT_ZF : 0;
      }
      S32[STATE.FLAG_BITS] = bits;
      S32[STATE.FLAG_KIND] = FLAGS_EXPLICIT;
      return true;
    }
    case 'cvtsi2sd': {
      if (!readLow(m, ins, ops[1])) return false;
      const d = XMM_STATE + 2 * (dest as { reg: number }).reg;
      S[d] = bitsOf(Number(BigInt.asIntN(64, lowBits)));
      return true;
    }
    case 'cvttsd2si': case 'cvtsd2si': {
      if (!readLow(m, ins, ops[1])) return false;
      const x = isNaNBits(lowBits) ? NaN : doubleOf(lowBits);
      const r = row.operation === 'cvttsd2si' ? Math.trunc(x) : roundEven(x);
      const v = Number.isNaN(r) || r >= TWO63 || r < -TWO63 ? INDEFINITE : BigInt(r);
      return write64(m, ins, dest, v);
    }
    case 'andpd': case 'xorpd': {
      if (!read128(m, ins, ops[1])) return false;
      const d = XMM_STATE + 2 * (dest as { reg: number }).reg;
      if (row.operation === 'andpd') { S[d] &= lowBits; S[d + 1] &= highBits; } else { S[d] ^= lowBits; S[d + 1] ^= highBits; }
      return true;
    }
    default:
      m.raise('InvalidOpcode', `'${row.mnemonic}' has no routine`, ins);
      return false;
  }
}
