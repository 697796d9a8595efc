/*
 * The x86-64 instruction table: the one description of the machine's instruction set.
 *
 * Every other part of the machine derives from this data and from nothing else: the
 * encoder (and through it the assembler), the decoder, the disassembler, the interpreter's
 * choice of execution routine, the WebAssembly translator, the compiler's peephole optimizer
 * and inliner, and the test generators that compare us with GNU `as`, iced-x86 and the real
 * CPU. Adding an instruction form means adding a row here.
 *
 * Besides its encoding, each row carries the facts about the instruction that those parts ask
 * (as v86's x86_table does): where control goes afterwards (`control`), how each operand is
 * used (`access`), the registers it reads and writes without naming them (`implicitReads`,
 * `implicitWrites`), and the flags it reads (`reads`), writes and leaves undefined (`flags`).
 * x86/effects.ts turns them into the registers one instruction reads and writes; a test runs
 * every row on the interpreter and checks that nothing changes that the facts do not name.
 *
 * A row is one encoding form, in Intel's notation:
 *
 *   REX?  opcode bytes  [ModRM [SIB] [disp8|disp32]]  [imm8|imm16|imm32|imm64|rel8|rel32]
 *         ^^^^^^^^^^^^
 *         last byte may carry a register (+r) or a condition code (+cc)
 *
 *   ModRM:  7 6 | 5 4 3 | 2 1 0        SIB:  7 6   | 5 4 3 | 2 1 0
 *           mod |  reg  |  rm                scale | index | base
 *   REX:    0100 W R X B   (W: 64-bit operand, R/X/B: fourth bit of reg/index/base)
 *
 * Rows are listed in the order GNU `as` prefers them when two forms have the same length
 * (it picks `89 /r` over `8b /r` for a register-to-register `mov`); otherwise the encoder
 * takes the shortest form, as `as` does by default.
 */

/** The kinds of operand a row accepts, in Intel operand order (destination first). */
export type OperandKind =
  | 'r64' //    64-bit register in ModRM.reg
  | 'rm64' //   64-bit register or memory in ModRM.rm
  | 'm64' //    memory only in ModRM.rm (lea)
  | 'rm8' //    8-bit register or byte of memory in ModRM.rm (setcc)
  | 'rm16' //   16-bit register or word of memory in ModRM.rm (lar)
  | 'r8' //     8-bit register in ModRM.reg (a byte store)
  | 'r64op' //  64-bit register in the low three bits of the opcode (+r)
  | 'rax' //    the accumulator, implied by the opcode
  | 'cl' //     the count register cl, implied by the opcode
  | 'one' //    the constant 1, implied by the opcode (shift by one)
  | 'imm8' //   8-bit immediate, sign-extended to 64 bits
  | 'imm32' //  32-bit immediate, sign-extended to 64 bits
  | 'imm64' //  64-bit immediate
  | 'uimm8' //  8-bit unsigned immediate (shift count)
  | 'uimm16' // 16-bit unsigned immediate (bytes popped by `ret n`)
  | 'rel8' //   8-bit signed branch displacement
  | 'rel32' //  32-bit signed branch displacement
  | 'xmm' //    an xmm register in ModRM.reg (SSE2)
  | 'xmm_m64' // an xmm register or 64 bits of memory in ModRM.rm (a scalar double)
  | 'xmm_m128'; // an xmm register or 128 bits of memory in ModRM.rm (andpd, xorpd)

/** What an instruction does: the interpreter has one routine per operation. */
export type Operation =
  | 'mov' | 'lea'
  | 'add' | 'or' | 'and' | 'sub' | 'xor' | 'cmp' | 'test'
  | 'imul' | 'idiv' | 'cqo'
  | 'neg' | 'not' | 'inc' | 'dec'
  | 'shl' | 'shr' | 'sar'
  | 'push' | 'pop' | 'call' | 'jmp' | 'jcc' | 'ret'
  | 'setcc' | 'cmovcc'
  | 'nop' | 'int3' | 'syscall'
  | 'lar' | 'movzx'
  // SSE2, scalar doubles (kernel/machine/sse.ts executes them)
  | 'movsd' | 'movq' | 'addsd' | 'subsd' | 'mulsd' | 'divsd' | 'sqrtsd' | 'minsd' | 'maxsd'
  | 'ucomisd' | 'comisd' | 'cvtsi2sd' | 'cvttsd2si' | 'cvtsd2si' | 'roundsd' | 'andpd' | 'xorpd';

/** The SSE2 operations: their operands are xmm registers (or memory), run by kernel/machine/sse.ts. */
export const SSE_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'movsd', 'movq', 'addsd', 'subsd', 'mulsd', 'divsd', 'sqrtsd', 'minsd', 'maxsd',
  'ucomisd', 'comisd', 'cvtsi2sd', 'cvttsd2si', 'cvtsd2si', 'roundsd', 'andpd', 'xorpd',
]);

/** How REX.W matters to a row. */
export type WidthRule =
  | 'W1' //   REX.W must be set: without it the instruction has 32-bit operands, outside the subset
  | 'any' //  REX.W is ignored (operations that are 64-bit by default, or have no operands)
  | 'none'; // no REX prefix at all (90 with REX.B is xchg, not nop)

/**
 * Where control goes after a row (v86's `block_boundary` and `no_next_instruction` in one):
 *   next      on to the following instruction
 *   jump      to a target in the instruction (jmp rel): never to the following one
 *   branch    to a target in the instruction, or on (jcc rel)
 *   call      to a target (rel, or a register or memory for call r/m), the return address pushed
 *   ret       to the address popped from the stack
 *   indirect  to an address in a register or memory (jmp r/m)
 *   barrier   out of the machine's own flow: a host service (syscall) or a breakpoint (int3)
 */
export type Control = 'next' | 'jump' | 'branch' | 'call' | 'ret' | 'indirect' | 'barrier';

/**
 * How a row uses each of its operands: read, written, both, or (lea's memory) only its
 * address computed. A write of part of a register (a byte, or cmovcc's conditional write)
 * keeps the rest of its old value, so it counts as both.
 */
export type Access = 'r' | 'w' | 'rw' | 'a';

/** The flags the machine models, and the letters the table uses for them. */
export type Flag = 'C' | 'Z' | 'S' | 'O' | 'P';
export const FLAG_NAMES: Readonly<Record<Flag, string>> = Object.freeze({ C: 'CF', Z: 'ZF', S: 'SF', O: 'OF', P: 'PF' });

/**
 * What a row does to the flags, as the Intel manual states it.
 * `writes`: set to a defined value; `undefined`: left with an undefined value;
 * flags in neither are unchanged. Shifts are special (`shift: true`): a count of zero changes
 * nothing, and OF is defined only for a count of one.
 */
export interface FlagEffect {
  readonly writes: string;
  readonly undefined: string;
  readonly shift: boolean;
}

export interface Row {
  /** Index in TABLE. */
  readonly id: number;
  /**
   * A mandatory prefix (0x66, 0xf2 or 0xf3) that is part of the opcode (SSE2 rows), written
   * before any REX prefix; 0 for none.
   */
  readonly prefix: number;
  /** An SSE2 row (its xmm operands are not general registers): kernel/machine/sse.ts runs it. */
  readonly sse: boolean;
  /** Canonical mnemonic, as objdump prints it. */
  readonly mnemonic: string;
  readonly operation: Operation;
  /** Opcode bytes after any REX prefix. For +r and +cc rows, the last byte is already adjusted for cc, and is the base for +r. */
  readonly opcode: readonly number[];
  /** ModRM.reg opcode extension (/digit), or -1 for /r or no ModRM. */
  readonly digit: number;
  readonly hasModrm: boolean;
  readonly operands: readonly OperandKind[];
  readonly width: WidthRule;
  /** Condition code 0..15 for jcc/setcc/cmovcc, else -1. */
  readonly cc: number;
  readonly flags: FlagEffect;
  /** Flags this row reads (condition codes, and CF kept by inc/dec). */
  readonly reads: string;
  /** `test` accepts its register and memory operands in either order. */
  readonly commutative: boolean;
  /** Where control goes afterwards. */
  readonly control: Control;
  /** How each operand is used, in operand order. */
  readonly access: readonly Access[];
  /** Registers read and written without being named as operands (rsp by push, rax and rdx by idiv ...). */
  readonly implicitReads: readonly number[];
  readonly implicitWrites: readonly number[];
}

/** The sixteen condition codes: names (the first is objdump's), and the flags each reads. */
export interface Condition {
  readonly cc: number;
  readonly names: readonly string[];
  readonly reads: string;
}

export const CONDITIONS: readonly Condition[] = Object.freeze(
  [
    { cc: 0x0, names: ['o'], reads: 'O' },
    { cc: 0x1, names: ['no'], reads: 'O' },
    { cc: 0x2, names: ['b', 'c', 'nae'], reads: 'C' },
    { cc: 0x3, names: ['ae', 'nb', 'nc'], reads: 'C' },
    { cc: 0x4, names: ['e', 'z'], reads: 'Z' },
    { cc: 0x5, names: ['ne', 'nz'], reads: 'Z' },
    { cc: 0x6, names: ['be', 'na'], reads: 'CZ' },
    { cc: 0x7, names: ['a', 'nbe'], reads: 'CZ' },
    { cc: 0x8, names: ['s'], reads: 'S' },
    { cc: 0x9, names: ['ns'], reads: 'S' },
    { cc: 0xa, names: ['p', 'pe'], reads: 'P' },
    { cc: 0xb, names: ['np', 'po'], reads: 'P' },
    { cc: 0xc, names: ['l', 'nge'], reads: 'SO' },
    { cc: 0xd, names: ['ge', 'nl'], reads: 'SO' },
    { cc: 0xe, names: ['le', 'ng'], reads: 'ZSO' },
    { cc: 0xf, names: ['g', 'nle'], reads: 'ZSO' },
  ].map((c) => Object.freeze({ ...c, names: Object.freeze(c.names) })),
);

/** Register numbers as the hardware encodes them (REX bit then the three ModRM/SIB bits). */
export const REG64: readonly string[] = Object.freeze([
  'rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
]);

/**
 * Byte registers. Numbers 0..15 are the low byte of the 64-bit register with the same
 * number (4..7 are spl, bpl, sil, dil and need a REX prefix); 16..19 are ah, ch, dh, bh,
 * byte 1 of rax..rbx, encoded as 4..7 without a REX prefix.
 */
export const REG8: readonly string[] = Object.freeze([
  'al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil',
  'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b',
  'ah', 'ch', 'dh', 'bh',
]);
/** 16-bit registers: only `lar` names them (its source is a 16-bit selector). */
export const REG16: readonly string[] = Object.freeze([
  'ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di',
  'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w',
]);
/** The SSE registers xmm0 .. xmm15 (REX.R / REX.B give the fourth bit, as for the general registers). */
export const XMM: readonly string[] = Object.freeze(Array.from({ length: 16 }, (_, i) => `xmm${i}`));
export const RSP = 4;
export const RBP = 5;
export const RAX = 0;
export const RCX = 1;
export const RDX = 2;
/** Pseudo register number for RIP-relative memory operands. */
export const RIP = 16;

const R11 = 11;

/** Control class of each operation; `call` and `jmp` by operand, see controlOf. */
const CONTROL: Readonly<Partial<Record<Operation, Control>>> = {
  jcc: 'branch', call: 'call', ret: 'ret', int3: 'barrier', syscall: 'barrier',
};

function controlOf(operation: Operation, operands: readonly OperandKind[]): Control {
  if (operation === 'jmp') return operands[0] === 'rm64' ? 'indirect' : 'jump';
  return CONTROL[operation] ?? 'next';
}

/** How each operation uses its operands (destination first), where it is not 'w, r'. */
function accessOf(operation: Operation, operands: readonly OperandKind[]): Access[] {
  const n = operands.length;
  switch (operation) {
    case 'mov': return operands[0] === 'rm8' ? ['rw', 'r'] : ['w', 'r'];
    case 'lea': return ['w', 'a'];
    case 'movzx': case 'lar': return ['w', 'r'];
    case 'add': case 'or': case 'and': case 'sub': case 'xor': case 'shl': case 'shr': case 'sar': return ['rw', 'r'];
    case 'cmp': case 'test': return ['r', 'r'];
    case 'imul': return n === 3 ? ['w', 'r', 'r'] : ['rw', 'r'];
    case 'neg': case 'not': case 'inc': case 'dec': return ['rw'];
    case 'setcc': return ['rw'];
    case 'cmovcc': return ['rw', 'r'];
    case 'pop': return ['w'];
    case 'movsd': case 'movq': case 'cvttsd2si': case 'cvtsd2si': return ['w', 'r'];
    case 'addsd': case 'subsd': case 'mulsd': case 'divsd': case 'minsd': case 'maxsd': case 'andpd': case 'xorpd': return ['rw', 'r'];
    case 'sqrtsd': case 'cvtsi2sd': return ['rw', 'r'];
    case 'roundsd': return ['rw', 'r', 'r'];
    case 'ucomisd': case 'comisd': return ['r', 'r'];
    default: return operands.map(() => 'r');
  }
}

/** Registers an operation reads or writes without naming them. */
function implicitOf(operation: Operation, operands: readonly OperandKind[]): { reads: number[]; writes: number[] } {
  switch (operation) {
    case 'push': case 'pop': case 'call': case 'ret': return { reads: [RSP], writes: [RSP] };
    case 'cqo': return { reads: [RAX], writes: [RDX] };
    case 'idiv': return { reads: [RAX, RDX], writes: [RAX, RDX] };
    case 'shl': case 'shr': case 'sar': return { reads: operands[1] === 'cl' ? [RCX] : [], writes: [] };
    case 'syscall': return { reads: [R11], writes: [] };
    default: return { reads: [], writes: [] };
  }
}

const FLAGS_ARITH: FlagEffect = { writes: 'CZSOP', undefined: '', shift: false };
const FLAGS_LOGIC: FlagEffect = { writes: 'CZSOP', undefined: '', shift: false };
const FLAGS_INCDEC: FlagEffect = { writes: 'ZSOP', undefined: '', shift: false };
const FLAGS_IMUL: FlagEffect = { writes: 'CO', undefined: 'ZSP', shift: false };
const FLAGS_IDIV: FlagEffect = { writes: '', undefined: 'CZSOP', shift: false };
const FLAGS_SHIFT: FlagEffect = { writes: 'CZSOP', undefined: '', shift: true };
const FLAGS_NONE: FlagEffect = { writes: '', undefined: '', shift: false };

const FLAG_EFFECTS: Readonly<Record<Operation, FlagEffect>> = {
  mov: FLAGS_NONE, lea: FLAGS_NONE,
  add: FLAGS_ARITH, sub: FLAGS_ARITH, cmp: FLAGS_ARITH, neg: FLAGS_ARITH,
  or: FLAGS_LOGIC, and: FLAGS_LOGIC, xor: FLAGS_LOGIC, test: FLAGS_LOGIC,
  inc: FLAGS_INCDEC, dec: FLAGS_INCDEC,
  imul: FLAGS_IMUL, idiv: FLAGS_IDIV, cqo: FLAGS_NONE, not: FLAGS_NONE,
  shl: FLAGS_SHIFT, shr: FLAGS_SHIFT, sar: FLAGS_SHIFT,
  push: FLAGS_NONE, pop: FLAGS_NONE, call: FLAGS_NONE, jmp: FLAGS_NONE, jcc: FLAGS_NONE, ret: FLAGS_NONE,
  setcc: FLAGS_NONE, cmovcc: FLAGS_NONE, nop: FLAGS_NONE, int3: FLAGS_NONE, syscall: FLAGS_NONE,
  lar: { writes: 'Z', undefined: '', shift: false },
  movzx: FLAGS_NONE,
  movsd: FLAGS_NONE, movq: FLAGS_NONE, addsd: FLAGS_NONE, subsd: FLAGS_NONE, mulsd: FLAGS_NONE, divsd: FLAGS_NONE,
  sqrtsd: FLAGS_NONE, minsd: FLAGS_NONE, maxsd: FLAGS_NONE,
  // ZF PF CF say unordered / equal / less; OF, SF (and AF) are cleared.
  ucomisd: FLAGS_ARITH, comisd: FLAGS_ARITH,
  cvtsi2sd: FLAGS_NONE, cvttsd2si: FLAGS_NONE, cvtsd2si: FLAGS_NONE, roundsd: FLAGS_NONE, andpd: FLAGS_NONE, xorpd: FLAGS_NONE,
};

type RowSpec = [
  mnemonic: string,
  operation: Operation,
  opcode: number[],
  digit: number | '/r' | '',
  operands: OperandKind[],
  width: WidthRule,
  prefix?: number,
];

/**
 * SSE2 scalar double rows: a mandatory prefix, 0f and the opcode, ModRM /r. Listed load form
 * first where a register-to-register move has two encodings (GNU `as` picks f2 0f 10 for
 * `movsd xmm0, xmm1` and f3 0f 7e for `movq xmm0, xmm1`).
 */
function sseRows(): RowSpec[] {
  const sd = (op: Operation, byte: number): RowSpec => [op, op, [0x0f, byte], '/r', ['xmm', 'xmm_m64'], 'any', 0xf2];
  return [
    ['movsd', 'movsd', [0x0f, 0x10], '/r', ['xmm', 'xmm_m64'], 'any', 0xf2],
    ['movsd', 'movsd', [0x0f, 0x11], '/r', ['xmm_m64', 'xmm'], 'any', 0xf2],
    ['movq', 'movq', [0x0f, 0x7e], '/r', ['xmm', 'xmm_m64'], 'any', 0xf3],
    ['movq', 'movq', [0x0f, 0xd6], '/r', ['xmm_m64', 'xmm'], 'any', 0x66],
    ['movq', 'movq', [0x0f, 0x6e], '/r', ['xmm', 'rm64'], 'W1', 0x66],
    ['movq', 'movq', [0x0f, 0x7e], '/r', ['rm64', 'xmm'], 'W1', 0x66],
    sd('addsd', 0x58), sd('mulsd', 0x59), sd('subsd', 0x5c), sd('minsd', 0x5d), sd('divsd', 0x5e), sd('maxsd', 0x5f),
    sd('sqrtsd', 0x51),
    ['ucomisd', 'ucomisd', [0x0f, 0x2e], '/r', ['xmm', 'xmm_m64'], 'any', 0x66],
    ['comisd', 'comisd', [0x0f, 0x2f], '/r', ['xmm', 'xmm_m64'], 'any', 0x66],
    ['cvtsi2sd', 'cvtsi2sd', [0x0f, 0x2a], '/r', ['xmm', 'rm64'], 'W1', 0xf2],
    ['cvttsd2si', 'cvttsd2si', [0x0f, 0x2c], '/r', ['r64', 'xmm_m64'], 'W1', 0xf2],
    ['cvtsd2si', 'cvtsd2si', [0x0f, 0x2d], '/r', ['r64', 'xmm_m64'], 'W1', 0xf2],
    ['roundsd', 'roundsd', [0x0f, 0x3a, 0x0b], '/r', ['xmm', 'xmm_m64', 'uimm8'], 'any', 0x66],
    ['andpd', 'andpd', [0x0f, 0x54], '/r', ['xmm', 'xmm_m128'], 'any', 0x66],
    ['xorpd', 'xorpd', [0x0f, 0x57], '/r', ['xmm', 'xmm_m128'], 'any', 0x66],
  ];
}

/** The ALU group `op r/m, r` ... `op r/m, imm8`, whose opcodes follow one pattern (group * 8 + form). */
function aluGroup(mnemonic: Operation, group: number): RowSpec[] {
  const base = group * 8;
  return [
    [mnemonic, mnemonic, [base + 1], '/r', ['rm64', 'r64'], 'W1'],
    [mnemonic, mnemonic, [base + 3], '/r', ['r64', 'rm64'], 'W1'],
    [mnemonic, mnemonic, [base + 5], '', ['rax', 'imm32'], 'W1'],
    [mnemonic, mnemonic, [0x81], group, ['rm64', 'imm32'], 'W1'],
    [mnemonic, mnemonic, [0x83], group, ['rm64', 'imm8'], 'W1'],
  ];
}

function shiftGroup(mnemonic: Operation, digit: number): RowSpec[] {
  return [
    [mnemonic, mnemonic, [0xd1], digit, ['rm64', 'one'], 'W1'],
    [mnemonic, mnemonic, [0xc1], digit, ['rm64', 'uimm8'], 'W1'],
    [mnemonic, mnemonic, [0xd3], digit, ['rm64', 'cl'], 'W1'],
  ];
}

function conditionRows(): RowSpec[] {
  const rows: RowSpec[] = [];
  for (const { cc, names } of CONDITIONS) rows.push(['j' + names[0], 'jcc', [0x70 + cc], '', ['rel8'], 'any']);
  for (const { cc, names } of CONDITIONS) rows.push(['j' + names[0], 'jcc', [0x0f, 0x80 + cc], '', ['rel32'], 'any']);
  for (const { cc, names } of CONDITIONS) rows.push(['set' + names[0], 'setcc', [0x0f, 0x90 + cc], 0, ['rm8'], 'any']);
  for (const { cc, names } of CONDITIONS) rows.push(['cmov' + names[0], 'cmovcc', [0x0f, 0x40 + cc], '/r', ['r64', 'rm64'], 'W1']);
  return rows;
}

const SPECS: RowSpec[] = [
  ['mov', 'mov', [0x89], '/r', ['rm64', 'r64'], 'W1'],
  ['mov', 'mov', [0x8b], '/r', ['r64', 'rm64'], 'W1'],
  ['mov', 'mov', [0xc7], 0, ['rm64', 'imm32'], 'W1'],
  ['mov', 'mov', [0xb8], '', ['r64op', 'imm64'], 'W1'],
  // Bytes: a byte store (or byte register move), and a load zero-extended to 64 bits.
  ['mov', 'mov', [0x88], '/r', ['rm8', 'r8'], 'any'],
  ['movzx', 'movzx', [0x0f, 0xb6], '/r', ['r64', 'rm8'], 'W1'],
  ['lea', 'lea', [0x8d], '/r', ['r64', 'm64'], 'W1'],
  ...aluGroup('add', 0),
  ...aluGroup('or', 1),
  ...aluGroup('and', 4),
  ...aluGroup('sub', 5),
  ...aluGroup('xor', 6),
  ...aluGroup('cmp', 7),
  ['test', 'test', [0x85], '/r', ['rm64', 'r64'], 'W1'],
  ['test', 'test', [0xa9], '', ['rax', 'imm32'], 'W1'],
  ['test', 'test', [0xf7], 0, ['rm64', 'imm32'], 'W1'],
  ['imul', 'imul', [0x0f, 0xaf], '/r', ['r64', 'rm64'], 'W1'],
  ['imul', 'imul', [0x6b], '/r', ['r64', 'rm64', 'imm8'], 'W1'],
  ['imul', 'imul', [0x69], '/r', ['r64', 'rm64', 'imm32'], 'W1'],
  ['idiv', 'idiv', [0xf7], 7, ['rm64'], 'W1'],
  ['cqo', 'cqo', [0x99], '', [], 'W1'],
  ['not', 'not', [0xf7], 2, ['rm64'], 'W1'],
  ['neg', 'neg', [0xf7], 3, ['rm64'], 'W1'],
  ['inc', 'inc', [0xff], 0, ['rm64'], 'W1'],
  ['dec', 'dec', [0xff], 1, ['rm64'], 'W1'],
  ...shiftGroup('shl', 4),
  ...shiftGroup('shr', 5),
  ...shiftGroup('sar', 7),
  ['push', 'push', [0x50], '', ['r64op'], 'any'],
  ['push', 'push', [0x6a], '', ['imm8'], 'any'],
  ['push', 'push', [0x68], '', ['imm32'], 'any'],
  ['push', 'push', [0xff], 6, ['rm64'], 'any'],
  ['pop', 'pop', [0x58], '', ['r64op'], 'any'],
  ['pop', 'pop', [0x8f], 0, ['rm64'], 'any'],
  ['call', 'call', [0xe8], '', ['rel32'], 'any'],
  ['call', 'call', [0xff], 2, ['rm64'], 'any'],
  ['jmp', 'jmp', [0xeb], '', ['rel8'], 'any'],
  ['jmp', 'jmp', [0xe9], '', ['rel32'], 'any'],
  ['jmp', 'jmp', [0xff], 4, ['rm64'], 'any'],
  ...conditionRows(),
  ['ret', 'ret', [0xc3], '', [], 'any'],
  ['ret', 'ret', [0xc2], '', ['uimm16'], 'any'],
  ['nop', 'nop', [0x90], '', [], 'none'],
  ['int3', 'int3', [0xcc], '', [], 'any'],
  ['syscall', 'syscall', [0x0f, 0x05], '', [], 'any'],
  // Load access rights. On this machine a value's access rights are its tag: `lar rcx, si`
  // puts the tag of rsi (0 number, 1 pointer, ... see cells.ts) in rcx and sets ZF.
  ['lar', 'lar', [0x0f, 0x02], '/r', ['r64', 'rm16'], 'W1'],
  ...sseRows(),
];

function conditionOf(opcode: number[], operation: Operation): number {
  if (operation === 'jcc' || operation === 'setcc' || operation === 'cmovcc') return opcode[opcode.length - 1] & 0xf;
  return -1;
}

function readsOf(operation: Operation, cc: number): string {
  if (cc >= 0) return CONDITIONS[cc].reads;
  if (operation === 'inc' || operation === 'dec') return 'C';
  return '';
}

/** The frozen table. Row order is preference order among forms of equal length. */
export const TABLE: readonly Row[] = Object.freeze(
  SPECS.map(([mnemonic, operation, opcode, digit, operands, width, prefix], id): Row => {
    const cc = conditionOf(opcode, operation);
    return Object.freeze({
      id,
      prefix: prefix ?? 0,
      sse: SSE_OPERATIONS.has(operation),
      mnemonic,
      operation,
      opcode: Object.freeze([...opcode]),
      digit: typeof digit === 'number' ? digit : -1,
      hasModrm: digit !== '',
      operands: Object.freeze([...operands]),
      width,
      cc,
      flags: Object.freeze({ ...FLAG_EFFECTS[operation] }),
      reads: readsOf(operation, cc),
      commutative: operation === 'test' && operands[0] === 'rm64' && operands[1] === 'r64',
      control: controlOf(operation, operands),
      access: Object.freeze(accessOf(operation, operands)),
      implicitReads: Object.freeze(implicitOf(operation, operands).reads),
      implicitWrites: Object.freeze(implicitOf(operation, operands).writes),
    });
  }),
);

/**
 * Mnemonics the assembler accepts, each with the rows it may choose from.
 * Condition aliases (`jz` for `je`, `setc` for `setb` ...), `sal` for `shl` and `movabs`
 * (which forces the 64-bit immediate form of `mov`) are spelled here.
 */
export const MNEMONICS: ReadonlyMap<string, readonly Row[]> = (() => {
  const map = new Map<string, Row[]>();
  const add = (name: string, row: Row): void => {
    const list = map.get(name) ?? [];
    list.push(row);
    map.set(name, list);
  };
  for (const row of TABLE) {
    if (row.cc >= 0) {
      const prefix = row.operation === 'jcc' ? 'j' : row.operation === 'setcc' ? 'set' : 'cmov';
      for (const name of CONDITIONS[row.cc].names) add(prefix + name, row);
    } else {
      add(row.mnemonic, row);
      if (row.mnemonic === 'shl') add('sal', row);
      if (row.mnemonic === 'mov' && row.operands[1] === 'imm64') add('movabs', row);
    }
  }
  for (const list of map.values()) Object.freeze(list);
  return map;
})();
