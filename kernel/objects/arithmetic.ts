/*
 * SmallInteger arithmetic inlined into compiled code, kept honest under overriding.
 *
 * Every Smalltalk VM answers `3 + 4` without a send when both operands are SmallIntegers; so
 * does Bedrock's compiler, for the special selectors below (native code inlines a tag check
 * and the instruction; threaded code calls a primitive that does the same). What makes it
 * Bedrock's: the inlined path runs only while the methods those selectors find for a
 * SmallInteger are still the ones they found when inlining began. Overriding one (defining
 * SmallInteger>>+ or Integer>>+ anew) sets a flag the fast paths test, so every send goes to
 * the new method; forgetting back past the override clears it again.
 *
 *   roots.ARITHMETIC             Array: the method each special selector found at sealing
 *   roots.ARITHMETIC_OVERRIDDEN  0 = the fast paths may run; 1 (or nil, before sealing) = send
 *
 * The fast path tests the operands' tags and nothing else: its `jnz` to the send (always
 * rel32, `0f 85 rel32`) is the guard, and the override is obeyed where it stands. When the
 * cell goes from 0 to 1, every guard of this group (guards.ts GUARD_GROUP.ARITHMETIC) in
 * compiled code becomes `nop; jmp` to the same send, and back when it returns to 0; code
 * compiled while the cell is 1 is placed with its guards switched. So no fast path runs while
 * an override is in force: not in code compiled before it, not in a method that is running
 * when the override is made (it returns into the switched bytes), not in a block stored in a
 * variable (guards.ts says how guards are kept and switched).
 */
import type { Machine } from '../machine/machine.ts';
import { slotPointer } from './access.ts';
import { GUARD_GROUP, groupInlined, groupSealed, guardsOf, recordSealed, setGroup } from './guards.ts';
import { lookup } from './classes.ts';
import type { Kernel } from './kernel.ts';
import { CLASS, ROOTS } from './layout.ts';

/** The selectors inlined for SmallIntegers, with what each compiles to. */
export const ARITHMETIC = Object.freeze({
  '+': { kind: 'arith', op: 'add' },
  '-': { kind: 'arith', op: 'sub' },
  '*': { kind: 'arith', op: 'imul' },
  '<': { kind: 'compare', cc: 'l' },
  '>': { kind: 'compare', cc: 'g' },
  '<=': { kind: 'compare', cc: 'le' },
  '>=': { kind: 'compare', cc: 'ge' },
  '=': { kind: 'compare', cc: 'e' },
  '~=': { kind: 'compare', cc: 'ne' },
  'bitAnd:': { kind: 'logic', op: 'and' },
  'bitOr:': { kind: 'logic', op: 'or' },
  'bitXor:': { kind: 'logic', op: 'xor' },
} as const);

export type ArithmeticSelector = keyof typeof ARITHMETIC;
export const ARITHMETIC_SELECTORS: readonly ArithmeticSelector[] = Object.freeze(Object.keys(ARITHMETIC) as ArithmeticSelector[]);

export function isArithmeticSelector(selector: string): selector is ArithmeticSelector {
  return Object.prototype.hasOwnProperty.call(ARITHMETIC, selector);
}

/** Has inlining begun (so the compiler may inline)? */
export const arithmeticSealed = (k: Kernel): boolean => groupSealed(k, ROOTS.ARITHMETIC);

/**
 * Begin inlining: record what each special selector finds for a SmallInteger now (the
 * system's own primitives, once integer arithmetic is loaded). Returns a message if one of
 * them is missing.
 */
export function sealArithmetic(k: Kernel): string | null {
  const methods: number[] = [];
  for (const sel of ARITHMETIC_SELECTORS) {
    const s = k.symbols.find(sel);
    const method = s === undefined ? -1 : lookup(k, CLASS.SmallInteger, s);
    if (method < 0) return `SmallInteger does not understand #${sel}, so it cannot be inlined`;
    methods.push(method);
  }
  const failed = recordSealed(k, ROOTS.ARITHMETIC, methods);
  if (failed) return failed;
  arithmeticChanged(k);
  return null;
}

/** After a definition of a special selector, or a forget: may the fast paths still run? */
export function arithmeticChanged(k: Kernel): void {
  const m = k.machine;
  const a = slotPointer(m, k.roots, ROOTS.ARITHMETIC);
  if (a <= 0 || a === k.nil) return;
  let overridden = 0;
  ARITHMETIC_SELECTORS.forEach((sel, i) => {
    const s = k.symbols.find(sel);
    if (s === undefined || lookup(k, CLASS.SmallInteger, s) !== slotPointer(m, a, i)) overridden = 1;
  });
  setGroup(k, GUARD_GROUP.ARITHMETIC, overridden === 1);
}

/** The offsets of the arithmetic guards code object `code` keeps (guards.ts). */
export function guardOffsets(m: Machine, code: number): number[] {
  return guardsOf(m, code).filter((g) => g.group === GUARD_GROUP.ARITHMETIC).map((g) => g.offset);
}

/** Are the fast paths running (sealed and nothing overridden)? */
export const arithmeticInlined = (k: Kernel): boolean => groupInlined(k, ROOTS.ARITHMETIC, GUARD_GROUP.ARITHMETIC);
