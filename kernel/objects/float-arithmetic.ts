/*
 * Float arithmetic and comparisons inlined into compiled code, kept honest under overriding.
 *
 * Pharo's JIT and GNU Smalltalk's answer `a * b` for two Floats without a send; so does
 * Bedrock's native code (native.ts inlineArithmetic), out of line from the SmallInteger fast
 * path: when both operands are Floats it makes the result Float itself (ALLOCATE, then the
 * SSE2 instruction Float's own primitive runs), or compares them (ucomisd; an unordered
 * comparison, a NaN, answers false, as Float>>< and the rest do), and anything else is the
 * send. The guard (guards.ts, GUARD_GROUP.FLOAT) is the jump to the send after the
 * receiver's class test: while the methods Float's lookup finds for these selectors are the
 * ones it found when inlining began (the library's own, bootstrap/system/float.bedrock) it
 * tests; a definition that changes what one finds switches every such guard to the send, and
 * a forget that undoes it switches them back.
 *
 * Float is the library's class, not the kernel's, so the Bedrock layer seals the group with
 * Float's class index once float.bedrock is loaded.
 *
 *   roots.FLOAT             Array: the methods Float's lookup found at sealing, by selector
 *   roots.FLOAT_OVERRIDDEN  0 = the inlined paths may run; 1 (or nil, before sealing) = send
 *   roots.FLOAT_CLASS       Float's class index (nil before sealing)
 */
import { TAG_NUM } from '../machine/cells.ts';
import { setSlot, slot, slotCount, slotPointer, slotTag } from './access.ts';
import { lookup } from './classes.ts';
import { GUARD_GROUP, groupInlined, groupSealed, recordSealed, setGroup } from './guards.ts';
import type { Kernel } from './kernel.ts';
import { ROOTS } from './layout.ts';

/** The selectors inlined for two Floats, with the SSE2 instruction or the condition of each. */
export const FLOAT_OPERATIONS = Object.freeze({
  '+': { kind: 'arith', op: 'addsd' },
  '-': { kind: 'arith', op: 'subsd' },
  '*': { kind: 'arith', op: 'mulsd' },
  // (by ±0.0 it is the send, whose answer is a ZeroDivide)
  '/': { kind: 'arith', op: 'divsd' },
  // ucomisd sets CF, ZF and PF for an unordered pair, so `above` and `above or equal` are
  // false for a NaN: a < b is b above a (swapped), a <= b is b above-or-equal a
  '<': { kind: 'compare', swap: true, cc: 'a' },
  '>': { kind: 'compare', swap: false, cc: 'a' },
  '<=': { kind: 'compare', swap: true, cc: 'ae' },
  '>=': { kind: 'compare', swap: false, cc: 'ae' },
  // equal is ZF without PF (an unordered pair sets both: a NaN equals nothing)
  '=': { kind: 'compare', swap: false, cc: 'e' },
} as const);

export type FloatSelector = keyof typeof FLOAT_OPERATIONS;
export const FLOAT_SELECTORS: readonly FloatSelector[] = Object.freeze(Object.keys(FLOAT_OPERATIONS) as FloatSelector[]);

export function isFloatSelector(selector: string): selector is FloatSelector {
  return Object.prototype.hasOwnProperty.call(FLOAT_OPERATIONS, selector);
}

/** Has inlining begun (so the compiler may inline)? */
export const floatsSealed = (k: Kernel): boolean => groupSealed(k, ROOTS.FLOAT);

/** Are the inlined paths running (sealed and nothing overridden)? */
export const floatsInlined = (k: Kernel): boolean => groupInlined(k, ROOTS.FLOAT, GUARD_GROUP.FLOAT);

/** Float's class index, once sealed; else -1. */
export function floatClassIndex(k: Kernel): number {
  if (!floatsSealed(k) || slotTag(k.machine, k.roots, ROOTS.FLOAT_CLASS) !== TAG_NUM) return -1;
  return Number(slot(k.machine, k.roots, ROOTS.FLOAT_CLASS));
}

/** What Float's lookup finds for each selector (-1: nothing). */
function found(k: Kernel, classIndex: number): number[] {
  return FLOAT_SELECTORS.map((sel) => {
    const s = k.symbols.find(sel);
    return s === undefined ? -1 : lookup(k, classIndex, s);
  });
}

/** Begin inlining: record what Float's lookup finds now. Returns a message if one is missing. */
export function sealFloats(k: Kernel, classIndex: number): string | null {
  const methods = found(k, classIndex);
  const missing = FLOAT_SELECTORS.filter((_, i) => methods[i] < 0);
  if (missing.length > 0) return `Float does not understand #${missing.join(' or #')}, so it cannot be inlined`;
  setSlot(k.machine, k.roots, ROOTS.FLOAT_CLASS, BigInt(classIndex), TAG_NUM);
  const failed = recordSealed(k, ROOTS.FLOAT, methods);
  if (failed) return failed;
  floatsChanged(k);
  return null;
}

/** After a definition of one of the selectors, or a forget: does Float's lookup still find what it found? */
export function floatsChanged(k: Kernel): void {
  const m = k.machine;
  const a = slotPointer(m, k.roots, ROOTS.FLOAT);
  const cls = floatClassIndex(k);
  if (a <= 0 || a === k.nil || cls < 0) return;
  const now = found(k, cls);
  const overridden = now.length !== slotCount(m, a) || now.some((method, i) => method !== slotPointer(m, a, i));
  setGroup(k, GUARD_GROUP.FLOAT, overridden);
}
