/*
 * The encoder: a structured instruction to bytes, choosing among the table's rows the way
 * GNU `as` does by default (no -O): the shortest form that can hold the operands, and the
 * earlier row when two forms have the same length. The assembler and the disassembler's
 * round-trip check both come through here.
 *
 * Memory operands are encoded as `as` encodes them:
 *
 *   [disp32]            ModRM rm=100 + SIB(base=101, index=100)  + disp32
 *   [rip+disp32]        ModRM mod=00 rm=101                       + disp32
 *   [base]              mod=00 (rbp/r13 take mod=01 with disp8 0; rsp/r12 take a SIB)
 *   [base+disp]         mod=01 with disp8 when it fits, else mod=10 with disp32
 *   [index*s+disp32]    SIB(base=101), mod=00, always disp32
 *   [base+index*s+disp] SIB, displacement as for [base+disp]
 */
import { MNEMONICS, RIP, RSP, type OperandKind, type Row } from './table.ts';
import type { Hints, MemOperand, Operand } from './operand.ts';

export type EncodeResult =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly row: Row }
  | { readonly ok: false; readonly error: string };

/** How a jump may be encoded: as `as` decides (`auto`), or forced by relaxation. */
export type BranchSize = 'auto' | 'short' | 'near';

const INT8_MIN = -128n, INT8_MAX = 127n;
const INT32_MIN = -(2n ** 31n), INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n, UINT64_MAX = 2n ** 64n - 1n;

function fitsImmediate(kind: OperandKind, v: bigint): boolean {
  // As in GNU as, a value in [2^63, 2^64) is the 64-bit pattern of a negative number: 0xffffffffffffff80
  // (objdump's spelling of a sign-extended imm8) is -128 and fits imm8.
  if ((kind === 'imm8' || kind === 'imm32') && v > INT64_MAX && v <= UINT64_MAX) v -= 2n ** 64n;
  switch (kind) {
    case 'imm8': return v >= INT8_MIN && v <= INT8_MAX;
    case 'imm32': return v >= INT32_MIN && v <= INT32_MAX;
    case 'imm64': return v >= INT64_MIN && v <= UINT64_MAX;
    case 'uimm8': return v >= 0n && v <= 255n;
    case 'uimm16': return v >= 0n && v <= 65535n;
    case 'one': return v === 1n;
    default: return false;
  }
}

/** Does operand `op` fit operand kind `kind` (ignoring branch reach, checked at encoding)? */
export function operandFits(kind: OperandKind, op: Operand): boolean {
  switch (kind) {
    case 'r64': case 'r64op': return op.kind === 'reg';
    case 'rax': return op.kind === 'reg' && op.reg === 0;
    case 'cl': return op.kind === 'reg8' && op.reg === 1;
    case 'r8': return op.kind === 'reg8';
    case 'rm64': return op.kind === 'reg' || (op.kind === 'mem' && (op.size === 0 || op.size === 64));
    case 'm64': return op.kind === 'mem' && (op.size === 0 || op.size === 64);
    case 'rm8': return op.kind === 'reg8' || (op.kind === 'mem' && (op.size === 0 || op.size === 8));
    // lar's source: a 16-bit register (as GNU as spells it), or, for parameters bound to
    // 64-bit registers, the 64-bit name (the encoding is the same).
    case 'rm16': return op.kind === 'reg16' || op.kind === 'reg' || (op.kind === 'mem' && (op.size === 0 || op.size === 16));
    case 'rel8': case 'rel32': return op.kind === 'rel';
    case 'xmm': return op.kind === 'xmm';
    case 'xmm_m64': return op.kind === 'xmm' || (op.kind === 'mem' && (op.size === 0 || op.size === 64));
    case 'xmm_m128': return op.kind === 'xmm' || (op.kind === 'mem' && (op.size === 0 || op.size === 128));
    default: return op.kind === 'imm' && fitsImmediate(kind, op.value);
  }
}

function fitsInt8(n: number): boolean { return n >= -128 && n <= 127; }

interface ModrmParts { rexR: number; rexX: number; rexB: number; bytes: number[]; needsRex: boolean; forbidsRex: boolean }

function pushLE(out: number[], value: bigint, size: number): void {
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) { out.push(Number(v & 0xffn)); v >>= 8n; }
}

/** ModRM (and SIB and displacement) for register field `regField` and r/m operand `rm`. */
function modrm(regField: number, rm: Operand, hints: Hints): ModrmParts | string {
  const parts: ModrmParts = { rexR: (regField >> 3) & 1, rexX: 0, rexB: 0, bytes: [], needsRex: false, forbidsRex: false };
  const r3 = (regField & 7) << 3;
  if (rm.kind === 'reg' || rm.kind === 'reg8' || rm.kind === 'reg16' || rm.kind === 'xmm') {
    let n = rm.reg;
    if (rm.kind === 'reg8') {
      if (n >= 16) { parts.forbidsRex = true; n = n - 16 + 4; } else if (n >= 4 && n <= 7) parts.needsRex = true;
    }
    parts.rexB = (n >> 3) & 1;
    parts.bytes.push(0xc0 | r3 | (n & 7));
    return parts;
  }
  if (rm.kind !== 'mem') return 'expected a register or memory operand';
  return memory(parts, r3, rm, hints);
}

function memory(parts: ModrmParts, r3: number, m: MemOperand, hints: Hints): ModrmParts | string {
  const disp32 = (): void => { pushLE(parts.bytes, BigInt(m.disp), 4); };
  if (m.disp < -(2 ** 31) || m.disp > 2 ** 31 - 1) return 'displacement does not fit in 32 bits';
  if (m.index === RSP) return 'rsp cannot be an index register';
  if (m.base === RIP) {
    if (m.index >= 0) return 'a rip-relative address cannot have an index';
    if (hints.disp8) return '{disp8} is not possible with a rip-relative address';
    parts.bytes.push(0x00 | r3 | 5);
    disp32();
    return parts;
  }
  if (m.base < 0) {
    if (hints.disp8) return '{disp8} needs a base register';
    const index = m.index < 0 ? 4 : m.index;
    parts.rexX = (index >> 3) & 1;
    parts.bytes.push(0x00 | r3 | 4, (scaleBits(m.scale) << 6) | ((index & 7) << 3) | 5);
    disp32();
    return parts;
  }
  parts.rexB = (m.base >> 3) & 1;
  // Displacement size: none, 8 or 32 bits.
  let mod: number;
  if (hints.disp32) mod = 2;
  else if (hints.disp8) { if (!fitsInt8(m.disp)) return 'displacement does not fit in 8 bits for {disp8}'; mod = 1; }
  else if (m.disp === 0 && (m.base & 7) !== 5) mod = 0;
  else mod = fitsInt8(m.disp) ? 1 : 2;
  if (m.index < 0 && (m.base & 7) !== 4) {
    parts.bytes.push((mod << 6) | r3 | (m.base & 7));
  } else {
    const index = m.index < 0 ? 4 : m.index;
    parts.rexX = (index >> 3) & 1;
    const scale = m.index < 0 ? 0 : scaleBits(m.scale);
    parts.bytes.push((mod << 6) | r3 | 4, (scale << 6) | ((index & 7) << 3) | (m.base & 7));
  }
  if (mod === 1) pushLE(parts.bytes, BigInt(m.disp), 1);
  else if (mod === 2) disp32();
  return parts;
}

function scaleBits(scale: number): number {
  return scale === 1 ? 0 : scale === 2 ? 1 : scale === 4 ? 2 : 3;
}

/**
 * Encode `operands` with one particular row at `address`, or say why they do not fit.
 * For rel8 rows the branch must reach; `operands` must already fit the row's kinds.
 */
export function encodeRow(row: Row, operands: readonly Operand[], hints: Hints, address: number): Uint8Array | string {
  const rexW = row.width === 'W1' ? 1 : 0;
  let rexR = 0, rexX = 0, rexB = 0;
  let needsRex = false, forbidsRex = false;
  const opcode = [...row.opcode];
  let tail: number[] = [];
  const immediates: number[] = [];
  let relKind: OperandKind | null = null, relTarget = 0;

  // The ModRM operands: the register field comes from an r64 operand or the row's /digit.
  if (row.hasModrm) {
    const regIndex = row.operands.findIndex((k) => k === 'r64' || k === 'r8' || k === 'xmm');
    const rmIndex = row.operands.findIndex((k) => k === 'rm64' || k === 'm64' || k === 'rm8' || k === 'rm16' || k === 'xmm_m64' || k === 'xmm_m128');
    let regField = regIndex >= 0 ? (operands[regIndex] as { reg: number }).reg : row.digit;
    let byteRegNeedsRex = false, byteRegForbidsRex = false;
    if (row.operands[regIndex] === 'r8') {
      // A byte register in the reg field: spl..dil need a REX prefix; ah..bh (16..19) forbid one.
      if (regField >= 16) { regField = regField - 16 + 4; byteRegForbidsRex = true; } else if (regField >= 4 && regField <= 7) byteRegNeedsRex = true;
    }
    const parts = modrm(regField, operands[rmIndex], hints);
    if (typeof parts === 'string') return parts;
    ({ rexR, rexX, rexB } = parts);
    needsRex = parts.needsRex || byteRegNeedsRex;
    forbidsRex = parts.forbidsRex || byteRegForbidsRex;
    tail = parts.bytes;
  }
  row.operands.forEach((kind, i) => {
    const op = operands[i];
    switch (kind) {
      case 'r64op': {
        const r = (op as { reg: number }).reg;
        rexB = (r >> 3) & 1;
        opcode[opcode.length - 1] += r & 7;
        break;
      }
      case 'imm8': case 'uimm8': pushLE(immediates, (op as { value: bigint }).value, 1); break;
      case 'uimm16': pushLE(immediates, (op as { value: bigint }).value, 2); break;
      case 'imm32': pushLE(immediates, (op as { value: bigint }).value, 4); break;
      case 'imm64': pushLE(immediates, (op as { value: bigint }).value, 8); break;
      case 'rel8': case 'rel32': relKind = kind; relTarget = (op as { target: number }).target; break;
      default: break;
    }
  });
  const rexBits = (rexW << 3) | (rexR << 2) | (rexX << 1) | rexB;
  const useRex = rexBits !== 0 || needsRex;
  if (useRex && (forbidsRex || row.width === 'none')) return 'this operand cannot be combined with a REX prefix';
  const bytes = [...(row.prefix ? [row.prefix] : []), ...(useRex ? [0x40 | rexBits] : []), ...opcode, ...tail, ...immediates];
  if (relKind !== null) {
    const size = relKind === 'rel8' ? 1 : 4;
    const end = address + bytes.length + size;
    const disp = relTarget - end;
    if (relKind === 'rel8' && !fitsInt8(disp)) return 'branch target out of reach of an 8-bit displacement';
    if (relKind === 'rel32' && (disp < -(2 ** 31) || disp > 2 ** 31 - 1)) return 'branch target out of reach';
    pushLE(bytes, BigInt(disp), size);
  }
  return Uint8Array.from(bytes);
}

/** Is this row the register-to-register "load" direction (r64, rm64; xmm, xmm/m64)? */
function isLoadForm(row: Row): boolean {
  return (row.operands[0] === 'r64' && row.operands[1] === 'rm64') || (row.operands[0] === 'xmm' && row.operands[1] === 'xmm_m64');
}
function isStoreForm(row: Row): boolean {
  return (row.operands[0] === 'rm64' && row.operands[1] === 'r64') || (row.operands[0] === 'xmm_m64' && row.operands[1] === 'xmm');
}

/**
 * Encode `mnemonic operands` at `address`: try every row the mnemonic names (and both
 * operand orders for `test`), keep the shortest encoding, earlier rows winning ties.
 *
 * An instruction with no branch target encodes the same wherever it lands, so its encoding is
 * remembered (a compiler places the same instructions again and again: every DoIt has the same
 * prologue, sends and epilogue); the bytes answered are shared and must not be changed.
 */
export function encode(
  mnemonic: string,
  operands: readonly Operand[],
  hints: Hints = {},
  address = 0,
  branch: BranchSize = 'auto',
): EncodeResult {
  const key = encodingKey(mnemonic, operands, hints);
  if (key === null) return encodeUncached(mnemonic, operands, hints, address, branch);
  const known = ENCODED.get(key);
  if (known !== undefined) return known;
  const r = encodeUncached(mnemonic, operands, hints, address, branch);
  if (ENCODED.size >= ENCODED_MAX) ENCODED.clear();
  ENCODED.set(key, r);
  return r;
}

/** Encodings remembered (encode), at most ENCODED_MAX of them (then forgotten all at once). */
const ENCODED = new Map<string, EncodeResult>();
const ENCODED_MAX = 50_000;

/**
 * What an encoding of an instruction with no branch target depends on, as a string; null for
 * one with a branch target (its bytes depend on where it lands, and on the branch size).
 */
function encodingKey(mnemonic: string, operands: readonly Operand[], hints: Hints): string | null {
  let key = `${mnemonic}/${hints.load ? 1 : 0}${hints.store ? 1 : 0}${hints.disp8 ? 1 : 0}${hints.disp32 ? 1 : 0}`;
  for (const op of operands) {
    switch (op.kind) {
      case 'rel': return null;
      case 'imm': key += ` i${op.value}`; break;
      case 'mem': key += ` m${op.base},${op.index},${op.scale},${op.disp},${op.size}`; break;
      default: key += ` ${op.kind}${op.reg}`;
    }
  }
  return key;
}

/** encode without its memory (tests hold the remembered encodings to it). */
export function encodeUncached(
  mnemonic: string,
  operands: readonly Operand[],
  hints: Hints,
  address: number,
  branch: BranchSize,
): EncodeResult {
  const rows = MNEMONICS.get(mnemonic.toLowerCase());
  if (!rows) return { ok: false, error: `unknown instruction '${mnemonic}'` };
  let best: { bytes: Uint8Array; row: Row } | null = null;
  let reason = '';
  const regToReg = operands.length === 2 && ((operands[0].kind === 'reg' && operands[1].kind === 'reg') || (operands[0].kind === 'xmm' && operands[1].kind === 'xmm'));
  const wantLoad = regToReg && hints.load === true;
  const wantStore = regToReg && hints.store === true;
  for (const row of rows) {
    if (wantLoad && !isLoadForm(row)) continue;
    if (wantStore && !isStoreForm(row)) continue;
    if (branch === 'short' && row.operands[0] === 'rel32') continue;
    if (branch === 'near' && row.operands[0] === 'rel8') continue;
    if (row.operands[0] === 'rel8' && hints.disp32) continue;
    if (row.operands[0] === 'rel32' && hints.disp8 && rows.some((r) => r.operands[0] === 'rel8')) continue;
    const orders = row.commutative ? [operands, [...operands].reverse()] : [operands];
    for (const ops of orders) {
      if (ops.length !== row.operands.length || !row.operands.every((k, i) => operandFits(k, ops[i]))) continue;
      const bytes = encodeRow(row, ops, hints, address);
      if (typeof bytes === 'string') { reason = bytes; continue; }
      if (best === null || bytes.length < best.bytes.length) best = { bytes, row };
    }
  }
  if (best) return { ok: true, bytes: best.bytes, row: best.row };
  return { ok: false, error: reason || `no form of '${mnemonic.toLowerCase()}' takes ${describeOperands(operands)}` };
}

/** "a register and an immediate", for error messages. */
export function describeOperands(operands: readonly Operand[]): string {
  if (operands.length === 0) return 'no operands';
  const names = operands.map((op) => {
    switch (op.kind) {
      case 'reg': return 'a 64-bit register';
      case 'reg8': return 'a byte register';
      case 'reg16': return 'a 16-bit register';
      case 'xmm': return 'an xmm register';
      case 'mem': return op.size === 8 ? 'a byte of memory' : op.size === 16 ? 'a word of memory' : op.size === 128 ? '128 bits of memory' : 'a memory operand';
      case 'imm': return `the immediate ${op.value}`;
      case 'rel': return 'a branch target';
    }
  });
  return names.length === 1 ? names[0] : names.slice(0, -1).join(', ') + ' and ' + names[names.length - 1];
}
