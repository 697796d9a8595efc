/*
 * The decoder: bytes to a structured instruction, by looking the opcode up in an index built
 * from the instruction table. It is the machine's only decoder; the interpreter, the
 * disassembler and the tests all use it.
 *
 * Accepted: at most one REX prefix, immediately before the opcode; of the legacy prefixes
 * only 66, f2 and f3 where an SSE2 row has them as its mandatory prefix (one of them, before
 * the REX prefix); otherwise 66 would make the operands 16-bit and 67 the addresses 32-bit,
 * both outside the subset.
 * An opcode whose row needs REX.W is refused without it (it would be the 32-bit instruction).
 */
import { RIP, TABLE, type Row } from './table.ts';
import type { Decoded, MemOperand, Operand } from './operand.ts';

export type DecodeResult =
  | { readonly ok: true; readonly insn: Decoded }
  | { readonly ok: false; readonly error: string; readonly truncated: boolean };

/** The key's part for a mandatory prefix (none, 66, f2, f3). */
function prefixKey(prefix: number): number {
  return prefix === 0x66 ? 0x1000 : prefix === 0xf2 ? 0x2000 : prefix === 0xf3 ? 0x3000 : 0;
}

/**
 * Rows by opcode: key is the byte, or 0x100 + the second byte of a 0F xx opcode, or 0x200 +
 * the third of 0F 3A xx; plus the mandatory prefix's part (prefixKey).
 */
const INDEX: ReadonlyMap<number, readonly Row[]> = (() => {
  const index = new Map<number, Row[]>();
  const add = (key: number, row: Row): void => {
    const rows = index.get(key) ?? [];
    rows.push(row);
    index.set(key, rows);
  };
  for (const row of TABLE) {
    const last = row.opcode[row.opcode.length - 1];
    const key = (row.opcode.length === 3 ? 0x200 | last : row.opcode.length === 2 ? 0x100 | last : last) + prefixKey(row.prefix);
    if (row.operands.includes('r64op')) for (let r = 0; r < 8; r++) add(key + r, row);
    else add(key, row);
  }
  return index;
})();

const LEGACY_PREFIXES = new Set([0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65]);
const MANDATORY_PREFIXES = new Set([0x66, 0xf2, 0xf3]);

function fail(error: string, truncated = false): DecodeResult {
  return { ok: false, error, truncated };
}

function hex(b: number): string { return b.toString(16).padStart(2, '0'); }

/**
 * Decode one instruction from `bytes[offset .. end)`. `address` is the address the
 * instruction's first byte has (branch targets are computed from it).
 */
export function decode(bytes: Uint8Array, offset = 0, end = bytes.length, address = offset): DecodeResult {
  let p = offset;
  const byte = (): number => (p < end ? bytes[p++] : -1);
  let rex = 0;
  let b = byte();
  if (b < 0) return fail('no bytes to decode', true);
  let prefix = 0;
  if (MANDATORY_PREFIXES.has(b)) {
    prefix = b;
    b = byte();
    if (b < 0) return fail(`instruction is cut off after its prefix ${hex(prefix)}`, true);
  }
  if (LEGACY_PREFIXES.has(b)) return fail(`prefix ${hex(prefix || b)} is not in the subset`);
  if ((b & 0xf0) === 0x40) {
    rex = b;
    b = byte();
    if (b < 0) return fail('instruction is cut off after its REX prefix', true);
    if ((b & 0xf0) === 0x40) return fail('two REX prefixes');
    if (LEGACY_PREFIXES.has(b)) return fail(`prefix ${hex(b)} after REX is not in the subset`);
  }
  let key = b;
  if (b === 0x0f) {
    const b2 = byte();
    if (b2 < 0) return fail('instruction is cut off after 0f', true);
    key = 0x100 | b2;
    if (b2 === 0x3a) {
      const b3 = byte();
      if (b3 < 0) return fail('instruction is cut off after 0f 3a', true);
      key = 0x200 | b3;
    }
  }
  const opcodeText = key > 0x1ff ? '0f 3a ' + hex(key & 0xff) : key > 0xff ? '0f ' + hex(key & 0xff) : hex(key);
  const candidates = INDEX.get(key + prefixKey(prefix));
  if (!candidates) {
    if (prefix !== 0) return fail(INDEX.has(key) ? `prefix ${hex(prefix)} is not in the subset` : `opcode ${hex(prefix)} ${opcodeText} is not in the subset`);
    return fail(`opcode ${opcodeText} is not in the subset`);
  }

  let modrmByte = -1;
  let row: Row | undefined;
  if (candidates[0].hasModrm) {
    modrmByte = byte();
    if (modrmByte < 0) return fail('instruction is cut off before its ModRM byte', true);
    const regField = (modrmByte >> 3) & 7;
    row = candidates.find((r) => r.digit === -1 || r.digit === regField);
    if (!row) return fail(`opcode ${opcodeText} /${regField} is not in the subset`);
  } else {
    row = candidates[0];
  }
  const rexW = (rex >> 3) & 1, rexR = (rex >> 2) & 1, rexX = (rex >> 1) & 1, rexB = rex & 1;
  if (row.width === 'W1' && !rexW) return fail(`'${row.mnemonic}' without REX.W has 32-bit operands, outside the subset`);
  if (row.width === 'none' && rex !== 0) return fail(`'${row.mnemonic}' does not take a REX prefix here`);

  // The r/m operand, decoded once if the row has one.
  let rmOperand: Operand | null = null;
  if (modrmByte >= 0) {
    const mod = modrmByte >> 6, rm = modrmByte & 7;
    const wantsByte = row.operands.includes('rm8');
    const wantsWord = row.operands.includes('rm16');
    const wantsXmm = row.operands.includes('xmm_m64') || row.operands.includes('xmm_m128');
    if (mod === 3) {
      if (row.operands.includes('m64')) return fail(`'${row.mnemonic}' needs a memory operand`);
      if (wantsXmm) rmOperand = { kind: 'xmm', reg: rm | (rexB << 3) };
      else if (wantsByte) rmOperand = { kind: 'reg8', reg: rex === 0 && rm >= 4 ? 16 + rm - 4 : rm | (rexB << 3) };
      else if (wantsWord) rmOperand = { kind: 'reg16', reg: rm | (rexB << 3) };
      else rmOperand = { kind: 'reg', reg: rm | (rexB << 3) };
    } else {
      let base: number, index = -1, scale: 1 | 2 | 4 | 8 = 1, dispSize = mod === 1 ? 1 : mod === 2 ? 4 : 0;
      if (rm === 4) {
        const sib = byte();
        if (sib < 0) return fail('instruction is cut off before its SIB byte', true);
        const idx = ((sib >> 3) & 7) | (rexX << 3);
        if (idx !== 4) { index = idx; scale = (1 << (sib >> 6)) as 1 | 2 | 4 | 8; }
        base = (sib & 7) | (rexB << 3);
        if ((sib & 7) === 5 && mod === 0) { base = -1; dispSize = 4; }
      } else if (rm === 5 && mod === 0) {
        base = RIP;
        dispSize = 4;
      } else {
        base = rm | (rexB << 3);
      }
      let disp = 0;
      if (dispSize > 0) {
        if (p + dispSize > end) return fail('instruction is cut off in its displacement', true);
        disp = dispSize === 1 ? (bytes[p] << 24) >> 24 : bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
        p += dispSize;
      }
      const m: MemOperand = { kind: 'mem', base, index, scale, disp, size: wantsByte ? 8 : wantsWord ? 16 : row.operands.includes('xmm_m128') ? 128 : 64 };
      rmOperand = m;
    }
  }

  const operands: Operand[] = [];
  let relSize = 0;
  for (const kind of row.operands) {
    switch (kind) {
      case 'r64': operands.push({ kind: 'reg', reg: ((modrmByte >> 3) & 7) | (rexR << 3) }); break;
      case 'r8': {
        const field = (modrmByte >> 3) & 7;
        operands.push({ kind: 'reg8', reg: rex === 0 && field >= 4 ? 16 + field - 4 : field | (rexR << 3) });
        break;
      }
      case 'rm64': case 'm64': case 'rm8': case 'rm16': case 'xmm_m64': case 'xmm_m128': operands.push(rmOperand as Operand); break;
      case 'xmm': operands.push({ kind: 'xmm', reg: ((modrmByte >> 3) & 7) | (rexR << 3) }); break;
      case 'r64op': operands.push({ kind: 'reg', reg: (key & 7) | (rexB << 3) }); break;
      case 'rax': operands.push({ kind: 'reg', reg: 0 }); break;
      case 'cl': operands.push({ kind: 'reg8', reg: 1 }); break;
      case 'one': operands.push({ kind: 'imm', value: 1n }); break;
      case 'imm8': case 'uimm8': case 'uimm16': case 'imm32': case 'imm64': {
        const size = kind === 'imm64' ? 8 : kind === 'imm32' ? 4 : kind === 'uimm16' ? 2 : 1;
        if (p + size > end) return fail('instruction is cut off in its immediate', true);
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[p + i]);
        p += size;
        if (kind === 'imm8' || kind === 'imm32' || kind === 'imm64') v = BigInt.asIntN(size * 8, v);
        operands.push({ kind: 'imm', value: v });
        break;
      }
      case 'rel8': case 'rel32': {
        relSize = kind === 'rel8' ? 1 : 4;
        if (p + relSize > end) return fail('instruction is cut off in its branch displacement', true);
        const d = relSize === 1 ? (bytes[p] << 24) >> 24 : bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
        p += relSize;
        operands.push({ kind: 'rel', target: address + (p - offset) + d });
        break;
      }
    }
  }
  const length = p - offset;
  return { ok: true, insn: { row, operands, address, length, bytes: bytes.slice(offset, p) } };
}
