/*
 * Random straight-line sequences of the register and flag instructions, for the execution
 * test against the real CPU (test/machine/execution.test.ts, with harness.c).
 *
 * Everything is derived from the instruction table: the rows come from TABLE (by operation),
 * the spellings from MNEMONICS (so condition aliases, `sal` and `movabs` are used too), the
 * operand kinds from each row, and what each instruction does to the flags from row.flags
 * and row.reads. An instruction's operands are chosen at random for its row's kinds, and
 * kept only if the encoder, given that text, picks that very row; so every row is reached
 * as the assembler would reach it (`{load}` for the 8b direction of a register move,
 * `{disp32}` for a 32-bit branch, a wide immediate for an imm32 form).
 *
 * Registers and immediates only: no memory access (lea computes an address and reads
 * nothing, so it gets base/index/displacement operands), and never rsp, which the machine
 * keeps as its own stack pointer (nor spl, whose write is a write to rsp).
 *
 * Flag definedness is tracked along the sequence, so that
 *   - no setcc, cmovcc or jcc is generated that reads a flag the Intel manual leaves
 *     undefined at that point (after imul, idiv, or a shift whose count is not 1 for OF);
 *   - the comparison can mask the flags that are undefined at the end, or at the
 *     instruction that faults.
 * The shift rules: a count of zero (after masking to six bits) changes no flag; any other
 * count defines CF ZF SF PF; OF is defined only for a count of 1. A count in cl is known when
 * rcx holds a value the generator knows (its initial value, or one it moved there); when it
 * is not known the flags are tracked conservatively (OF undefined, the others as before).
 *
 * Forward jcc over one instruction: after the label, a flag is defined only if it is
 * defined on both paths.
 *
 * idiv comes with its dividend set up in one of several ways, some of which fit and some of
 * which raise #DE (divide by zero, or a quotient that does not fit in 64 bits).
 */
import { assemble, formatAsmError } from '../../kernel/machine/x86/assembler.ts';
import { decode } from '../../kernel/machine/x86/decoder.ts';
import { registerEffects } from '../../kernel/machine/x86/effects.ts';
import { encode } from '../../kernel/machine/x86/encoder.ts';
import type { Hints, MemOperand, Operand } from '../../kernel/machine/x86/operand.ts';
import { type Flag, MNEMONICS, type Operation, RAX, RCX, RDX, REG16, REG64, REG8, RSP, type Row, TABLE } from '../../kernel/machine/x86/table.ts';
import { makeRandom, type Random } from '../support/random.ts';

// ---- flags as bit masks ------------------------------------------------------------------

/** The flags compared, in the table's letters; bit i of a mask is FLAG_LETTERS[i]. */
export const FLAG_LETTERS: readonly Flag[] = ['C', 'Z', 'S', 'O', 'P'];
export const ALL_FLAGS = (1 << FLAG_LETTERS.length) - 1;
const OF_BIT = 1 << FLAG_LETTERS.indexOf('O');

export function flagMask(letters: string): number {
  let m = 0;
  for (const ch of letters) {
    const i = FLAG_LETTERS.indexOf(ch as Flag);
    if (i < 0) throw new Error(`unknown flag letter '${ch}'`);
    m |= 1 << i;
  }
  return m;
}

export function flagLetters(mask: number): string {
  return FLAG_LETTERS.filter((_, i) => (mask & (1 << i)) !== 0).join('');
}

/** Flag values as 0/1, by their letters. */
export type FlagBits = Record<Flag, number>;

// ---- the rows under test -------------------------------------------------------------------

/** The operations the sequences use, with their relative weights. */
const OPERATIONS: ReadonlyMap<Operation, number> = new Map<Operation, number>([
  ['mov', 1], ['lea', 1],
  ['add', 1], ['or', 1], ['and', 1], ['sub', 1], ['xor', 1], ['cmp', 1], ['test', 1],
  ['imul', 1], ['idiv', 0.6], ['cqo', 0.4],
  ['neg', 1], ['not', 0.6], ['inc', 1], ['dec', 1],
  ['shl', 1.2], ['shr', 1.2], ['sar', 1.2],
  ['setcc', 1], ['cmovcc', 1], ['jcc', 1], ['movzx', 1],
]);

/** Every table row the sequences exercise: the test checks each one is reached. */
export const ROWS_UNDER_TEST: readonly Row[] = TABLE.filter((r) => OPERATIONS.has(r.operation));

const ROWS_BY_OPERATION: ReadonlyMap<Operation, readonly Row[]> = (() => {
  const map = new Map<Operation, Row[]>();
  for (const row of ROWS_UNDER_TEST) map.set(row.operation, [...(map.get(row.operation) ?? []), row]);
  return map;
})();

/** The spellings the assembler accepts for each row (aliases included). */
const NAMES_OF_ROW: ReadonlyMap<Row, readonly string[]> = (() => {
  const map = new Map<Row, string[]>();
  for (const [name, rows] of MNEMONICS) for (const row of rows) map.set(row, [...(map.get(row) ?? []), name]);
  return map;
})();

// ---- values --------------------------------------------------------------------------------

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;
const BOUNDARY: readonly bigint[] = [
  0n, 1n, -1n, 2n, -2n, INT64_MIN, INT64_MAX, INT64_MIN + 1n, INT64_MAX - 1n,
  2n ** 32n, 2n ** 32n - 1n, 2n ** 31n, 2n ** 31n - 1n, -(2n ** 31n), 0x7fn, 0x80n, 0xffn, 0x100n,
];

/** An initial register value: small, a boundary, or random over 64 (or 32) bits. */
function registerValue(rnd: Random): bigint {
  const k = rnd.below(10);
  if (k < 3) return BigInt(rnd.below(33) - 16);
  if (k < 6) return rnd.pick(BOUNDARY);
  if (k < 9) return BigInt.asIntN(64, (BigInt(rnd.next()) << 32n) | BigInt(rnd.next()));
  return BigInt(rnd.next() | 0);
}

const IMM8: readonly bigint[] = [0n, 1n, -1n, 2n, 127n, -128n, 0x55n, -0x56n, 63n, 64n];
const IMM32_WIDE: readonly bigint[] = [128n, -129n, 255n, 256n, 2n ** 31n - 1n, -(2n ** 31n), 0x40000000n, -0x40000000n, 0x12345678n, 65536n];
const SHIFT_COUNTS: readonly number[] = [0, 2, 3, 31, 32, 33, 62, 63, 64, 65, 96, 127, 128, 129, 191, 192, 255];

function imm8(rnd: Random): bigint {
  return rnd.chance(0.5) ? rnd.pick(IMM8) : BigInt(rnd.below(256) - 128);
}

/** An imm32 operand: mostly one that needs 32 bits (else the encoder prefers an imm8 form). */
function imm32(rnd: Random): bigint {
  if (rnd.chance(0.2)) return imm8(rnd);
  if (rnd.chance(0.4)) return rnd.pick(IMM32_WIDE);
  return BigInt(rnd.next() | 0);
}

/** A shift count for the uimm8 form (1 is the `one` form's), 64 and over to exercise masking. */
function shiftCount(rnd: Random): bigint {
  if (rnd.chance(0.6)) return BigInt(rnd.pick(SHIFT_COUNTS));
  return BigInt(2 + rnd.below(254));
}

/** General registers the sequences use: all but rsp. */
const GPRS: readonly number[] = REG64.map((_, i) => i).filter((r) => r !== RSP);
/** Byte registers for setcc: all but spl (a write to rsp). */
const BYTE_REGS: readonly number[] = REG8.map((_, i) => i).filter((r) => r !== RSP);

function displacement(rnd: Random): number {
  switch (rnd.below(5)) {
    case 0: return 0;
    case 1: return rnd.below(256) - 128;
    case 2: return rnd.pick([127, -128, 128, -129, 2 ** 31 - 1, -(2 ** 31), 8, -8]);
    default: return rnd.next() | 0;
  }
}

/** A memory operand for lea: base and/or index registers (never rsp or rip), any scale, a displacement. */
function leaMemory(rnd: Random): MemOperand {
  const scale = rnd.pick([1, 2, 4, 8] as const);
  const disp = displacement(rnd);
  switch (rnd.below(6)) {
    case 0: return { kind: 'mem', base: rnd.pick(GPRS), index: -1, scale: 1, disp: 0, size: 0 };
    case 1: return { kind: 'mem', base: rnd.pick(GPRS), index: -1, scale: 1, disp, size: 0 };
    case 2: case 3: return { kind: 'mem', base: rnd.pick(GPRS), index: rnd.pick(GPRS), scale, disp, size: 0 };
    case 4: return { kind: 'mem', base: -1, index: rnd.pick(GPRS), scale, disp, size: 0 };
    default: return { kind: 'mem', base: -1, index: -1, scale: 1, disp, size: 0 };
  }
}

// ---- instructions --------------------------------------------------------------------------

/** An operand as generated: a structured operand, or a forward label for jcc. */
type GenOperand = Operand | { readonly kind: 'label'; readonly name: string };

interface GenInsn {
  readonly row: Row;
  readonly mnemonic: string;
  readonly operands: readonly GenOperand[];
  readonly hints: Hints;
}

/** Random operands for each of the row's operand kinds. */
function pickOperands(row: Row, rnd: Random, label: string): GenOperand[] {
  return row.operands.map((kind): GenOperand => {
    switch (kind) {
      case 'r64': case 'rm64': case 'r64op': return { kind: 'reg', reg: rnd.pick(GPRS) };
      case 'm64': return leaMemory(rnd);
      case 'rm8': case 'r8': return { kind: 'reg8', reg: rnd.pick(BYTE_REGS) };
      case 'rax': return { kind: 'reg', reg: RAX };
      case 'cl': return { kind: 'reg8', reg: RCX };
      case 'one': return { kind: 'imm', value: 1n };
      case 'imm8': return { kind: 'imm', value: imm8(rnd) };
      case 'imm32': return { kind: 'imm', value: imm32(rnd) };
      case 'imm64': return { kind: 'imm', value: registerValue(rnd) };
      case 'uimm8': return { kind: 'imm', value: shiftCount(rnd) };
      case 'rel8': case 'rel32': return { kind: 'label', name: label };
      default: throw new Error(`the sequence generator has no operands for kind '${kind}' (row ${row.id} ${row.mnemonic})`);
    }
  });
}

/** Operands as the encoder takes them: a label stands for a short forward branch. */
function encodable(operands: readonly GenOperand[]): Operand[] {
  return operands.map((op) => (op.kind === 'label' ? { kind: 'rel', target: 16 } : op));
}

const HINT_ORDER: readonly Hints[] = [{}, { load: true }, { disp32: true }];

/**
 * An instance of `row` with random operands, spelled so that the encoder picks that row.
 * Throws if the row cannot be reached (a generator or encoder problem, reported as such).
 */
function instance(row: Row, rnd: Random, label = ''): GenInsn {
  const names = NAMES_OF_ROW.get(row) ?? [];
  for (let attempt = 0; attempt < 100; attempt++) {
    const operands = pickOperands(row, rnd, label);
    const mnemonic = rnd.pick(names);
    const hintOrder = row.operation === 'lea' && rnd.chance(0.2) ? [{ disp32: true }, {}] : HINT_ORDER;
    for (const hints of hintOrder) {
      const e = encode(mnemonic, encodable(operands), hints, 0);
      if (e.ok && e.row === row) return { row, mnemonic, operands, hints };
    }
  }
  throw new Error(`the sequence generator cannot reach row ${row.id} (${row.mnemonic} ${row.operands.join(', ')})`);
}

/** A specific instruction (the setup of idiv or of a shift count). */
function fixed(mnemonic: string, operands: readonly Operand[]): GenInsn {
  const e = encode(mnemonic, operands);
  if (!e.ok) throw new Error(`the sequence generator made '${mnemonic}' with bad operands: ${e.error}`);
  return { row: e.row, mnemonic, operands, hints: {} };
}

const reg = (r: number): Operand => ({ kind: 'reg', reg: r });
const imm = (v: bigint): Operand => ({ kind: 'imm', value: v });
/** `mov r, v`, in whichever form holds v. */
const movImm = (r: number, v: bigint): GenInsn => fixed(v >= -(2n ** 31n) && v < 2n ** 31n ? 'mov' : 'movabs', [reg(r), imm(v)]);

function formatNumber(v: bigint, rnd: Random): string {
  const abs = v < 0n ? -v : v;
  const digits = rnd.chance(0.5) ? abs.toString() : '0x' + abs.toString(16);
  return v < 0n ? '-' + digits : digits;
}

function formatOperand(op: GenOperand, rnd: Random): string {
  switch (op.kind) {
    case 'reg': return REG64[op.reg];
    case 'reg8': return REG8[op.reg];
    case 'reg16': return REG16[op.reg];
    case 'xmm': return `xmm${op.reg}`;
    case 'imm': return formatNumber(op.value, rnd);
    case 'label': return op.name;
    case 'rel': return String(op.target);
    case 'mem': {
      const terms: string[] = [];
      if (op.base >= 0) terms.push(REG64[op.base]);
      if (op.index >= 0) terms.push(op.scale === 1 && op.base >= 0 && rnd.chance(0.5) ? REG64[op.index] : `${REG64[op.index]}*${op.scale}`);
      let text = terms.join(' + ');
      if (op.disp !== 0 || terms.length === 0) {
        const d = BigInt(op.disp);
        if (terms.length === 0) text = formatNumber(d, rnd);
        else text += d < 0n ? ' - ' + formatNumber(-d, rnd) : ' + ' + formatNumber(d, rnd);
      }
      return `[${text}]`;
    }
  }
}

function formatInsn(ins: GenInsn, rnd: Random): string {
  const h = ins.hints;
  const prefix = (h.load ? '{load} ' : '') + (h.store ? '{store} ' : '') + (h.disp8 ? '{disp8} ' : '') + (h.disp32 ? '{disp32} ' : '');
  const ops = ins.operands.map((op) => formatOperand(op, rnd)).join(', ');
  return prefix + ins.mnemonic + (ops ? ' ' + ops : '');
}

// ---- tracking flag definedness and known register values ------------------------------------

class Tracker {
  /** Flags with a defined value (mask over FLAG_LETTERS). */
  defined = ALL_FLAGS;
  /** Register values the generator knows for certain (for shift counts in cl). */
  known: (bigint | undefined)[];

  constructor(registers: readonly bigint[]) {
    this.known = registers.map((v, r) => (r === RSP ? undefined : v));
  }

  snapshot(): { defined: number; known: (bigint | undefined)[] } {
    return { defined: this.defined, known: [...this.known] };
  }

  /** After the label of a forward jcc: what holds on both paths. */
  merge(other: { defined: number; known: (bigint | undefined)[] }): void {
    this.defined &= other.defined;
    this.known = this.known.map((v, r) => (v !== undefined && v === other.known[r] ? v : undefined));
  }

  /** Can this row run now without reading an undefined flag? */
  allows(row: Row): boolean {
    if (row.cc < 0) return true; // inc/dec "read" CF only to keep it, defined or not
    const reads = flagMask(row.reads);
    return (this.defined & reads) === reads;
  }

  apply(ins: GenInsn): void {
    const { row } = ins;
    const ops = ins.operands;
    // Flags, from the table's effects.
    const writes = flagMask(row.flags.writes), undef = flagMask(row.flags.undefined);
    if (row.flags.shift) {
      const count = this.shiftCount(ins);
      if (count === undefined) this.defined = (this.defined & ~OF_BIT) & ~undef;
      else if (count !== 0) this.defined = ((this.defined | writes) & ~undef & ~(count === 1 ? 0 : OF_BIT));
    } else {
      this.defined = (this.defined | writes) & ~undef;
    }
    // Registers written, from the table's facts: a move keeps what is known of its source.
    const dest = ops[0];
    if (row.operation === 'mov' && dest.kind === 'reg') {
      const src = ops[1];
      this.known[dest.reg] = src.kind === 'imm' ? src.value : src.kind === 'reg' ? this.known[src.reg] : undefined;
      return;
    }
    for (const r of registerEffects(row, ops).writes) this.known[r] = undefined;
  }

  /** The masked count of a shift, if known. */
  private shiftCount(ins: GenInsn): number | undefined {
    const src = ins.operands[1];
    if (src.kind === 'imm') return Number(src.value & 63n);
    if (src.kind === 'reg8' && src.reg === RCX) {
      const v = this.known[RCX];
      return v === undefined ? undefined : Number(v & 63n);
    }
    throw new Error(`unexpected shift count operand in row ${ins.row.id}`);
  }
}

// ---- cases ---------------------------------------------------------------------------------

export interface Case {
  readonly seed: number;
  readonly index: number;
  /** The assembly text, one instruction or label per line. */
  readonly text: string;
  /** Its bytes, as our assembler made them (no final `ret`: the runners add one). */
  readonly bytes: Uint8Array;
  /** Initial rax .. r15 (index 4, rsp, is not used and is 0). */
  readonly registers: readonly bigint[];
  /** Initial CF ZF SF OF PF. */
  readonly flags: FlagBits;
  /** The rows of the instructions, in order, as the bytes decode. */
  readonly rows: readonly Row[];
  /** Flags defined when the sequence ends (mask over FLAG_LETTERS). */
  readonly definedAtEnd: number;
  /** Flags defined just before the instruction at each offset (for a fault there). */
  readonly definedBefore: ReadonlyMap<number, number>;
}

/** The random source of case `index` of a run with `seed`: each case stands on its own. */
export function caseRandom(seed: number, index: number): Random {
  return makeRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
}

function pickOperation(rnd: Random): Operation {
  let total = 0;
  for (const w of OPERATIONS.values()) total += w;
  let x = (rnd.next() / 2 ** 32) * total;
  for (const [op, w] of OPERATIONS) {
    if (x < w) return op;
    x -= w;
  }
  return 'mov';
}

/** Generate case `index` of the run with `seed`; `maxLength` chosen rows (1 .. maxLength). */
export function generateCase(seed: number, index: number, maxLength = 12): Case {
  const rnd = caseRandom(seed, index);
  const registers = GPRS.reduce((regs, r) => { regs[r] = registerValue(rnd); return regs; }, new Array<bigint>(16).fill(0n));
  const flags: FlagBits = { C: rnd.below(2), Z: rnd.below(2), S: rnd.below(2), O: rnd.below(2), P: rnd.below(2) };
  const track = new Tracker(registers);
  const lines: string[] = [];
  const insns: GenInsn[] = [];
  const definedBefore: number[] = [];
  let labels = 0;

  const emit = (ins: GenInsn): void => {
    definedBefore.push(track.defined);
    lines.push('  ' + formatInsn(ins, rnd));
    insns.push(ins);
    track.apply(ins);
  };

  /** A row of `operation` that may run now, or null. */
  const eligibleRow = (operation: Operation, exclude: readonly Operation[] = []): Row | null => {
    if (exclude.includes(operation)) return null;
    const rows = (ROWS_BY_OPERATION.get(operation) ?? []).filter((r) => track.allows(r));
    return rows.length > 0 ? rnd.pick(rows) : null;
  };

  /** One instruction of `row`, with a setup before it when `setup` allows (idiv, shift by cl). */
  const emitRow = (row: Row, setup: boolean): void => {
    if (setup && row.operation === 'idiv') { emitDivision(row); return; }
    const ins = instance(row, rnd);
    if (setup && row.flags.shift && row.operands[1] === 'cl' && rnd.chance(0.5)) {
      const v = rnd.chance(0.7) ? BigInt(rnd.pick([0, 1, 1, 2, 63, 64, 65, 127, 255, 0x140])) : registerValue(rnd);
      emit(movImm(RCX, v));
    }
    emit(ins);
  };

  /** idiv with its dividend and divisor set up to fit, or to fault, or left as they are. */
  const emitDivision = (row: Row): void => {
    const ins = instance(row, rnd);
    const divisor = ins.operands[0];
    const d = divisor.kind === 'reg' ? divisor.reg : -1;
    const free = d !== RAX && d !== RDX;
    switch (rnd.below(6)) {
      case 0: // sign-extended dividend, the divisor as it is (zero or -1 with INT64_MIN fault)
        emit(fixed('cqo', []));
        break;
      case 1: case 2: // a nonzero divisor that fits: faults only for INT64_MIN / -1
        if (free) emit(movImm(d, rnd.chance(0.8) ? BigInt(rnd.below(2001) - 1000) || 7n : registerValue(rnd) || 3n));
        emit(fixed('cqo', []));
        break;
      case 3: // INT64_MIN / -1: the quotient does not fit
        if (free) { emit(movImm(RAX, INT64_MIN)); emit(fixed('cqo', [])); emit(movImm(d, -1n)); }
        break;
      case 4: // division by zero, the divisor cleared one way or another
        if (free) emit(rnd.chance(0.5) ? movImm(d, 0n) : fixed('xor', [reg(d), reg(d)]));
        break;
      default: // a small rdx: fits when |rdx:rax| / divisor is small enough
        emit(movImm(RDX, rnd.pick([0n, -1n, 1n, 5n])));
        break;
    }
    emit(ins);
  };

  const length = 1 + rnd.below(maxLength);
  let chosen = 0;
  while (chosen < length) {
    const operation = pickOperation(rnd);
    if (operation === 'jcc') {
      if (length - chosen < 2) continue;
      const row = eligibleRow('jcc');
      if (!row) continue;
      const name = `skip${++labels}`;
      emit(instance(row, rnd, name));
      let skippedRow: Row | null = null;
      while (!skippedRow) skippedRow = eligibleRow(pickOperation(rnd), ['jcc']);
      const taken = track.snapshot();
      emitRow(skippedRow, false);
      lines.push(`${name}:`);
      track.merge(taken);
      chosen += 2;
      continue;
    }
    const row = eligibleRow(operation);
    if (!row) continue;
    emitRow(row, true);
    chosen++;
  }

  const text = lines.join('\n');
  const asm = assemble(text);
  if (!asm.ok) throw new Error(`the assembler refused a generated sequence (seed ${seed}, case ${index}): ${formatAsmError(asm.error)}\n${text}`);
  const bytes = asm.bytes;

  // Decode what was assembled: the same instructions, in order, of the rows meant.
  const rows: Row[] = [];
  const before = new Map<number, number>();
  let p = 0;
  for (let i = 0; p < bytes.length; i++) {
    const d = decode(bytes, p);
    if (!d.ok) throw new Error(`generated bytes do not decode at +${p} (seed ${seed}, case ${index}): ${d.error}\n${text}`);
    if (i >= insns.length || d.insn.row !== insns[i].row) {
      throw new Error(`instruction ${i} of a generated sequence assembled to row ${d.insn.row.id}, not the row meant (seed ${seed}, case ${index})\n${text}`);
    }
    rows.push(d.insn.row);
    before.set(p, definedBefore[i]);
    p += d.insn.length;
  }
  if (rows.length !== insns.length) throw new Error(`a generated sequence lost instructions in assembly (seed ${seed}, case ${index})\n${text}`);
  // A jump to the end lands on the `ret` the runners add.
  before.set(bytes.length, track.defined);

  return { seed, index, text, bytes, registers, flags, rows, definedAtEnd: track.defined, definedBefore: before };
}
