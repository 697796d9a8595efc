/*
 * The disassembler: decoded instructions to the Intel syntax the assembler reads, so that
 * assembling the text gives back the same bytes.
 *
 * Most byte strings are exactly what the assembler would choose for their text. For the rest
 * (an 8-bit displacement of 0 that could be omitted, the `8b` direction of a register move,
 * a 32-bit branch that could be short) the text carries a GNU `as` pseudo-prefix:
 * `{load}`, `{store}`, `{disp8}`, `{disp32}`. What even those cannot pin down (an imm32
 * where an imm8 fits, a REX bit that changes nothing) is printed as `.byte` with the
 * instruction in a comment. Each choice is checked by encoding the text's structure again.
 *
 * Numbers: immediates and displacements below 256 in magnitude are decimal, larger ones hex;
 * branch targets are hex offsets in the code object, as the listings print them.
 */
import { decode } from './decoder.ts';
import { encode } from './encoder.ts';
import type { Decoded, Hints, MemOperand, Operand } from './operand.ts';
import { REG16, REG64, REG8, RIP, XMM } from './table.ts';

export function formatNumber(v: bigint | number): string {
  const n = BigInt(v);
  const abs = n < 0n ? -n : n;
  const digits = abs < 256n ? abs.toString() : '0x' + abs.toString(16);
  return n < 0n ? '-' + digits : digits;
}

/** A branch target; one before the start of the code (possible in any bytes) is -0x.., which the assembler reads back. */
export function formatAddress(a: number): string {
  return a < 0 ? '-0x' + (-a).toString(16) : '0x' + a.toString(16);
}

function formatMemory(m: MemOperand, sized: boolean): string {
  const terms: string[] = [];
  if (m.base === RIP) terms.push('rip');
  else if (m.base >= 0) terms.push(REG64[m.base]);
  if (m.index >= 0) terms.push(m.base < 0 || m.scale !== 1 ? `${REG64[m.index]}*${m.scale}` : REG64[m.index]);
  let text = terms.join('+');
  if (m.disp !== 0 || terms.length === 0) {
    const d = formatNumber(m.disp);
    text = terms.length === 0 ? d : d.startsWith('-') ? text + d : text + '+' + d;
  }
  const size = sized ? (m.size === 8 ? 'byte ptr ' : m.size === 16 ? 'word ptr ' : m.size === 128 ? 'xmmword ptr ' : 'qword ptr ') : '';
  return `${size}[${text}]`;
}

export function formatOperand(op: Operand, sized = false): string {
  switch (op.kind) {
    case 'reg': return REG64[op.reg];
    case 'reg8': return REG8[op.reg];
    case 'reg16': return REG16[op.reg];
    case 'xmm': return XMM[op.reg];
    case 'mem': return formatMemory(op, sized);
    case 'imm': return formatNumber(op.value);
    case 'rel': return formatAddress(op.target);
  }
}

/**
 * A memory operand needs `qword ptr` / `byte ptr` / `word ptr` when no register operand fixes
 * its size: always for a byte or word operand (movzx, lar), whose destination is 64-bit.
 */
function needsSize(d: Decoded): boolean {
  if (d.row.operation === 'lea') return false;
  if (d.row.operands.includes('rm8') || d.row.operands.includes('rm16')) return true;
  // cvtsi2sd xmm0, qword ptr [rax]: the xmm register does not say how wide the integer is.
  if (d.row.sse && d.row.operands.includes('rm64')) return true;
  return !d.operands.some((op) => op.kind === 'reg' || op.kind === 'xmm');
}

function textOf(mnemonic: string, operands: readonly Operand[], sized: boolean, hints: Hints): string {
  const prefix = (hints.load ? '{load} ' : '') + (hints.store ? '{store} ' : '') +
    (hints.disp8 ? '{disp8} ' : '') + (hints.disp32 ? '{disp32} ' : '');
  const ops = operands.map((op) => formatOperand(op, sized)).join(', ');
  return prefix + mnemonic + (ops ? ' ' + ops : '');
}

const HINT_CHOICES: readonly Hints[] = [{}, { load: true }, { store: true }, { disp8: true }, { disp32: true }];

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The text of one decoded instruction. */
export function formatInstruction(d: Decoded): string {
  const sized = needsSize(d);
  const mnemonics = d.row.operands[1] === 'imm64' ? ['mov', 'movabs'] : [d.row.mnemonic];
  for (const mnemonic of mnemonics) {
    for (const hints of HINT_CHOICES) {
      const again = encode(mnemonic, d.operands, hints, d.address);
      if (again.ok && sameBytes(again.bytes, d.bytes)) return textOf(mnemonic, d.operands, sized, hints);
    }
  }
  const bytes = Array.from(d.bytes, (b) => '0x' + b.toString(16).padStart(2, '0')).join(', ');
  return `.byte ${bytes} # ${textOf(d.row.mnemonic, d.operands, sized, {})}`;
}

export interface ListingLine {
  readonly offset: number;
  readonly bytes: Uint8Array;
  readonly text: string;
  /** Set when the bytes at this offset are not an instruction of the subset. */
  readonly error?: string;
}

/** Disassemble a whole code buffer, one line per instruction (or per undecodable byte). */
export function disassemble(bytes: Uint8Array, start = 0, end = bytes.length): ListingLine[] {
  const lines: ListingLine[] = [];
  let p = start;
  while (p < end) {
    const r = decode(bytes, p, end, p);
    if (r.ok) {
      lines.push({ offset: p, bytes: r.insn.bytes, text: formatInstruction(r.insn) });
      p += r.insn.length;
    } else {
      lines.push({ offset: p, bytes: bytes.slice(p, p + 1), text: `.byte 0x${bytes[p].toString(16).padStart(2, '0')}`, error: r.error });
      p += 1;
    }
  }
  return lines;
}
