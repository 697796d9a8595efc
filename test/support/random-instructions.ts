/*
 * Random instructions for the differential tests, derived from the instruction table.
 *
 * Nothing here lists instructions: the generators walk TABLE's rows and their operand kinds
 * and produce operands that fit each kind, with a bias toward the values where encodings
 * change (register numbers that need REX or a SIB byte, displacements at the int8/int32
 * edges, immediates at the edges of their kind). Mnemonic spellings come from MNEMONICS,
 * so aliases (`jz`, `setc`, `sal`, `movabs`) are exercised too.
 *
 *   randomInstruction(rng, row)   operands for one row, as structure and as Intel text that
 *                                 both GNU `as` (.intel_syntax noprefix) and our assembler read
 *   randomBranchProgram(rng, ..)  labels and branches (short/long, forward/backward) for relaxation
 *   randomInstructionBytes(rng)   bytes biased toward the table's opcodes, for the decoder
 *
 * Everything is driven by the project's seeded PRNG (./random.ts): testSeed() there takes
 * BEDROCK_SEED from the environment or picks one, and the tests print it so that any failure
 * can be replayed.
 */
import type { Hints, MemOperand, Operand } from '../../kernel/machine/x86/operand.ts';
import { CONDITIONS, MNEMONICS, REG64, REG8, RIP, RSP, TABLE, type OperandKind, type Row, REG16 } from '../../kernel/machine/x86/table.ts';
import { makeRandom, type Random } from './random.ts';

// ---------------------------------------------------------------------------------------------
// The PRNG: the project's seeded mulberry32 (./random.ts), with two more draws

export interface Rng extends Random {
  /** An integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** A uniform bigint of `bits` bits, unsigned. */
  bits(bits: number): bigint;
}

export function makeRng(seed: number): Rng {
  const r = makeRandom(seed);
  return {
    ...r,
    int: (lo, hi) => lo + Math.floor((r.next() / 2 ** 32) * (hi - lo + 1)),
    bits: (n) => {
      let v = 0n;
      for (let i = 0; i < n; i += 32) v = (v << 32n) | BigInt(r.next());
      return BigInt.asUintN(n, v);
    },
  };
}

/** A generator for one part of a test: the run's seed mixed with a name, so parts do not depend on each other's order. */
export function rngFor(seed: number, part: string): Rng {
  let h = seed >>> 0;
  for (const ch of part) h = Math.imul(h ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0;
  return makeRng(h);
}

// ---------------------------------------------------------------------------------------------
// Operands that fit a kind

/** An operand before labels are placed: a branch target is a label name. */
export type GenOperand = Operand | { readonly kind: 'label'; readonly name: string };

const INT8_EDGES = [-128, -127, -1, 0, 1, 126, 127];
const INT32_EDGES = [-(2 ** 31), -(2 ** 31) + 1, -129, -128, -1, 0, 1, 127, 128, 255, 256, 2 ** 31 - 1];

/** Displacements: none, the int8 edges, the int32 edges, and random ones of both sizes. */
function randomDisplacement(rng: Rng): number {
  switch (rng.int(0, 5)) {
    case 0: return 0;
    case 1: return rng.pick(INT8_EDGES);
    case 2: return rng.pick(INT32_EDGES);
    case 3: return rng.int(-128, 127);
    default: return rng.next() | 0;
  }
}

/** Base registers, with extra weight on the ones the ModRM/SIB encoding treats specially. */
const SPECIAL_BASES = [RSP, 5, 12, 13]; // rsp, rbp, r12, r13
function randomBase(rng: Rng): number {
  return rng.chance(0.4) ? rng.pick(SPECIAL_BASES) : rng.int(0, 15);
}
/** Any register but rsp can be an index (r12 can: REX.X tells it apart). */
function randomIndex(rng: Rng): number {
  for (;;) {
    const r = rng.chance(0.2) ? rng.pick([5, 12, 13]) : rng.int(0, 15);
    if (r !== RSP) return r;
  }
}
const SCALES = [1, 2, 4, 8] as const;

export type MemoryShape = 'absolute' | 'rip' | 'base' | 'base+index' | 'index';
const SHAPES: readonly MemoryShape[] = ['absolute', 'rip', 'base', 'base', 'base+index', 'base+index', 'index'];

export function randomMemory(rng: Rng, size: 0 | 8 | 16 | 64 | 128, shape: MemoryShape = rng.pick(SHAPES)): MemOperand {
  const disp = randomDisplacement(rng);
  switch (shape) {
    case 'absolute': return { kind: 'mem', base: -1, index: -1, scale: 1, disp, size };
    case 'rip': return { kind: 'mem', base: RIP, index: -1, scale: 1, disp, size };
    case 'base': return { kind: 'mem', base: randomBase(rng), index: -1, scale: 1, disp, size };
    case 'base+index': return { kind: 'mem', base: randomBase(rng), index: randomIndex(rng), scale: rng.pick(SCALES), disp, size };
    case 'index': return { kind: 'mem', base: -1, index: randomIndex(rng), scale: rng.pick(SCALES), disp, size };
  }
}

/** Immediates at the edges of each kind, and random values inside it. */
export function randomImmediate(rng: Rng, kind: OperandKind): bigint {
  const pow = (n: number): bigint => 2n ** BigInt(n);
  const edges: Record<string, readonly bigint[]> = {
    imm8: INT8_EDGES.map(BigInt),
    imm32: INT32_EDGES.map(BigInt),
    imm64: [0n, -1n, 1n, -pow(63), pow(63) - 1n, pow(63), pow(64) - 1n, -pow(31), -pow(31) - 1n, pow(31) - 1n, pow(31),
      pow(32) - 1n, pow(32), -pow(32), 127n, -128n],
    uimm8: [0n, 1n, 2n, 31n, 32n, 63n, 64n, 127n, 128n, 255n],
    uimm16: [0n, 1n, 255n, 256n, 32767n, 32768n, 65535n],
    one: [1n],
  };
  const list = edges[kind];
  if (list === undefined) throw new Error(`not an immediate kind: ${kind}`);
  if (kind === 'one' || rng.chance(0.6)) return rng.pick(list);
  switch (kind) {
    case 'imm8': return BigInt(rng.int(-128, 127));
    case 'imm32': return rng.chance(0.3) ? BigInt(rng.int(-128, 127)) : BigInt(rng.next() | 0);
    case 'imm64': return rng.chance(0.5) ? BigInt.asIntN(64, rng.bits(64)) : BigInt(rng.next() | 0);
    case 'uimm8': return BigInt(rng.int(0, 255));
    default: return BigInt(rng.int(0, 65535));
  }
}

/** Does this row need a REX prefix with these operands (so ah..bh cannot appear)? */
function needsRex(row: Row, operands: readonly GenOperand[]): boolean {
  if (row.width === 'W1') return true;
  return operands.some((op) =>
    ((op.kind === 'reg' || op.kind === 'reg16') && op.reg >= 8) ||
    (op.kind === 'reg8' && op.reg >= 4 && op.reg < 16) ||
    (op.kind === 'mem' && ((op.base >= 8 && op.base !== RIP) || op.index >= 8)));
}

/** One operand that fits `kind`; `labels` are the branch targets available. */
export function randomOperand(rng: Rng, kind: OperandKind, labels: readonly string[] = []): GenOperand {
  switch (kind) {
    case 'r64': case 'r64op': return { kind: 'reg', reg: rng.int(0, 15) };
    case 'rm64': return rng.chance(0.5) ? { kind: 'reg', reg: rng.int(0, 15) } : randomMemory(rng, 64);
    case 'm64': return randomMemory(rng, 64);
    case 'rm8': return rng.chance(0.5) ? { kind: 'reg8', reg: rng.int(0, REG8.length - 1) } : randomMemory(rng, 8);
    case 'rm16': return rng.chance(0.5) ? { kind: 'reg16', reg: rng.int(0, 15) } : randomMemory(rng, 16);
    case 'r8': return { kind: 'reg8', reg: rng.int(0, REG8.length - 1) };
    case 'xmm': return { kind: 'xmm', reg: rng.int(0, 15) };
    case 'xmm_m64': return rng.chance(0.5) ? { kind: 'xmm', reg: rng.int(0, 15) } : randomMemory(rng, 64);
    case 'xmm_m128': return rng.chance(0.5) ? { kind: 'xmm', reg: rng.int(0, 15) } : randomMemory(rng, 128);
    case 'rax': return { kind: 'reg', reg: 0 };
    case 'cl': return { kind: 'reg8', reg: 1 };
    case 'rel8': case 'rel32':
      if (labels.length === 0) throw new Error('a branch operand needs labels to aim at');
      return { kind: 'label', name: rng.pick(labels) };
    default: return { kind: 'imm', value: randomImmediate(rng, kind) };
  }
}

/** Operands for `row`, respecting that ah..bh cannot be encoded with a REX prefix. */
export function randomOperands(rng: Rng, row: Row, labels: readonly string[] = []): GenOperand[] {
  for (;;) {
    const ops = row.operands.map((k) => randomOperand(rng, k, labels));
    const highByte = ops.some((op) => op.kind === 'reg8' && op.reg >= 16);
    if (!(highByte && needsRex(row, ops))) return ops;
  }
}

// ---------------------------------------------------------------------------------------------
// Intel text

/** Every spelling the assembler accepts for a row (its mnemonic and aliases), from MNEMONICS. */
export function spellingsOf(row: Row): string[] {
  const names: string[] = [];
  for (const [name, rows] of MNEMONICS) if (rows.includes(row)) names.push(name);
  return names;
}

/** How one instruction is spelled; every choice is one both assemblers read. */
export interface TextStyle {
  /** Numbers in hex rather than decimal. */
  readonly hex: boolean;
  /** Negative immediates of signed kinds spelled as 64-bit two's complement hex, as objdump prints them. */
  readonly wrap64: boolean;
  /** The whole line in upper case. */
  readonly upper: boolean;
  /** `qword ptr` / `byte ptr` even where a register operand fixes the size. */
  readonly sized: boolean;
  /** Write a memory displacement before the registers: [16+rbx]. */
  readonly dispFirst: boolean;
  /** Write `*1` for a scale-1 index that follows a base. */
  readonly scaleOne: boolean;
  /** Write a scale-1 index before the base where that keeps the meaning: [rcx*1+rbx], [rcx+rsp]. */
  readonly indexFirst: boolean;
  /** For `test`, the register before the r/m operand (randomInstruction swaps the operands). */
  readonly swapped: boolean;
  /** For 3-operand `imul r, r, imm` with both registers equal, the 2-operand spelling. */
  readonly imulShort: boolean;
}

export function randomStyle(rng: Rng): TextStyle {
  return {
    hex: rng.chance(0.5), wrap64: rng.chance(0.15), upper: rng.chance(0.1), sized: rng.chance(0.3),
    dispFirst: rng.chance(0.1), scaleOne: rng.chance(0.3), indexFirst: rng.chance(0.2), swapped: rng.chance(0.5),
    imulShort: rng.chance(0.5),
  };
}

function spellNumber(v: bigint, style: TextStyle, signedKind: boolean): string {
  if (v < 0n && signedKind && style.wrap64) return '0x' + BigInt.asUintN(64, v).toString(16);
  const abs = v < 0n ? -v : v;
  const digits = style.hex ? '0x' + abs.toString(16) : abs.toString();
  return v < 0n ? '-' + digits : digits;
}

function spellMemory(m: MemOperand, style: TextStyle, sized: boolean): string {
  const regs: string[] = [];
  if (m.base === RIP) regs.push('rip');
  else if (m.base >= 0) regs.push(REG64[m.base]);
  if (m.index >= 0) regs.push(m.base < 0 || m.scale !== 1 || style.scaleOne ? `${REG64[m.index]}*${m.scale}` : REG64[m.index]);
  // The index first keeps the meaning when it carries `*1`, or when the base is rsp (which cannot be an index).
  if (style.indexFirst && regs.length === 2 && m.scale === 1 && (regs[1].endsWith('*1') || m.base === RSP)) regs.reverse();
  const d = m.disp;
  if (d < 0 && style.wrap64) {
    // The 64-bit two's complement spelling: [rbx+0xffffffffffffff80] is [rbx-128].
    const wrapped = '0x' + BigInt.asUintN(64, BigInt(d)).toString(16);
    return (sized ? (m.size === 8 ? 'byte ptr ' : m.size === 16 ? 'word ptr ' : m.size === 128 ? 'xmmword ptr ' : 'qword ptr ') : '') + `[${[...regs, wrapped].join('+')}]`;
  }
  const dispText = spellNumber(BigInt(Math.abs(d)), style, false);
  let text: string;
  if (regs.length === 0) text = (d < 0 ? '-' : '') + dispText;
  else if (d === 0) text = regs.join('+');
  else if (style.dispFirst) text = (d < 0 ? '-' : '') + dispText + '+' + regs.join('+');
  else text = regs.join('+') + (d < 0 ? '-' : '+') + dispText;
  return (sized ? (m.size === 8 ? 'byte ptr ' : m.size === 16 ? 'word ptr ' : m.size === 128 ? 'xmmword ptr ' : 'qword ptr ') : '') + `[${text}]`;
}

export interface GenInstruction {
  /** The row the operands were generated for (the encoder may well choose a shorter one). */
  readonly row: Row;
  readonly mnemonic: string;
  readonly operands: readonly GenOperand[];
  readonly hints: Hints;
  readonly text: string;
}

const SIGNED_KINDS: ReadonlySet<OperandKind> = new Set(['imm8', 'imm32', 'imm64']);

/** Intel text for `mnemonic operands`, spelled in `style`. */
export function formatIntel(row: Row, mnemonic: string, operands: readonly GenOperand[], hints: Hints, style: TextStyle): string {
  // GNU as needs a size whenever no 64-bit register operand fixes it (lea's operand has none).
  const mustSize = row.operation !== 'lea' && (row.operands.includes('rm8') || row.operands.includes('rm16') || !operands.some((op) => op.kind === 'reg'));
  const up = (t: string): string => (style.upper ? t.toUpperCase() : t);
  let ops = operands.map((op, i) => {
    switch (op.kind) {
      case 'reg': return up(REG64[op.reg]);
      case 'reg8': return up(REG8[op.reg]);
      case 'reg16': return up(REG16[op.reg]);
      case 'xmm': return up(`xmm${op.reg}`);
      case 'mem': return up(spellMemory(op, style, mustSize || style.sized));
      case 'imm': return up(spellNumber(op.value, style, SIGNED_KINDS.has(row.operands[i]))); // (`test` swaps no immediate)
      case 'rel': return '0x' + op.target.toString(16);
      case 'label': return op.name; // labels are case-sensitive
    }
  });
  if (row.operation === 'imul' && ops.length === 3 && style.imulShort && ops[0] === ops[1] && operands[1].kind === 'reg') ops = [ops[0], ops[2]];
  const prefix = (hints.load ? '{load} ' : '') + (hints.store ? '{store} ' : '') + (hints.disp8 ? '{disp8} ' : '') + (hints.disp32 ? '{disp32} ' : '');
  return prefix + up(mnemonic) + (ops.length ? ' ' + ops.join(', ') : '');
}

/**
 * Pseudo-prefixes that mean something for these operands, picked at random:
 * {load}/{store} for a register pair when the mnemonic has both directions,
 * {disp8} for a based address whose displacement fits in 8 bits, {disp32} for a register-based one.
 * (GNU as ignores {disp8} when the displacement does not fit, and turns `{disp32} mov rax, [abs]`
 * into the moffs form, outside the subset; we report the first as an error, so neither is generated.)
 */
function randomHints(rng: Rng, mnemonic: string, operands: readonly GenOperand[]): Hints {
  if (!rng.chance(0.15)) return {};
  const rows = MNEMONICS.get(mnemonic) ?? [];
  const pair = operands.length === 2 && operands[0].kind === 'reg' && operands[1].kind === 'reg';
  const both = rows.some((r) => r.operands[0] === 'r64' && r.operands[1] === 'rm64') && rows.some((r) => r.operands[0] === 'rm64' && r.operands[1] === 'r64');
  if (pair && both) return rng.chance(0.5) ? { load: true } : { store: true };
  const m = operands.find((op): op is MemOperand => op.kind === 'mem');
  if (m && m.base >= 0) {
    if (m.base !== RIP && m.disp >= -128 && m.disp <= 127 && rng.chance(0.5)) return { disp8: true };
    return { disp32: true };
  }
  return {};
}

/** One random instance of `row` (not a branch to a label: see randomBranchProgram). */
export function randomInstruction(rng: Rng, row: Row, style: TextStyle = randomStyle(rng)): GenInstruction {
  const mnemonic = rng.pick(spellingsOf(row));
  let operands = randomOperands(rng, row);
  if (row.commutative && style.swapped) operands = [...operands].reverse(); // `test r64, r/m`
  if (row.operation === 'imul' && operands.length === 3 && style.imulShort && operands[1].kind === 'reg') {
    operands = [operands[0], operands[0], operands[2]]; // spelled `imul r, imm`
  }
  const hints = randomHints(rng, mnemonic, operands);
  return { row, mnemonic, operands, hints, text: formatIntel(row, mnemonic, operands, hints, style) };
}

/** Rows whose operand is a label (jmp/jcc/call with rel8/rel32): they need a program around them. */
export function isBranchRow(row: Row): boolean {
  return row.operands.includes('rel8') || row.operands.includes('rel32');
}

export const BRANCH_ROWS: readonly Row[] = TABLE.filter(isBranchRow);
export const PLAIN_ROWS: readonly Row[] = TABLE.filter((r) => !isBranchRow(r));

// ---------------------------------------------------------------------------------------------
// Branch programs

export interface BranchProgramOptions {
  /** Label prefix, unique per program when several share one file. */
  readonly prefix: string;
  /** Number of statements (labels excluded). */
  readonly length?: number;
}

/**
 * A program of branches to labels placed before and after them, mixed with ordinary
 * instructions and `.byte` runs (some of 100..140 bytes, so that some branches land just inside
 * and just outside the reach of an 8-bit displacement). Returns the lines of the program.
 */
export function randomBranchProgram(rng: Rng, options: BranchProgramOptions): string[] {
  const n = options.length ?? rng.int(4, 24);
  const labelCount = rng.int(1, 4);
  const labels = Array.from({ length: labelCount }, (_, i) => `${options.prefix}_l${i}`);
  const at = labels.map(() => rng.int(0, n));
  const lines: string[] = [];
  for (let i = 0; i <= n; i++) {
    labels.forEach((name, j) => { if (at[j] === i) lines.push(`${name}:`); });
    if (i === n) break;
    const what = rng.int(0, 9);
    if (what < 4) lines.push(branchLine(rng, labels));
    else if (what < 6) lines.push(fillerBytes(rng, rng.chance(0.5) ? rng.int(100, 140) : rng.int(1, 60)));
    else lines.push(randomInstruction(rng, rng.pick(PLAIN_ROWS)).text);
  }
  return lines;
}

/** `jcc/jmp/call label`, any spelling, sometimes pinned to 32 bits with {disp32}. */
export function branchLine(rng: Rng, labels: readonly string[], row: Row = rng.pick(BRANCH_ROWS)): string {
  const mnemonic = rng.pick(spellingsOf(row));
  const hints: Hints = rng.chance(0.1) ? { disp32: true } : {};
  const style = randomStyle(rng);
  return formatIntel(row, mnemonic, [{ kind: 'label', name: rng.pick(labels) }], hints, style);
}

/** A `.byte` run of `count` bytes: filler of a known length. */
export function fillerBytes(rng: Rng, count: number): string {
  return '.byte ' + Array.from({ length: count }, () => '0x' + rng.int(0, 255).toString(16)).join(', ');
}

/** A program that must select one branch row; `at` labels the branch instruction. */
export interface RowProgram {
  readonly lines: readonly string[];
  readonly at: string;
}

/**
 * For each branch row, programs that must select that row: a rel8 row branches a short way
 * forward and backward (up to the very edge of its reach), a rel32 row (jmp, jcc, call) a long
 * way over `.byte` filler, and call, which has no short form, a short way too.
 */
export function rowBranchPrograms(rng: Rng, row: Row, prefix: string): RowProgram[] {
  const long = row.operands[0] === 'rel32';
  // A short branch is two bytes: forward it reaches over 127 bytes, backward over 126.
  const gap = (most: number): string[] => {
    const n = long ? rng.int(128, 300) : rng.int(0, most);
    return n === 0 ? [] : [fillerBytes(rng, n)];
  };
  const line = (label: string): string => branchLine(rng, [label], row).replace(/^\{disp32\} /, '');
  const programs: RowProgram[] = [
    { lines: [`${prefix}_at1:`, line(`${prefix}_f`), ...gap(127), `${prefix}_f:`], at: `${prefix}_at1` },
    { lines: [`${prefix}_b:`, ...gap(126), `${prefix}_at2:`, line(`${prefix}_b`)], at: `${prefix}_at2` },
  ];
  const hasShort = (MNEMONICS.get(spellingsOf(row)[0]) ?? []).some((r) => r.operands[0] === 'rel8');
  if (long && !hasShort) programs.push({ lines: [`${prefix}_at3:`, line(`${prefix}_n`), `${prefix}_n:`], at: `${prefix}_at3` });
  return programs;
}

// ---------------------------------------------------------------------------------------------
// Random bytes for the decoder

/** Prefixes outside the subset: operand/address size, lock, rep, segments. */
export const LEGACY_PREFIXES: readonly number[] = [0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];

function biasedByte(rng: Rng): number {
  const r = rng.int(0, 9);
  if (r === 0) return 0x00;
  if (r === 1) return 0xff;
  if (r === 2) return rng.pick([0x7f, 0x80, 0x81, 0x01]);
  return rng.int(0, 255);
}

/**
 * A byte string that begins like an instruction of the table, usually: an optional legacy
 * prefix (rarely), an optional REX (W mostly set for rows that need it), the row's opcode
 * (with a random register for +r rows), a ModRM whose reg field is usually the row's /digit,
 * then enough random bytes for any SIB, displacement and immediate. Sometimes fully random.
 * The decoder decides how much of it is one instruction.
 */
export function randomInstructionBytes(rng: Rng): Uint8Array {
  const out: number[] = [];
  if (rng.chance(0.03)) {
    for (let i = 0; i < 16; i++) out.push(rng.int(0, 255));
    return Uint8Array.from(out);
  }
  const row = rng.pick(TABLE);
  if (rng.chance(0.03)) out.push(rng.pick(LEGACY_PREFIXES));
  if (rng.chance(0.01)) out.push(0x40 | rng.int(0, 15));
  if (row.width === 'W1') {
    if (rng.chance(0.95)) out.push(0x48 | rng.int(0, 7));
  } else if (rng.chance(row.width === 'none' ? 0.1 : 0.35)) {
    out.push(0x40 | rng.int(0, 15));
  }
  if (rng.chance(0.02) && out.length > 0) out.push(rng.pick(LEGACY_PREFIXES)); // a prefix after REX
  out.push(...row.opcode);
  if (row.operands.includes('r64op')) out[out.length - 1] += rng.int(0, 7);
  if (row.hasModrm) {
    let modrm = rng.int(0, 255);
    if (row.digit >= 0 && rng.chance(0.9)) modrm = (modrm & 0xc7) | (row.digit << 3);
    if (rng.chance(0.3)) modrm = (modrm & 0x3f) | 0xc0; // register operands
    out.push(modrm);
  }
  for (let i = 0; i < 10; i++) out.push(biasedByte(rng));
  return Uint8Array.from(out);
}

/** The condition names, for normalizing mnemonics (je/jz ...) to the table's first name. */
export function conditionOf(mnemonic: string): { prefix: string; cc: number } | null {
  const m = /^(j|set|cmov)(.+)$/.exec(mnemonic);
  if (!m || mnemonic === 'jmp') return null;
  const c = CONDITIONS.find((cond) => cond.names.includes(m[2]));
  return c ? { prefix: m[1], cc: c.cc } : null;
}
