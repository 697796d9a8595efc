/*
 * The Forth front end's machine code: the primitives every Forth word bottoms out in, as x86-64
 * text for the kernel's assembler. They follow kernel/ABI.md: rax is the top of the data stack
 * and the rest of it is the machine stack (rsp), so a Forth word and a Smalltalk method share
 * one value stack. Forth needs a second stack for return addresses and loop parameters, which
 * cannot be the machine stack (a call would bury the caller's data under its return address):
 *
 *   rax        top of the data stack            r14  the return stack (a fixed Array)
 *   rsp        the rest of the data stack       r15  its depth in cells (a number)
 *   rbp        the threaded vector running      rbx  the pair index in it (as in VM run:)
 *   rsi        the operand of the current pair  r13  a primitive's own return address
 *
 * Threaded code is the kernel's format, an Array of (code, operand) pairs, run by a loop that
 * is VM run:'s own `next` (mov rsi / mov rcx / add rbx, 2 / call rcx / jmp next). Every word is
 * called: a primitive takes its return address into r13 (as the kernel's threaded primitives
 * that change the stack's depth do), works on rax and [rsp], and goes back with `jmp r13`. A
 * colon definition's code is a stub (docol) that keeps the caller's r13, rbp and rbx on the
 * return stack and runs its vector; `exit` takes them back.
 *
 * Addresses are numbers: ORIGIN plus a byte offset into the data space, one pointer-format
 * Array in the fixed space (its address in slot 0 of the Forth system object, whose address is
 * fixed). `@` is `mov rax, [data + rax - ORIGIN]`: a based access, so the machine checks it
 * against the data space's bounds, and a cell can hold a number or a pointer (an object, an
 * execution token) with its tag: no Forth program can make a pointer or reach outside.
 * Addresses from 2^40 up are ALLOCATE's blocks, each an Array of its own (see ADDRESS).
 */

/** Forth addresses: ORIGIN + byte offset in the data space (0 is never an address). */
export const ORIGIN = 0x4000_0000;

export interface PrimitiveText {
  /** The Forth name (upper case). */
  readonly name: string;
  /** x86-64; `mov REG, [DATA]` loads the data space (from the Forth system object, its literal FORTH). */
  readonly asm: string;
}

/** The body of every primitive: take the return address, do `body`, go back. */
const p = (name: string, body: string): PrimitiveText => ({ name, asm: `pop r13; ${body}; jmp r13` });
/** A comparison: rax := -1 when `cc` holds between the second item and the top, else 0. */
const cmp2 = (name: string, cc: string): PrimitiveText => p(name, `pop rcx; cmp rcx, rax; mov rax, 0; mov rdx, -1; cmov${cc} rax, rdx`);
const cmp1 = (name: string, cc: string): PrimitiveText => p(name, `cmp rax, 0; mov rax, 0; mov rdx, -1; cmov${cc} rax, rdx`);
/**
 * An address in rax to an object in rcx and a byte offset in rax (rdx is lost): the data space
 * below 2^40, else block (rax >> 32) - 256 of ALLOCATE's table (its offset the low 32 bits). A
 * freed or never made block is nil: any access to it is a Bounds fault.
 */
const ADDRESS = [
  'mov rdx, rax; shr rdx, 40; jne heap',
  `mov rcx, [DATA]; sub rax, ${ORIGIN}; jmp addressed`,
  'heap: mov rcx, rax; shr rcx, 32; sub rcx, 256; mov rdx, [HEAP]; mov rcx, [rdx+rcx*8]; shl rax, 32; shr rax, 32',
  'addressed: nop',
].join('; ');

/** The words that are machine code (Forth-visible names). */
export const PRIMITIVES: readonly PrimitiveText[] = Object.freeze([
  p('DUP', 'push rax'),
  p('DROP', 'pop rax'),
  p('SWAP', 'mov rcx, [rsp]; mov [rsp], rax; mov rax, rcx'),
  p('OVER', 'push rax; mov rax, [rsp+8]'),
  p('ROT', 'mov rcx, [rsp+8]; mov rdx, [rsp]; mov [rsp+8], rdx; mov [rsp], rax; mov rax, rcx'),
  p('?DUP', 'cmp rax, 0; je skip; push rax; skip: nop'),
  p('NIP', 'add rsp, 8'),
  p('TUCK', 'mov rcx, [rsp]; mov [rsp], rax; push rcx'),
  p('2DROP', 'add rsp, 8; pop rax'),
  p('2DUP', 'mov rcx, [rsp]; push rax; push rcx'),
  p('2SWAP', 'mov rcx, [rsp]; mov rdx, [rsp+8]; mov r8, [rsp+16]; mov [rsp+16], rcx; mov [rsp+8], rax; mov [rsp], r8; mov rax, rdx'),
  p('2OVER', 'push rax; mov rcx, [rsp+24]; push rcx; mov rax, [rsp+24]'),
  p('PICK', 'mov rax, [rsp+rax*8]'),
  p('ROLL', 'mov rcx, rax; mov rax, [rsp+rcx*8]; cmp rcx, 0; je done; lp: mov rdx, [rsp+rcx*8-8]; mov [rsp+rcx*8], rdx; sub rcx, 1; jne lp; done: add rsp, 8'),

  p('+', 'pop rcx; add rax, rcx'),
  p('-', 'pop rcx; sub rcx, rax; mov rax, rcx'),
  p('*', 'pop rcx; imul rax, rcx'),
  p('AND', 'pop rcx; and rax, rcx'),
  p('OR', 'pop rcx; or rax, rcx'),
  p('XOR', 'pop rcx; xor rax, rcx'),
  p('INVERT', 'not rax'),
  p('NEGATE', 'neg rax'),
  p('ABS', 'cmp rax, 0; jge skip; neg rax; skip: nop'),
  p('1+', 'add rax, 1'),
  p('1-', 'sub rax, 1'),
  p('2*', 'shl rax, 1'),
  p('2/', 'sar rax, 1'),
  p('LSHIFT', 'mov rcx, rax; pop rax; shl rax, cl'),
  p('RSHIFT', 'mov rcx, rax; pop rax; shr rax, cl'),
  p('MIN', 'pop rcx; cmp rcx, rax; cmovl rax, rcx'),
  p('MAX', 'pop rcx; cmp rcx, rax; cmovg rax, rcx'),
  // Division is symmetric (truncating), as idiv is; a zero divisor is the machine's DivideError.
  p('/', 'mov rcx, rax; pop rax; cqo; idiv rcx'),
  p('MOD', 'mov rcx, rax; pop rax; cqo; idiv rcx; mov rax, rdx'),
  p('/MOD', 'mov rcx, rax; pop rax; cqo; idiv rcx; push rdx'),
  p('SM/REM', 'mov rcx, rax; pop rdx; pop rax; idiv rcx; push rdx'),
  p('S>D', 'push rax; sar rax, 63'),
  // UM*: four 32-bit partial products (the machine's imul keeps the low 64 bits).
  p('UM*', [
    'pop rcx',
    'mov r8, rcx; shr r8, 32', 'mov r9, rcx; shl r9, 32; shr r9, 32',
    'mov r10, rax; shr r10, 32', 'mov r11, rax; shl r11, 32; shr r11, 32',
    'mov rdx, r9; imul rdx, r11', 'mov rsi, r9; imul rsi, r10', 'mov r9, r8; imul r9, r11', 'imul r8, r10',
    'mov rcx, rdx; shr rcx, 32', 'mov r10, rsi; shl r10, 32; shr r10, 32; add rcx, r10', 'mov r10, r9; shl r10, 32; shr r10, 32; add rcx, r10',
    'shl rdx, 32; shr rdx, 32', 'mov r11, rcx; shl r11, 32; or rdx, r11',
    'shr rsi, 32; shr r9, 32; shr rcx, 32; add r8, rsi; add r8, r9; add r8, rcx',
    'push rdx; mov rax, r8',
  ].join('; ')),
  // UM/MOD: 128 by 64 bits, restoring division one bit at a time (the machine has no div).
  p('UM/MOD', [
    'mov rcx, rax; pop rdx; pop rax',
    'cmp rcx, 0; jne go; cqo; idiv rcx',
    'go: mov r8, 64',
    'lp: mov r9, rdx; shr r9, 63; shl rdx, 1; mov r10, rax; shr r10, 63; or rdx, r10; shl rax, 1',
    'cmp r9, 0; jne take; cmp rdx, rcx; jb next',
    'take: sub rdx, rcx; or rax, 1',
    'next: sub r8, 1; jne lp',
    'push rdx',
  ].join('; ')),

  cmp2('=', 'e'), cmp2('<>', 'ne'), cmp2('<', 'l'), cmp2('>', 'g'), cmp2('U<', 'b'), cmp2('U>', 'a'),
  // Not in the standard, but in gforth (and the benchmarks' sieve.fs).
  cmp2('<=', 'le'), cmp2('>=', 'ge'), cmp2('U<=', 'be'), cmp2('U>=', 'ae'),
  cmp1('0=', 'e'), cmp1('0<>', 'ne'), cmp1('0<', 'l'), cmp1('0>', 'g'),

  p('@', `${ADDRESS}; mov rax, [rcx+rax]`),
  p('!', `${ADDRESS}; pop rdx; mov [rcx+rax], rdx; pop rax`),
  p('+!', `${ADDRESS}; pop rdx; mov r8, [rcx+rax]; add r8, rdx; mov [rcx+rax], r8; pop rax`),
  p('C@', `mov r9, rax; and r9, 7; shl r9, 3; ${ADDRESS}; and rax, -8; mov rax, [rcx+rax]; mov rcx, r9; shr rax, cl; and rax, 255`),
  p('C!', [
    `mov r9, rax; and r9, 7; shl r9, 3; ${ADDRESS}; and rax, -8; mov r8, rcx; mov rcx, r9; pop rdx`,
    'mov r9, [r8+rax]; mov r10, 255; shl r10, cl; not r10; and r9, r10',
    'and rdx, 255; shl rdx, cl; or r9, rdx; mov [r8+rax], r9; pop rax',
  ].join('; ')),
  p('CELL+', 'add rax, 8'),
  p('CELLS', 'shl rax, 3'),
  p('CHAR+', 'add rax, 1'),
  p('CHARS', 'nop'),
  p('ALIGNED', 'add rax, 7; and rax, -8'),

  p('>R', 'mov [r14+r15*8], rax; add r15, 1; pop rax'),
  p('R>', 'push rax; sub r15, 1; mov rax, [r14+r15*8]'),
  p('R@', 'push rax; mov rax, [r14+r15*8-8]'),
  p('2>R', 'pop rcx; mov [r14+r15*8], rcx; mov [r14+r15*8+8], rax; add r15, 2; pop rax'),
  p('2R>', 'push rax; sub r15, 2; mov rcx, [r14+r15*8]; push rcx; mov rax, [r14+r15*8+8]'),
  p('2R@', 'push rax; mov rcx, [r14+r15*8-16]; push rcx; mov rax, [r14+r15*8-8]'),
  p('I', 'push rax; mov rax, [r14+r15*8-8]'),
  p('J', 'push rax; mov rax, [r14+r15*8-24]'),
  p('UNLOOP', 'sub r15, 2'),
  // N>R ( x1 .. xn n -- ) (R: -- x1 .. xn n) and NR> back: xn goes first, n last.
  p('N>R', 'mov rcx, rax; mov r8, rax; cmp rcx, 0; jle done; lp: pop rdx; mov [r14+r15*8], rdx; add r15, 1; sub rcx, 1; jne lp; done: mov [r14+r15*8], r8; add r15, 1; pop rax'),
  p('NR>', 'push rax; sub r15, 1; mov r8, [r14+r15*8]; mov rcx, r8; cmp rcx, 0; jle done; lp: sub r15, 1; mov rdx, [r14+r15*8]; push rdx; sub rcx, 1; jne lp; done: mov rax, r8'),
  p('EXECUTE', 'mov rcx, rax; pop rax; push r13; jmp rcx'),
]);

/**
 * The primitives compiled code uses that are not words: their operand (rsi) is the pair's.
 * Branch targets are pair indexes times 2, what the loop keeps in rbx.
 */
export const RUNTIME: readonly PrimitiveText[] = Object.freeze([
  p('(LIT)', 'push rax; mov rax, rsi'),
  p('(BRANCH)', 'mov rbx, rsi'),
  p('(0BRANCH)', 'mov rcx, rax; pop rax; cmp rcx, 0; jne skip; mov rbx, rsi; skip: nop'),
  p('(DO)', 'pop rcx; mov [r14+r15*8], rcx; mov [r14+r15*8+8], rax; add r15, 2; pop rax'),
  p('(?DO)', 'pop rcx; cmp rcx, rax; jne go; pop rax; mov rbx, rsi; jmp r13; go: mov [r14+r15*8], rcx; mov [r14+r15*8+8], rax; add r15, 2; pop rax'),
  p('(LOOP)', 'mov rcx, [r14+r15*8-8]; add rcx, 1; mov [r14+r15*8-8], rcx; cmp rcx, [r14+r15*8-16]; je done; mov rbx, rsi; jmp r13; done: sub r15, 2'),
  // +LOOP ends when the index crosses the boundary between limit-1 and limit, either way:
  // (index-limit) and (index-limit+n) differ in sign, and so do (index-limit) and n.
  p('(+LOOP)', [
    'mov rcx, [r14+r15*8-8]; mov rdx, rcx; sub rdx, [r14+r15*8-16]; mov r8, rdx; add r8, rax',
    'add rcx, rax; mov [r14+r15*8-8], rcx; xor r8, rdx; xor rdx, rax; and r8, rdx; pop rax',
    'cmp r8, 0; jl done; mov rbx, rsi; jmp r13; done: sub r15, 2',
  ].join('; ')),
  p('(LEAVE)', 'sub r15, 2; mov rbx, rsi'),
  p('(TO)', 'mov [rsi], rax; pop rax'),
  p('(+TO)', 'add [rsi], rax; pop rax'),
  // TO of a 2VALUE: its cell Array holds x2 then x1.
  p('(2TO)', 'mov [rsi], rax; pop rax; mov [rsi+8], rax; pop rax'),
  // Locals (Forth.makeLocals): the operand of (LOCALS) is the arguments' count * 65536 + all
  // locals' count; the arguments go from the data stack (its top the last) to the return stack.
  p('(LOCALS)', [
    'mov rcx, rsi; and rcx, 65535; mov rdx, rsi; shr rdx, 16',
    'mov r8, rdx; zero: cmp r8, rcx; jge args; mov r9, r15; add r9, r8; mov r10, 0; mov [r14+r9*8], r10; add r8, 1; jmp zero',
    'args: cmp rdx, 0; je done; sub rdx, 1; mov r9, r15; add r9, rdx; mov [r14+r9*8], rax; pop rax; jmp args',
    'done: add r15, rcx',
  ].join('; ')),
  // The operand: the local's distance from the return stack's top, in bytes.
  p('(LOCAL@)', 'push rax; mov rcx, r15; shl rcx, 3; sub rcx, rsi; mov rax, [r14+rcx]'),
  p('(LOCAL!)', 'mov rcx, r15; shl rcx, 3; sub rcx, rsi; mov [r14+rcx], rax; pop rax'),
  p('(LOCAL+!)', 'mov rcx, r15; shl rcx, 3; sub rcx, rsi; add [r14+rcx], rax; pop rax'),
  p('(UNLOCALS)', 'sub r15, rsi'),
  { name: '(EXIT)', asm: 'add rsp, 8; sub r15, 3; mov r13, [r14+r15*8]; mov rbp, [r14+r15*8+8]; mov rbx, [r14+r15*8+16]; jmp r13' },
]);

/** The inner loop: VM run:'s `next`, as its own code object (run: itself would push a frame on the data stack). */
export const NEXT_LOOP = 'next: mov rsi, [rbp+rbx*8+8]; mov rcx, [rbp+rbx*8]; add rbx, 2; call rcx; jmp next';

/**
 * A colon definition's code: keep the caller's place on the return stack, run the vector in
 * slot 0 of the object its literal VECTOR names (Forth.placeCode) from pair `start`.
 */
export function docol(start: number, next: string): string {
  return `pop r13; mov [r14+r15*8], r13; mov [r14+r15*8+8], rbp; mov [r14+r15*8+16], rbx; add r15, 3; mov rbp, [rip+VECTOR]; mov rbp, [rbp]; mov rbx, ${start}; {disp32} jmp ${next}`;
}

/** A host word: the FORTH service does operation `op` on the stacks (and rsi, a pair's operand). */
export function hostStub(op: number, service: number): string {
  return `pop r13; mov rcx, ${op}; mov r11, ${service}; syscall; jmp r13`;
}

/**
 * The outer interpreter's loop: ask the FORTH service for the next thing to do (NEXT), which
 * compiles, pushes numbers, or answers in r11 a word to execute, or 0 at the end of the source.
 */
export function interpretLoop(op: number, enter: number, leave: number, service: number): string {
  return [
    'pop r13; mov [r14+r15*8], r13; add r15, 1',
    // ENTER: the service notes the return stack's depth, which NEXT puts back in r15 each time.
    `mov rcx, ${enter}; mov r11, ${service}; syscall`,
    `lp: mov rcx, ${op}; mov r11, ${service}; syscall`,
    'cmp r11, 0; je done; call r11; jmp lp',
    // LEAVE: the service takes the return address off the return stack into r13 (and r15 back
    // to where it was); ret, not jmp r13: the host's return address is the exit stub (a
    // pointer), which ret knows.
    `done: mov rcx, ${leave}; mov r11, ${service}; syscall; push r13; ret`,
  ].join('; ');
}

/**
 * The Floating-Point word set's stack (gforth's: separate from the data stack). It is an Array
 * of its own in the heap, whose pointer is in the data space's cell FVAR.FSTACK; FVAR.FP holds
 * the byte offset of its first free slot (so the top is at [stack + fp - 8]). The stack starts
 * FMARGIN bytes into the Array: a word that takes more floats than there are reads the cells
 * below, and the interpreter (which checks the depth after every word, as for the data stack)
 * reports "Floating-point stack underflow"; beyond the margins the machine's Bounds fault.
 * A float is its IEEE 754 bits in a number cell; the arithmetic is SSE2 (kernel/machine/sse.ts).
 */
export const FVAR = Object.freeze({ FSTACK: 224, FP: 232, PRECISION: 240 });
export const FMARGIN = 512;
export const FSTACK_CELLS = 4096;

/** A float primitive: r8 the data space, r9 the float stack's offset, r10 the float stack. */
const f = (name: string, body: string): PrimitiveText =>
  p(name, `mov r8, [DATA]; mov r9, [r8+${FVAR.FP}]; mov r10, [r8+${FVAR.FSTACK}]; ${body}; mov [r8+${FVAR.FP}], r9`);
const T = '[r10+r9-8]', S = '[r10+r9-16]', U = '[r10+r9-24]';
/** ( F: r1 r2 -- r3 ): r3 := r1 op r2. */
const f2 = (name: string, op: string): PrimitiveText => f(name, `movsd xmm0, ${S}; ${op} xmm0, ${T}; movsd ${S}, xmm0; sub r9, 8`);
/** ( F: r1 r2 -- ) ( -- flag ): -1 when `cc` holds after ucomisd of `a` with `b` (xmm0 is r2, xmm1 r1), else 0. */
const fcmp2 = (name: string, a: string, b: string, cc: string): PrimitiveText =>
  f(name, `movsd xmm0, ${T}; movsd xmm1, ${S}; sub r9, 16; push rax; mov rax, 0; mov rdx, -1; ucomisd ${a}, ${b}; ${cc}`);
/** ( F: r -- ) ( -- flag ): as fcmp2 with r in xmm0 and 0 in xmm1. */
const fcmp1 = (name: string, a: string, b: string, cc: string): PrimitiveText =>
  f(name, `movsd xmm0, ${T}; xorpd xmm1, xmm1; sub r9, 8; push rax; mov rax, 0; mov rdx, -1; ucomisd ${a}, ${b}; ${cc}`);
const EQUAL = 'cmove rax, rdx; mov rcx, 0; cmovp rax, rcx';
const UNEQUAL = 'cmovne rax, rdx; cmovp rax, rdx';

/** The Floating-Point words that are machine code. */
export const FLOAT_PRIMITIVES: readonly PrimitiveText[] = Object.freeze([
  f('FDUP', `mov rcx, ${T}; mov [r10+r9], rcx; add r9, 8`),
  f('FDROP', 'sub r9, 8'),
  f('FSWAP', `mov rcx, ${T}; mov rdx, ${S}; mov ${S}, rcx; mov ${T}, rdx`),
  f('FOVER', `mov rcx, ${S}; mov [r10+r9], rcx; add r9, 8`),
  f('FROT', `mov rcx, ${U}; mov rdx, ${S}; mov ${U}, rdx; mov rdx, ${T}; mov ${S}, rdx; mov ${T}, rcx`),
  f('FNIP', `mov rcx, ${T}; mov ${S}, rcx; sub r9, 8`),
  f('FTUCK', `mov rcx, ${T}; mov rdx, ${S}; mov ${S}, rcx; mov ${T}, rdx; mov [r10+r9], rcx; add r9, 8`),
  f('FPICK', `mov rcx, rax; pop rax; shl rcx, 3; neg rcx; add rcx, r9; mov rcx, [r10+rcx-8]; mov [r10+r9], rcx; add r9, 8`),
  f('FDEPTH', `push rax; mov rax, r9; sub rax, ${FMARGIN}; sar rax, 3`),

  f2('F+', 'addsd'), f2('F-', 'subsd'), f2('F*', 'mulsd'), f2('F/', 'divsd'),
  // FMIN is r1 < r2 ? r1 : r2 and FMAX r1 < r2 ? r2 : r1, as gforth's (with a NaN, or zeros of
  // both signs): minsd and maxsd answer their second operand when the comparison is false.
  f2('FMIN', 'minsd'), f('FMAX', `movsd xmm0, ${T}; maxsd xmm0, ${S}; movsd ${S}, xmm0; sub r9, 8`),
  f('FNEGATE', `mov rcx, ${T}; mov rdx, 0x8000000000000000; xor rcx, rdx; mov ${T}, rcx`),
  f('FABS', `mov rcx, ${T}; mov rdx, 0x7fffffffffffffff; and rcx, rdx; mov ${T}, rcx`),
  f('FSQRT', `sqrtsd xmm0, ${T}; movsd ${T}, xmm0`),
  // roundsd's modes: 9 down, 11 toward zero, 12 to nearest even (the default, 8, with exceptions suppressed).
  f('FLOOR', `roundsd xmm0, ${T}, 9; movsd ${T}, xmm0`),
  f('FTRUNC', `roundsd xmm0, ${T}, 11; movsd ${T}, xmm0`),
  f('FROUND', `roundsd xmm0, ${T}, 8; movsd ${T}, xmm0`),

  fcmp2('F<', 'xmm0', 'xmm1', 'cmova rax, rdx'), fcmp2('F>', 'xmm1', 'xmm0', 'cmova rax, rdx'),
  fcmp2('F<=', 'xmm0', 'xmm1', 'cmovae rax, rdx'), fcmp2('F>=', 'xmm1', 'xmm0', 'cmovae rax, rdx'),
  fcmp2('F=', 'xmm0', 'xmm1', EQUAL), fcmp2('F<>', 'xmm0', 'xmm1', UNEQUAL),
  fcmp1('F0<', 'xmm1', 'xmm0', 'cmova rax, rdx'), fcmp1('F0>', 'xmm0', 'xmm1', 'cmova rax, rdx'),
  fcmp1('F0<=', 'xmm1', 'xmm0', 'cmovae rax, rdx'), fcmp1('F0>=', 'xmm0', 'xmm1', 'cmovae rax, rdx'),
  fcmp1('F0=', 'xmm0', 'xmm1', EQUAL), fcmp1('F0<>', 'xmm0', 'xmm1', UNEQUAL),

  f('S>F', `cvtsi2sd xmm0, rax; pop rax; movsd [r10+r9], xmm0; add r9, 8`),
  f('F>S', `push rax; cvttsd2si rax, ${T}; sub r9, 8`),
  // D>F: exact below 2^63 in size; above, hi * 2^64 plus the low cell unsigned.
  f('D>F', [
    'pop rcx; mov rdx, rcx; sar rdx, 63; cmp rdx, rax; jne big',
    'cvtsi2sd xmm0, rcx; jmp done',
    'big: cvtsi2sd xmm0, rax; mov rdx, 0x43f0000000000000; movq xmm1, rdx; mulsd xmm0, xmm1',
    'mov rdx, rcx; shr rdx, 1; and rcx, 1; or rdx, rcx; cvtsi2sd xmm1, rdx; addsd xmm1, xmm1; addsd xmm0, xmm1',
    'done: pop rax; movsd [r10+r9], xmm0; add r9, 8',
  ].join('; ')),
  // F>D: toward zero; beyond 2^63 in size, hi = floor(r / 2^64) and the low cell r - hi * 2^64.
  f('F>D', [
    `push rax; movsd xmm0, ${T}; sub r9, 8`,
    'mov rdx, 0x43e0000000000000; movq xmm1, rdx',
    `mov rcx, [r10+r9]; mov rdx, 0x7fffffffffffffff; and rcx, rdx; movq xmm2, rcx; ucomisd xmm2, xmm1; jae big`,
    'cvttsd2si rax, xmm0; push rax; sar rax, 63; jmp done',
    'big: mov rdx, 0x3bf0000000000000; movq xmm2, rdx; mulsd xmm2, xmm0; roundsd xmm2, xmm2, 9; cvttsd2si rax, xmm2',
    'mov rdx, 0x43f0000000000000; movq xmm3, rdx; mulsd xmm3, xmm2; movsd xmm4, xmm0; subsd xmm4, xmm3',
    'ucomisd xmm4, xmm1; jae high; cvttsd2si rcx, xmm4; jmp have',
    'high: subsd xmm4, xmm1; cvttsd2si rcx, xmm4; mov rdx, 0x8000000000000000; xor rcx, rdx',
    'have: push rcx',
    'done: nop',
  ].join('; ')),

  f('F@', `${ADDRESS}; movsd xmm0, [rcx+rax]; movsd [r10+r9], xmm0; add r9, 8; pop rax`),
  f('F!', `${ADDRESS}; movsd xmm0, ${T}; movsd [rcx+rax], xmm0; sub r9, 8; pop rax`),
  f('DF@', `${ADDRESS}; movsd xmm0, [rcx+rax]; movsd [r10+r9], xmm0; add r9, 8; pop rax`),
  f('DF!', `${ADDRESS}; movsd xmm0, ${T}; movsd [rcx+rax], xmm0; sub r9, 8; pop rax`),
  p('FLOAT+', 'add rax, 8'), p('FLOATS', 'shl rax, 3'),
  p('DFLOAT+', 'add rax, 8'), p('DFLOATS', 'shl rax, 3'),
  p('SFLOAT+', 'add rax, 4'), p('SFLOATS', 'shl rax, 2'),
  p('FALIGNED', 'add rax, 7; and rax, -8'), p('DFALIGNED', 'add rax, 7; and rax, -8'), p('SFALIGNED', 'add rax, 3; and rax, -4'),
  // The bits of a float to the data stack and back (for the bridge to Smalltalk and F~).
  f('F>BITS', `push rax; mov rax, ${T}; sub r9, 8`),
  f('BITS>F', 'mov [r10+r9], rax; add r9, 8; pop rax'),
]);

/** The float runtime: (FLIT) pushes its operand's bits; (FTO) stores the top float in its operand's cell (an FVALUE's). */
export const FLOAT_RUNTIME: readonly PrimitiveText[] = Object.freeze([
  f('(FLIT)', 'mov [r10+r9], rsi; add r9, 8'),
  f('(FTO)', `mov rcx, ${T}; mov [rsi], rcx; sub r9, 8`),
]);
