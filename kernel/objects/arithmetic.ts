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
 * The fast path's test ORs the two operands' tags with that cell: one instruction more than
 * the tag test, and a single `jnz` to the send.
 */
import { FORMAT_POINTERS, TAG_NUM, TAG_PTR } from '../machine/cells.ts';
import { setSlot, setSlotPointer, slotPointer, slotTag } from './access.ts';
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
export function arithmeticSealed(k: Kernel): boolean {
  const a = slotPointer(k.machine, k.roots, ROOTS.ARITHMETIC);
  return a > 0 && a !== k.nil;
}

/**
 * Begin inlining: record what each special selector finds for a SmallInteger now (the
 * system's own primitives, once integer arithmetic is loaded). Returns a message if one of
 * them is missing.
 */
export function sealArithmetic(k: Kernel): string | null {
  const m = k.machine;
  const methods: number[] = [];
  for (const sel of ARITHMETIC_SELECTORS) {
    const s = k.symbols.find(sel);
    const method = s === undefined ? -1 : lookup(k, CLASS.SmallInteger, s);
    if (method < 0) return `SmallInteger does not understand #${sel}, so it cannot be inlined`;
    methods.push(method);
  }
  const a = k.heap.allocateFixed(methods.length, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
  if (a < 0) return 'out of memory';
  methods.forEach((method, i) => setSlotPointer(m, a, i, method));
  setSlotPointer(m, k.roots, ROOTS.ARITHMETIC, a);
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
  setSlot(m, k.roots, ROOTS.ARITHMETIC_OVERRIDDEN, BigInt(overridden), TAG_NUM);
}

/** Are the fast paths running (sealed and nothing overridden)? */
export function arithmeticInlined(k: Kernel): boolean {
  return arithmeticSealed(k) && slotTag(k.machine, k.roots, ROOTS.ARITHMETIC_OVERRIDDEN) === TAG_NUM &&
    k.machine.store.cells[(k.roots >> 3) + ROOTS.ARITHMETIC_OVERRIDDEN] === 0n;
}
