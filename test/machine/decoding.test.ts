/*
 * Decoding, differentially: our decoder and disassembler against objdump and iced-x86.
 *
 * The decoder is the machine's only decoder, so it must read exactly what the hardware reads.
 * Its inputs here are (1) every row of the table with random operands, both as our assembler
 * encodes the text and forced into that row by encodeRow (the longer forms too), and
 * (2) thousands of random byte strings biased toward the table's opcodes (random REX, opcode,
 * ModRM/SIB, displacement and immediate bytes). Then:
 *   (a) objdump: every accepted instruction, printed by our disassembler, must mean what
 *       `objdump -d -M intel` prints for the same bytes (compared in a canonical form, see
 *       test/support/intel-text.ts), with the same length;
 *   (b) round trip: the disassembler's text, assembled again, gives back the same bytes, one
 *       instruction at a time and for whole listings; text for bytes our assembler chose
 *       never needs the `.byte` fallback;
 *   (c) iced-x86: whenever our decoder accepts bytes, iced decodes the same length and the
 *       same instruction (mnemonic, registers, base/index/scale/displacement, immediates,
 *       targets); whenever iced decodes bytes as an instruction of the subset and we refuse
 *       them, the refusal is one of the subset's stated choices (SUBSET_CHOICES); the table's
 *       own encodings all decode to their row and operands; a cut-off instruction is reported
 *       as truncated.
 * The run's seed is printed; BEDROCK_SEED=<seed> repeats a run.
 */
import { Code, Decoder, DecoderOptions, MemorySize, Mnemonic, OpKind, Register, type Instruction } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import { assemble, formatAsmError, hexBytes } from '../../kernel/machine/x86/assembler.ts';
import { decode } from '../../kernel/machine/x86/decoder.ts';
import { disassemble, formatInstruction } from '../../kernel/machine/x86/disassembler.ts';
import { encodeRow } from '../../kernel/machine/x86/encoder.ts';
import type { Decoded, Operand } from '../../kernel/machine/x86/operand.ts';
import { REG64, REG8, RIP, TABLE, type Row, REG16 } from '../../kernel/machine/x86/table.ts';
import { objdumpBinary } from '../support/gnu.ts';
import { missingTools, oraclesPresent } from '../support/oracles.ts';
import { canonicalLine } from '../support/intel-text.ts';
import { testSeed } from '../support/random.ts';
import {
  LEGACY_PREFIXES, PLAIN_ROWS, randomInstruction, randomInstructionBytes, randomOperands, rngFor, type Rng,
} from '../support/random-instructions.ts';

const SEED = testSeed();
console.log(`[decoding] seed ${SEED} (BEDROCK_SEED=${SEED} repeats this run)`);
const HAVE_OBJDUMP = oraclesPresent('decoding against objdump', missingTools(['objdump']));

const ASSEMBLED_PER_ROW = 6;
const FORCED_PER_ROW = 6;
const RANDOM_SAMPLES = 6000;
const LISTINGS = 300;
const SHOWN = 25;

// ---------------------------------------------------------------------------------------------
// The samples, built once

interface Sample {
  readonly bytes: Uint8Array; // exactly one instruction
  readonly origin: string; // where it came from, for messages
  /** Assembled by our assembler from text: the disassembler must not need `.byte`. */
  readonly assembled: boolean;
  /** The row and operands it was encoded from, when known. */
  readonly row?: Row;
  readonly operands?: readonly Operand[];
}

/**
 * Operands for encodeRow at address 0; a branch target anywhere within reach, edges included
 * (a short branch is 2 bytes: it reaches -126..129; a near one is 5 or 6).
 */
function concreteOperands(rng: Rng, row: Row): Operand[] {
  return randomOperands(rng, row, ['target']).map((op, i): Operand => {
    if (op.kind !== 'label') return op;
    const target = row.operands[i] === 'rel8'
      ? (rng.chance(0.3) ? rng.pick([-126, 129]) : rng.int(-126, 129))
      : (rng.chance(0.3) ? rng.pick([-(2 ** 31) + 6, 2 ** 31 + 4]) : rng.int(-(2 ** 31) + 6, 2 ** 31 + 4));
    return { kind: 'rel', target };
  });
}

function buildTableSamples(): { samples: Sample[]; problems: string[] } {
  const rng = rngFor(SEED, 'table');
  const samples: Sample[] = [];
  const problems: string[] = [];
  // As our assembler encodes random text for each row.
  for (const row of PLAIN_ROWS) {
    for (let i = 0; i < ASSEMBLED_PER_ROW; i++) {
      const g = randomInstruction(rng, row);
      const r = assemble(g.text);
      if (!r.ok) { problems.push(`${g.text}: ${formatAsmError(r.error)}`); continue; }
      samples.push({ bytes: r.bytes, origin: `assembled '${g.text}'`, assembled: true });
    }
  }
  // Forced into each row (every row, branches included), whatever is shortest.
  for (const row of TABLE) {
    for (let i = 0; i < FORCED_PER_ROW; i++) {
      const operands = concreteOperands(rng, row);
      const bytes = encodeRow(row, operands, {}, 0);
      if (typeof bytes === 'string') { problems.push(`row ${row.id} ${row.mnemonic}: encodeRow: ${bytes}`); continue; }
      samples.push({ bytes, origin: `row ${row.id} (${row.mnemonic} ${row.operands.join(',')})`, assembled: false, row, operands });
    }
  }
  return { samples, problems };
}

interface RandomSample { readonly input: Uint8Array; readonly decoded: ReturnType<typeof decode> }

function buildRandomSamples(): RandomSample[] {
  const rng = rngFor(SEED, 'bytes');
  return Array.from({ length: RANDOM_SAMPLES }, () => {
    const input = randomInstructionBytes(rng);
    return { input, decoded: decode(input, 0, input.length, 0) };
  });
}

const TABLE_SAMPLES = buildTableSamples();
const RANDOM = buildRandomSamples();
const ACCEPTED: Sample[] = RANDOM.flatMap((s) =>
  s.decoded.ok ? [{ bytes: s.decoded.insn.bytes, origin: `random bytes ${hexBytes(s.input)}`, assembled: false }] : []);
/** Everything our decoder reads as exactly one instruction (a table sample that does not is reported in (c)). */
const ALL: Sample[] = [
  ...TABLE_SAMPLES.samples.filter((s) => { const r = decode(s.bytes, 0, s.bytes.length, 0); return r.ok && r.insn.length === s.bytes.length; }),
  ...ACCEPTED,
];
console.log(`[decoding] ${TABLE_SAMPLES.samples.length} table instances, ${ACCEPTED.length} of ${RANDOM.length} random byte strings accepted`);

function decodeAt(bytes: Uint8Array, address: number): Decoded {
  const r = decode(bytes, 0, bytes.length, address);
  if (!r.ok) throw new Error(`does not decode: ${hexBytes(bytes)}: ${r.error}`);
  return r.insn;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function failMessage(problems: string[], total: number, what: string): string {
  return `${problems.length} of ${total} ${what} (seed ${SEED}); first ${Math.min(SHOWN, problems.length)}`;
}

// ---------------------------------------------------------------------------------------------
// (a) objdump

/** Each instruction in its own 16-byte slot, padded with nops, so a length disagreement stays local. */
const SLOT = 16;

describe.skipIf(!HAVE_OBJDUMP)('decoding (a): our disassembler against objdump -d -M intel', () => {
  it('prints what objdump prints, operand by operand, with the same length', () => {
    const image = new Uint8Array(ALL.length * SLOT).fill(0x90);
    ALL.forEach((s, i) => image.set(s.bytes, i * SLOT));
    const listing = objdumpBinary(image);
    const problems: string[] = [];
    ALL.forEach((s, i) => {
      const at = i * SLOT;
      const d = decodeAt(s.bytes, at);
      const ours = formatInstruction(d);
      const theirs = listing.get(at);
      const where = `${hexBytes(s.bytes)} (${s.origin})`;
      if (!theirs) { problems.push(`${where}: objdump has no instruction at its start`); return; }
      if (theirs.length !== d.length) {
        problems.push(`${where}: length ${d.length}, objdump ${theirs.length} ('${theirs.text}')`);
        return;
      }
      const a = canonicalLine(ours), b = canonicalLine(theirs.text);
      if (!a || !b || a.text !== b.text) {
        problems.push(`${where}\n    ours:    ${ours}   => ${a?.text}\n    objdump: ${theirs.text}   => ${b?.text}`);
        return;
      }
      // objdump always prints the size of a memory operand (but lea's); it must be the row's.
      const memoryKind = d.row.operands.find((k) => k === 'rm64' || k === 'm64' || k === 'rm8' || k === 'rm16' || k === 'xmm_m64' || k === 'xmm_m128');
      const m = d.operands.find((op) => op.kind === 'mem');
      const expected = !m || d.row.operation === 'lea' ? '' : memoryKind === 'rm8' ? 'byte' : memoryKind === 'rm16' ? 'word' : memoryKind === 'xmm_m128' ? 'xmmword' : 'qword';
      if (b.memorySize !== expected) problems.push(`${where}: objdump prints a ${b.memorySize || 'no'} size, the row says ${expected || 'none'}`);
      if (a.memorySize !== '' && a.memorySize !== expected) problems.push(`${where}: we print a ${a.memorySize} size, the row says ${expected}`);
    });
    expect(problems.slice(0, SHOWN), failMessage(problems, ALL.length, 'instructions differ from objdump')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// (b) round trip

describe('decoding (b): disassemble, assemble again, same bytes', () => {
  it('one instruction at a time', () => {
    const problems: string[] = [];
    let fallbacks = 0;
    for (const s of ALL) {
      const text = formatInstruction(decodeAt(s.bytes, 0));
      if (text.startsWith('.byte')) {
        fallbacks++;
        if (s.assembled) problems.push(`${s.origin}: our own encoding printed as '${text}'`);
      }
      const again = assemble(text);
      if (!again.ok) problems.push(`${hexBytes(s.bytes)} (${s.origin}) -> '${text}' -> ${formatAsmError(again.error)}`);
      else if (!same(again.bytes, s.bytes)) problems.push(`${hexBytes(s.bytes)} (${s.origin}) -> '${text}' -> ${hexBytes(again.bytes)}`);
    }
    expect(problems.slice(0, SHOWN), failMessage(problems, ALL.length, 'instructions do not round-trip')).toEqual([]);
    console.log(`[decoding] round trip: ${ALL.length} instructions, ${fallbacks} printed with the .byte fallback`);
  });

  it('whole listings, with branches between the instructions and bytes that do not decode', () => {
    const rng = rngFor(SEED, 'listings');
    const problems: string[] = [];
    for (let n = 0; n < LISTINGS; n++) {
      const parts: number[] = [];
      const count = rng.int(2, 30);
      for (let i = 0; i < count; i++) {
        if (rng.chance(0.05)) parts.push(rng.int(0, 255));
        else parts.push(...rng.pick(ALL).bytes);
      }
      const bytes = Uint8Array.from(parts);
      const text = disassemble(bytes).map((l) => l.text).join('\n');
      const again = assemble(text);
      if (!again.ok) problems.push(`${hexBytes(bytes)}\n${text}\n  -> ${formatAsmError(again.error)}`);
      else if (!same(again.bytes, bytes)) problems.push(`${hexBytes(bytes)}\n${text}\n  -> ${hexBytes(again.bytes)}`);
    }
    expect(problems.slice(0, 5), failMessage(problems, LISTINGS, 'listings do not round-trip')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// (c) iced-x86

/** iced's register names, spelled as ours (it calls r8b R8L). */
function icedRegister(r: Register): string {
  const name = Register[r].toLowerCase();
  return /^r\d+l$/.test(name) ? name.slice(0, -1) + 'b' : name;
}

/** Bits of a memory operand as iced sizes it: 0 for lea's, else 8 or 64 (or -1: something else). */
function icedMemoryBits(size: MemorySize): number {
  const name = MemorySize[size];
  if (name === 'Unknown') return 0;
  if (/^U?Int64$|^QwordOffset$|^Float64$/.test(name)) return 64;
  if (/^Packed128_Float64$|^UInt128$/.test(name)) return 128;
  if (/^U?Int8$/.test(name)) return 8;
  if (/^U?Int16$|^WordOffset$|^SegmentDescSelector$/.test(name)) return 16;
  return -1;
}

/** Our operand, spelled for comparison with iced's. */
function ourOperand(op: Operand, isLea: boolean): string {
  switch (op.kind) {
    case 'reg': return REG64[op.reg];
    case 'reg8': return REG8[op.reg];
    case 'reg16': return REG64[op.reg]; // iced, like objdump, names lar's source by its 64-bit name
    case 'xmm': return `xmm${op.reg}`;
    case 'imm': return `$0x${BigInt.asUintN(64, op.value).toString(16)}`;
    case 'rel': return `->0x${BigInt.asUintN(64, BigInt(op.target)).toString(16)}`;
    case 'mem': {
      const base = op.base === RIP ? 'rip' : op.base >= 0 ? REG64[op.base] : 'none';
      const index = op.index >= 0 ? `${REG64[op.index]}*${op.scale}` : 'none';
      return `[${base} ${index} ${op.disp}]:${isLea ? 0 : op.size}`;
    }
  }
}

/** iced's operand i, spelled as ourOperand spells ours. */
function icedOperand(ins: Instruction, i: number): string {
  const kind = ins.opKind(i);
  switch (kind) {
    case OpKind.Register: return icedRegister(ins.opRegister(i));
    case OpKind.NearBranch64: return `->0x${ins.nearBranch64.toString(16)}`;
    case OpKind.Memory: {
      const base = ins.memoryBase === Register.None ? 'none' : icedRegister(ins.memoryBase);
      const index = ins.memoryIndex === Register.None ? 'none' : `${icedRegister(ins.memoryIndex)}*${ins.memoryIndexScale}`;
      // For rip-relative operands iced gives the target address; we keep the displacement.
      const disp = BigInt.asIntN(64, ins.memoryBase === Register.RIP ? ins.memoryDisplacement - ins.nextIP : ins.memoryDisplacement);
      return `[${base} ${index} ${disp}]:${icedMemoryBits(ins.memorySize)}`;
    }
    default: return `$0x${ins.immediate(i).toString(16)}`; // immediates, sign-extended to 64 bits where the form says so
  }
}

const ADDRESS = 0x1000; // decode at a nonzero address so that targets are not all near 0

/** Decode with iced, run f, free iced's objects. */
function withIced<T>(bytes: Uint8Array, f: (ins: Instruction) => T): T {
  const decoder = new Decoder(64, bytes, DecoderOptions.None);
  decoder.ip = BigInt(ADDRESS);
  const ins = decoder.decode();
  try { return f(ins); } finally { ins.free(); decoder.free(); }
}

/** Why iced disagrees with our decoding of `d`, or null. */
function icedDisagreement(d: Decoded): string | null {
  return withIced(d.bytes, (ins) => {
    if (ins.code === Code.INVALID) return 'iced: invalid instruction';
    const theirs = `${Mnemonic[ins.mnemonic].toLowerCase()} ${Array.from({ length: ins.opCount }, (_, i) => icedOperand(ins, i)).join(', ')}`;
    const ours = `${d.row.mnemonic} ${d.operands.map((op) => ourOperand(op, d.row.operation === 'lea')).join(', ')}`;
    if (ins.length !== d.length) return `length ${d.length}, iced ${ins.length} (${theirs})`;
    // (an SSE2 row's f2/f3 is its mandatory prefix, which iced also reports as rep/repne)
    if (((ins.hasRepPrefix || ins.hasRepnePrefix) && !d.row.sse) || ins.hasLockPrefix || ins.hasSegmentPrefix) return `iced sees a prefix (${theirs})`;
    return ours === theirs ? null : `\n    ours: ${ours}\n    iced: ${theirs}`;
  });
}

/**
 * The subset's stated choices: bytes a real CPU (and iced) executes as an instruction of the
 * table, which our decoder nevertheless refuses. Each is deliberate; anything else iced
 * decodes to a table instruction must decode for us too.
 */
const SUBSET_CHOICES: readonly { readonly name: string; readonly matches: (b: Uint8Array) => boolean }[] = [
  // 66/67 would change the operand/address size; F0/F2/F3 and segment overrides mean nothing
  // (or something else) to the subset. `as` emits none of them for the subset's text.
  { name: 'legacy prefix', matches: (b) => LEGACY_PREFIXES.includes(b[0]) || (isRex(b[0]) && LEGACY_PREFIXES.includes(b[1])) },
  // Hardware uses the last of several REX prefixes; we accept exactly one.
  { name: 'two REX prefixes', matches: (b) => isRex(b[0]) && isRex(b[1]) },
  // Intel ignores ModRM.reg of SETcc (0F 90..9F); we require /0, the only one `as` emits.
  { name: 'setcc with ModRM.reg other than 0', matches: (b) => { const o = opcodeAt(b); return b[o] === 0x0f && (b[o + 1] & 0xf0) === 0x90 && ((b[o + 2] >> 3) & 7) !== 0; } },
  // 90 with REX.B is `xchg r8, rax`; the table's nop takes no REX at all (a bare 40 90 too).
  { name: 'nop with a REX prefix', matches: (b) => isRex(b[0]) && b[1] === 0x90 },
  // F7 /1 (an undocumented alias of `test r/m64, imm32`) iced decodes as a code of its own,
  // Test_rm64_imm32_F7r1, which is not among the table's codes: it needs no entry here.
];

function isRex(b: number): boolean { return (b & 0xf0) === 0x40; }
function opcodeAt(b: Uint8Array): number { return isRex(b[0]) ? 1 : 0; }

describe('decoding (c): our decoder against iced-x86', () => {
  it("the table's own encodings decode to their row and operands", () => {
    const problems = [...TABLE_SAMPLES.problems];
    const rows = new Set<Row>();
    for (const s of TABLE_SAMPLES.samples) {
      const r = decode(s.bytes, 0, s.bytes.length, 0);
      if (!r.ok) { problems.push(`${hexBytes(s.bytes)} (${s.origin}): refused: ${r.error}`); continue; }
      if (r.insn.length !== s.bytes.length) problems.push(`${hexBytes(s.bytes)} (${s.origin}): length ${r.insn.length}`);
      rows.add(r.insn.row);
      if (s.row && s.operands) {
        const want = `${s.row.id} ${s.operands.map((op) => ourOperand({ ...op, ...(op.kind === 'mem' ? { size: s.row!.operands.includes('rm8') ? 8 : s.row!.operands.includes('rm16') ? 16 : s.row!.operands.includes('xmm_m128') ? 128 : 64 } : {}) } as Operand, false)).join(', ')}`;
        const got = `${r.insn.row.id} ${r.insn.operands.map((op) => ourOperand(op, false)).join(', ')}`;
        if (want !== got) problems.push(`${hexBytes(s.bytes)} (${s.origin})\n    encoded: ${want}\n    decoded: ${got}`);
      }
    }
    expect(problems.slice(0, SHOWN), failMessage(problems, TABLE_SAMPLES.samples.length, 'table encodings do not decode back')).toEqual([]);
    expect(TABLE.filter((r) => !rows.has(r)).map((r) => r.id), 'rows never decoded').toEqual([]);
  });

  it('whenever we accept bytes, iced decodes the same instruction with the same length', () => {
    const problems: string[] = [];
    for (const s of ALL) {
      const why = icedDisagreement(decodeAt(s.bytes, ADDRESS));
      if (why) problems.push(`${hexBytes(s.bytes)} (${s.origin}): ${why}`);
    }
    expect(problems.slice(0, SHOWN), failMessage(problems, ALL.length, 'instructions differ from iced')).toEqual([]);
  });

  it('whenever iced decodes bytes to a table instruction, we accept them too, or it is a stated subset choice', () => {
    // The iced codes of the table: every form our encoder produces.
    const subset = new Set<Code>();
    for (const s of TABLE_SAMPLES.samples) withIced(s.bytes, (ins) => subset.add(ins.code));
    const problems: string[] = [];
    const choices = new Map<string, number>();
    for (const s of RANDOM) {
      if (s.decoded.ok) continue;
      const refused = s.decoded;
      const verdict = withIced(s.input, (ins) => (subset.has(ins.code) ? `${Code[ins.code]} (${ins.length} bytes)` : null));
      if (verdict === null) continue;
      const choice = SUBSET_CHOICES.find((c) => c.matches(s.input));
      if (choice) choices.set(choice.name, (choices.get(choice.name) ?? 0) + 1);
      else problems.push(`${hexBytes(s.input)}: iced decodes ${verdict}, we refuse: ${refused.error}`);
    }
    expect(problems.slice(0, SHOWN), failMessage(problems, RANDOM.length, 'random byte strings are refused but are table instructions')).toEqual([]);
    console.log(`[decoding] refused by subset choice: ${[...choices].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  });

  it('an instruction cut short is reported as truncated, at every length', () => {
    const problems: string[] = [];
    for (const s of ALL) {
      for (let end = 0; end < s.bytes.length; end++) {
        const r = decode(s.bytes, 0, end, 0);
        if (r.ok || !r.truncated) problems.push(`${hexBytes(s.bytes.subarray(0, end))} (${s.origin}): ${r.ok ? 'accepted' : r.error}`);
      }
    }
    expect(problems.slice(0, SHOWN), failMessage(problems, ALL.length, 'cut-off instructions are not reported as truncated')).toEqual([]);
  });
});
