/*
 * Lazy flags. An instruction that sets flags records what it did (its kind, its operands and
 * its result) in the STATE region; CF, ZF, SF, OF and PF are computed from that record only
 * when a jcc, setcc or cmovcc (or the host) asks. The record:
 *
 *   kind      CF                       OF                               ZF, SF, PF
 *   ADD       res <u a                 sign of (a^res) & (b^res)        from res
 *   SUB       a <u b                   sign of (a^b) & (a^res)          from res
 *   LOGIC     0                        0                                from res
 *   EAGER     stored bit               stored bit                       from res
 *   EXPLICIT  stored bit               stored bit                       stored bits
 *
 * EAGER serves inc/dec (CF kept from before), neg, shifts and imul, whose CF and OF are
 * cheaper to compute when they execute. All reads use the 32-bit halves: comparing BigInts
 * costs far more than comparing two int32 pairs.
 */
import { STATE } from './cells.ts';

export const FLAGS_ADD = 0;
export const FLAGS_SUB = 1;
export const FLAGS_LOGIC = 2;
export const FLAGS_EAGER = 3;
export const FLAGS_EXPLICIT = 4;

const A = STATE.FLAG_A32, B = STATE.FLAG_B32, R = STATE.FLAG_RES32;
const KIND = STATE.FLAG_KIND, CF = STATE.FLAG_CF, OF = STATE.FLAG_OF, BITS = STATE.FLAG_BITS;

/** Bits of FLAG_BITS in the EXPLICIT kind. */
export const BIT_CF = 1, BIT_ZF = 2, BIT_SF = 4, BIT_OF = 8, BIT_PF = 16;

/** Unsigned a < b for 64-bit values given as int32 halves. */
export function below(ahi: number, alo: number, bhi: number, blo: number): boolean {
  const ah = ahi >>> 0, bh = bhi >>> 0;
  return ah < bh || (ah === bh && alo >>> 0 < blo >>> 0);
}

/** Signed a < b for 64-bit values given as int32 halves. */
export function less(ahi: number, alo: number, bhi: number, blo: number): boolean {
  return ahi < bhi || (ahi === bhi && alo >>> 0 < blo >>> 0);
}

export function carry(s: Int32Array): boolean {
  switch (s[KIND]) {
    case FLAGS_ADD: return below(s[R + 1], s[R], s[A + 1], s[A]);
    case FLAGS_SUB: return below(s[A + 1], s[A], s[B + 1], s[B]);
    case FLAGS_LOGIC: return false;
    case FLAGS_EAGER: return s[CF] !== 0;
    default: return (s[BITS] & BIT_CF) !== 0;
  }
}

export function overflow(s: Int32Array): boolean {
  switch (s[KIND]) {
    case FLAGS_ADD: return ((s[A + 1] ^ s[R + 1]) & (s[B + 1] ^ s[R + 1])) < 0;
    case FLAGS_SUB: return ((s[A + 1] ^ s[B + 1]) & (s[A + 1] ^ s[R + 1])) < 0;
    case FLAGS_LOGIC: return false;
    case FLAGS_EAGER: return s[OF] !== 0;
    default: return (s[BITS] & BIT_OF) !== 0;
  }
}

export function zero(s: Int32Array): boolean {
  return s[KIND] === FLAGS_EXPLICIT ? (s[BITS] & BIT_ZF) !== 0 : (s[R] | s[R + 1]) === 0;
}

export function sign(s: Int32Array): boolean {
  return s[KIND] === FLAGS_EXPLICIT ? (s[BITS] & BIT_SF) !== 0 : s[R + 1] < 0;
}

/** PF: set when the low byte of the result has an even number of one bits. */
export function parity(s: Int32Array): boolean {
  if (s[KIND] === FLAGS_EXPLICIT) return (s[BITS] & BIT_PF) !== 0;
  let v = s[R] & 0xff;
  v ^= v >> 4;
  v ^= v >> 2;
  v ^= v >> 1;
  return (v & 1) === 0;
}

/** Evaluate condition code cc (0..15, Intel's numbering). */
export function condition(s: Int32Array, cc: number): boolean {
  // cmp followed by a branch is the common case: answer it from the operands directly.
  if (s[KIND] === FLAGS_SUB) {
    const ahi = s[A + 1], alo = s[A], bhi = s[B + 1], blo = s[B];
    switch (cc) {
      case 0x2: return below(ahi, alo, bhi, blo);
      case 0x3: return !below(ahi, alo, bhi, blo);
      case 0x4: return ahi === bhi && alo === blo;
      case 0x5: return ahi !== bhi || alo !== blo;
      case 0x6: return !below(bhi, blo, ahi, alo);
      case 0x7: return below(bhi, blo, ahi, alo);
      case 0xc: return less(ahi, alo, bhi, blo);
      case 0xd: return !less(ahi, alo, bhi, blo);
      case 0xe: return !less(bhi, blo, ahi, alo);
      case 0xf: return less(bhi, blo, ahi, alo);
      default: break;
    }
  }
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = overflow(s); break;
    case 1: r = carry(s); break;
    case 2: r = zero(s); break;
    case 3: r = carry(s) || zero(s); break;
    case 4: r = sign(s); break;
    case 5: r = parity(s); break;
    case 6: r = sign(s) !== overflow(s); break;
    default: r = zero(s) || sign(s) !== overflow(s); break;
  }
  return (cc & 1) === 0 ? r : !r;
}

export interface FlagValues { CF: number; ZF: number; SF: number; OF: number; PF: number }

export function readFlags(s: Int32Array): FlagValues {
  return { CF: +carry(s), ZF: +zero(s), SF: +sign(s), OF: +overflow(s), PF: +parity(s) };
}

/** Set the flags to explicit values (the host, or a test, starting from known flags). */
export function writeFlags(s: Int32Array, f: Partial<FlagValues>): void {
  const now = readFlags(s);
  const v = { ...now, ...f };
  s[BITS] = (v.CF ? BIT_CF : 0) | (v.ZF ? BIT_ZF : 0) | (v.SF ? BIT_SF : 0) | (v.OF ? BIT_OF : 0) | (v.PF ? BIT_PF : 0);
  s[KIND] = FLAGS_EXPLICIT;
}

/** Set ZF and keep CF, SF, OF and PF as they are (lar), without building a FlagValues. */
export function setZeroFlag(s: Int32Array): void {
  const bits = (carry(s) ? BIT_CF : 0) | BIT_ZF | (sign(s) ? BIT_SF : 0) | (overflow(s) ? BIT_OF : 0) | (parity(s) ? BIT_PF : 0);
  s[BITS] = bits;
  s[KIND] = FLAGS_EXPLICIT;
}
