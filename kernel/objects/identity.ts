/*
 * ==, isNil and notNil inlined into compiled code, kept honest under overriding.
 *
 * GNU Smalltalk and Pharo compile `a == b` and `x isNil` to a comparison and ignore any
 * redefinition. Bedrock's rule is that the newest definition answers everywhere, inlined
 * copies too; so native code inlines them behind a guard (guards.ts, GUARD_GROUP.IDENTITY)
 * that runs the inlined comparison only while the definitions that answer them are the
 * system's own: VM>>==, VM>>isNil, VM>>notNil and UndefinedObject's isNil and notNil, as they
 * were when inlining began. Unlike SmallInteger arithmetic, whose inlined path runs for one
 * class only, these answer for every class; so a definition of one of these selectors in any
 * behaviour at all (or a removal of one) switches every identity guard to the send, and a
 * forget that leaves no such definition switches them back.
 *
 *   roots.IDENTITY             Array: the methods of those selectors when inlining began
 *   roots.IDENTITY_OVERRIDDEN  0 = the inlined comparisons may run; 1 (or nil, before) = send
 */
import { slotCount, slotPointer } from './access.ts';
import { behaviourAt, classTable, lookup, methodsHead } from './classes.ts';
import { GUARD_GROUP, groupInlined, groupSealed, recordSealed, setGroup } from './guards.ts';
import type { Kernel } from './kernel.ts';
import { CLASS, ENTRY, ROOTS } from './layout.ts';

/** The selectors inlined for every receiver. */
export const IDENTITY_SELECTORS: readonly string[] = Object.freeze(['==', 'isNil', 'notNil']);

export function isIdentitySelector(selector: string): boolean {
  return IDENTITY_SELECTORS.includes(selector);
}

/** Has inlining begun (so the compiler may inline)? */
export const identitySealed = (k: Kernel): boolean => groupSealed(k, ROOTS.IDENTITY);

/** Are the inlined comparisons running (sealed and nothing overridden)? */
export const identityInlined = (k: Kernel): boolean => groupInlined(k, ROOTS.IDENTITY, GUARD_GROUP.IDENTITY);

/**
 * Begin inlining: record the methods that answer the identity selectors for an Object and for
 * nil now. Returns a message if one is missing or if they are not what the inlined code
 * computes the answer of (one method for every class but UndefinedObject's own isNil and notNil).
 */
export function sealIdentity(k: Kernel): string | null {
  const methods = new Set<number>();
  for (const sel of IDENTITY_SELECTORS) {
    const s = k.symbols.find(sel);
    for (const cls of [CLASS.Object, CLASS.UndefinedObject, CLASS.SmallInteger]) {
      const method = s === undefined ? -1 : lookup(k, cls, s);
      if (method < 0) return `${cls} does not understand #${sel}, so it cannot be inlined`;
      methods.add(method);
    }
  }
  const failed = recordSealed(k, ROOTS.IDENTITY, [...methods]);
  if (failed) return failed;
  identityChanged(k);
  return null;
}

/**
 * After a definition of an identity selector, or a forget: is every definition of them in
 * every behaviour one of those recorded when inlining began? (A walk of every behaviour's own
 * chain: a definition of these selectors is rare, and a forget walks chains anyway.)
 */
export function identityChanged(k: Kernel): void {
  const m = k.machine;
  const a = slotPointer(m, k.roots, ROOTS.IDENTITY);
  if (a <= 0 || a === k.nil) return;
  const originals = new Set<number>();
  for (let i = 0; i < slotCount(m, a); i++) originals.add(slotPointer(m, a, i));
  const selectors = new Set<number>();
  for (const sel of IDENTITY_SELECTORS) {
    const s = k.symbols.find(sel);
    if (s !== undefined) selectors.add(s);
  }
  let overridden = selectors.size !== IDENTITY_SELECTORS.length;
  const size = slotCount(m, classTable(k));
  const limit = (m.store.cellCount >>> 1) + 16;
  let links = 0;
  for (let i = 1; i < size && !overridden; i++) {
    const b = behaviourAt(k, i);
    if (b < 0) continue;
    for (let e = methodsHead(k, b); e >= 0 && e !== k.nil; e = slotPointer(m, e, ENTRY.NEXT)) {
      // (a chain written into a loop through Memory: no inlining, rather than no end)
      if (++links > limit) { overridden = true; break; }
      if (selectors.has(slotPointer(m, e, ENTRY.SELECTOR)) && !originals.has(slotPointer(m, e, ENTRY.METHOD))) { overridden = true; break; }
    }
  }
  setGroup(k, GUARD_GROUP.IDENTITY, overridden);
}
