/*
 * Array at: and at:put: inlined into compiled code, kept honest under overriding.
 *
 * Every Smalltalk VM answers `anArray at: i` without a send when the receiver is an Array and
 * i a SmallInteger in its bounds; so does Bedrock's native code (native.ts inlineIndexing):
 * the receiver's class index is compared with Array's, the index's tag tested and its bounds
 * checked, and anything else is the send. The class comparison's `jne` is the guard
 * (guards.ts, GUARD_GROUP.INDEXING): while the methods Array's lookup finds for at: and
 * at:put: are the ones it found when inlining began (the system's own primitives) it tests;
 * a definition that changes what Array's lookup finds switches every such guard to the send,
 * and a forget that undoes it switches them back. Only instances of Array itself take the
 * inlined path, so a subclass's own at: is sent as ever.
 *
 *   roots.INDEXING             Array: the methods at: and at:put: found for Array at sealing
 *   roots.INDEXING_OVERRIDDEN  0 = the inlined paths may run; 1 (or nil, before sealing) = send
 */
import { slotPointer } from './access.ts';
import { lookup } from './classes.ts';
import { GUARD_GROUP, groupInlined, groupSealed, recordSealed, setGroup } from './guards.ts';
import type { Kernel } from './kernel.ts';
import { CLASS, ROOTS } from './layout.ts';

/** The selectors inlined for Arrays. */
export const INDEXING_SELECTORS: readonly string[] = Object.freeze(['at:', 'at:put:']);

export function isIndexingSelector(selector: string): boolean {
  return INDEXING_SELECTORS.includes(selector);
}

/** Has inlining begun (so the compiler may inline)? */
export const indexingSealed = (k: Kernel): boolean => groupSealed(k, ROOTS.INDEXING);

/** Are the inlined paths running (sealed and nothing overridden)? */
export const indexingInlined = (k: Kernel): boolean => groupInlined(k, ROOTS.INDEXING, GUARD_GROUP.INDEXING);

/** Begin inlining: record what Array's lookup finds for at: and at:put: now. Returns a message if one is missing. */
export function sealIndexing(k: Kernel): string | null {
  const methods: number[] = [];
  for (const sel of INDEXING_SELECTORS) {
    const s = k.symbols.find(sel);
    const method = s === undefined ? -1 : lookup(k, CLASS.Array, s);
    if (method < 0) return `Array does not understand #${sel}, so it cannot be inlined`;
    methods.push(method);
  }
  const failed = recordSealed(k, ROOTS.INDEXING, methods);
  if (failed) return failed;
  indexingChanged(k);
  return null;
}

/** After a definition of at: or at:put:, or a forget: does Array's lookup still find what it found? */
export function indexingChanged(k: Kernel): void {
  const m = k.machine;
  const a = slotPointer(m, k.roots, ROOTS.INDEXING);
  if (a <= 0 || a === k.nil) return;
  const overridden = INDEXING_SELECTORS.some((sel, i) => {
    const s = k.symbols.find(sel);
    return s === undefined || lookup(k, CLASS.Array, s) !== slotPointer(m, a, i);
  });
  setGroup(k, GUARD_GROUP.INDEXING, overridden);
}
