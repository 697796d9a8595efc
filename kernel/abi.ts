/*
 * The ABI, named once: the roles of the registers, the parameter registers of a primitive,
 * the callee-saved set, a compiled method's frame, and the offsets of the kernel's objects'
 * slots as machine code reads them. kernel/ABI.md explains them (test/objects/abi.test.ts
 * checks that the two agree); every TypeScript module that emits or reads machine code takes
 * them from here, and assembly bodies (bootstrap/*.bedrock) name them as constants, as
 * JonesForth's `defconst` exports its layout to Forth: `mov rcx, [rax+CLOSURE_ARGC]`, never
 * `[rax+32]` (kernel/objects/layout.ts kernelConstants, with the objects' layouts).
 */
/** The sixteen registers by name, as the machine numbers them (rax 0 .. r15 15). */
export const REG = Object.freeze({
  rax: 0, rcx: 1, rdx: 2, rbx: 3, rsp: 4, rbp: 5, rsi: 6, rdi: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15,
});
export type RegisterName = keyof typeof REG;

/** What each register is for (kernel/ABI.md, "Registers"). */
export const ROLE = Object.freeze({
  /** The top of the value stack: a method's last argument on entry, its result on return. */
  TOS: 'rax',
  /** The machine stack: return addresses and the rest of the value stack. */
  STACK: 'rsp',
  /** The Memory cursor (`Memory at:` sets it, `put:` stores there and advances it). */
  MEMORY_CURSOR: 'rdi',
  /** The operand of the current threaded pair; a primitive's first named parameter. */
  OPERAND: 'rsi',
  /** The send site (or selector) of a send. */
  SITE: 'r10',
  /** The host service number at syscall; the receiver on the way into Kernel>>send. */
  SERVICE: 'r11',
  /** A native method's frame pointer; inside run:, the threaded vector. */
  FRAME: 'rbp',
  VECTOR: 'rbp',
  /** The pair index inside run:. */
  PAIR_INDEX: 'rbx',
  /** The frame of a threaded method inside run:. */
  THREADED_FRAME: 'r12',
  /** Inside run:, the return address of a threaded primitive that rearranges the stack. */
  THREADED_RETURN: 'r13',
} satisfies Record<string, RegisterName>);

/** The registers a primitive's named parameters are bound to, in order. */
export const PARAMETER_REGISTERS: readonly RegisterName[] = Object.freeze(['rsi', 'rdx', 'rcx', 'r8', 'r9']);
/** The same, as register numbers. */
export const PARAMETER_REGISTER_NUMBERS: readonly number[] = Object.freeze(PARAMETER_REGISTERS.map((r) => REG[r]));

/** Registers a callee preserves (the rest, and the flags, a call may change). */
export const CALLEE_SAVED: readonly RegisterName[] = Object.freeze(['rsp', 'rdi', 'rbp', 'rbx', 'r12', 'r13', 'r14', 'r15']);
/** Live at `ret`: the result and the callee-saved registers (the peephole optimizer's rule). */
export const LIVE_AT_RET: readonly number[] = Object.freeze([REG.rax, ...CALLEE_SAVED.map((r) => REG[r])]);

/**
 * A compiled method's frame (src/compiler/ir.ts): F is rbp in native code, r12 in threaded
 * code, where run: saved three more registers, so arguments sit THREADED_BIAS bytes further up.
 * (A quick method's native code makes none: kernel/ABI.md, src/compiler/native.ts framelessLeaf.)
 *
 *   [F + bias + 8 + 8(n-j)]   argument j, for j = 1 .. n-1 (the receiver is "argument 0")
 *   [F + bias + 8]            return address
 *   [F - 8]                   argument n (or the receiver when n = 0), spilled from rax
 *   [F - 16]                  self
 *   [F - 24 - 8i]             temporary i (temporary 0 is the environment, when there is one)
 */
export const FRAME = Object.freeze({ SPILLED: -8, SELF: -16, TEMP0: -24, THREADED_BIAS: 24 });
