/*
 * Boolean not inlined into compiled code, kept honest under overriding.
 *
 * GNU Smalltalk compiles `x not` to a send; Pharo's JIT answers it for true and false inline.
 * Bedrock's native code does too (native.ts inlineNot): an object that is true answers false,
 * one that is false answers true, a `jumpIf` on the answer becomes the opposite jump on the
 * receiver, and anything else is the send. The guard (guards.ts, GUARD_GROUP.BOOLEAN) is the
 * jump to the send after the receiver's tag test: while the methods True's and False's lookup
 * find for not are the ones they found when inlining began (the system's own, True>>not and
 * False>>not) it tests; a definition that changes what either finds switches every such guard
 * to the send, and a forget that undoes it switches them back.
 *
 *   roots.BOOLEAN             Array: the methods not found for true's class and false's at sealing
 *   roots.BOOLEAN_OVERRIDDEN  0 = the inlined paths may run; 1 (or nil, before sealing) = send
 */
import { classIndexOf, slotCount, slotPointer } from './access.ts';
import { lookup } from './classes.ts';
import { GUARD_GROUP, groupInlined, groupSealed, recordSealed, setGroup } from './guards.ts';
import type { Kernel } from './kernel.ts';
import { ROOTS } from './layout.ts';

/** The selectors inlined for true and false. */
export const BOOLEAN_SELECTORS: readonly string[] = Object.freeze(['not']);

export function isBooleanSelector(selector: string): boolean {
  return BOOLEAN_SELECTORS.includes(selector);
}

/** Has inlining begun (so the compiler may inline)? */
export const booleansSealed = (k: Kernel): boolean => groupSealed(k, ROOTS.BOOLEAN);

/** Are the inlined paths running (sealed and nothing overridden)? */
export const booleansInlined = (k: Kernel): boolean => groupInlined(k, ROOTS.BOOLEAN, GUARD_GROUP.BOOLEAN);

/** What the lookup of each selector finds for true's class, then for false's (-1: nothing). */
function found(k: Kernel): number[] {
  const out: number[] = [];
  for (const receiver of [k.true, k.false]) {
    const cls = classIndexOf(k.machine, receiver);
    for (const sel of BOOLEAN_SELECTORS) {
      const s = k.symbols.find(sel);
      out.push(s === undefined ? -1 : lookup(k, cls, s));
    }
  }
  return out;
}

/** Begin inlining: record what true's and false's lookup find for not now. Returns a message if one is missing. */
export function sealBooleans(k: Kernel): string | null {
  const methods = found(k);
  if (methods.some((m) => m < 0)) return `true or false does not understand #${BOOLEAN_SELECTORS.join(' or #')}, so it cannot be inlined`;
  const failed = recordSealed(k, ROOTS.BOOLEAN, methods);
  if (failed) return failed;
  booleansChanged(k);
  return null;
}

/** After a definition of not, or a forget: do true's and false's lookup still find what they found? */
export function booleansChanged(k: Kernel): void {
  const m = k.machine;
  const a = slotPointer(m, k.roots, ROOTS.BOOLEAN);
  if (a <= 0 || a === k.nil) return;
  const now = found(k);
  const overridden = now.length !== slotCount(m, a) || now.some((method, i) => method !== slotPointer(m, a, i));
  setGroup(k, GUARD_GROUP.BOOLEAN, overridden);
}
