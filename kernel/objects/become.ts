/*
 * become: and becomeForward: on the object memory (Smalltalk-80's, GNU Smalltalk's, Pharo's).
 *
 *   a becomeForward: b   every reference to a, anywhere (registers, the stacks, every object,
 *                        the host's roots), is made a reference to b; b may be a SmallInteger
 *   a become: b          every reference to a is made one to b and every one to b one to a:
 *                        the two objects trade identities
 *
 * The walk is Heap.forwardPointers (as reshape uses it): one pass over memory's pointer
 * cells, with the write barrier. Objects the kernel itself holds by address cannot be
 * forwarded: nil, true and false, classes and metaclasses, Symbols (interned), compiled code,
 * stacks and whatever lives in the fixed space. Errors are values: a message saying what was
 * refused.
 */
import { FORMAT_CODE, TAG_NUM, TAG_PTR } from '../machine/cells.ts';
import { classIndexOf, formatOf, isObject } from './access.ts';
import type { Value } from './globals.ts';
import type { Kernel } from './kernel.ts';
import { CLASS, isSymbolClass } from './layout.ts';

/** Why the object at `p` may not trade or give up its identity, or null when it may. */
function refusal(k: Kernel, p: number): string | null {
  const m = k.machine;
  if (!isObject(m, p)) return 'it is no object';
  if (p === k.nil || p === k.true || p === k.false) return `${k.describe({ value: BigInt(p), tag: TAG_PTR })} is the system's own`;
  if (k.isBehaviour(p)) return 'a class cannot become another object';
  if (isSymbolClass(classIndexOf(m, p))) return 'a Symbol is interned: it cannot become another object';
  if (formatOf(m, p) === FORMAT_CODE) return 'compiled code cannot become another object';
  const h = (p >> 3) - 1;
  if (h < k.heap.fixedTop && h >= m.fixedLo) return 'an object in the fixed space (a literal of compiled code, code, a stack) cannot become another object';
  if (k.heap.stacks.includes(h)) return 'a stack cannot become another object';
  return null;
}

/** Make every reference to `from` one to `to` (an object, or a SmallInteger). */
export function becomeForward(k: Kernel, from: Value, to: Value): string | null {
  if (from.tag !== TAG_PTR) return 'a SmallInteger cannot become another object';
  const why = refusal(k, Number(from.value));
  if (why) return `becomeForward: ${why}`;
  if (to.tag === TAG_NUM) {
    k.heap.forwardPointerToNumber(Number(from.value), to.value);
    return null;
  }
  if (to.tag !== TAG_PTR || !isObject(k.machine, Number(to.value))) return 'becomeForward: needs an object or a SmallInteger';
  if (to.value === from.value) return null;
  k.heap.forwardPointers(new Map([[Number(from.value), Number(to.value)]]));
  return null;
}

/** Trade the identities of two objects: every reference to either is made one to the other. */
export function become(k: Kernel, a: Value, b: Value): string | null {
  if (a.tag !== TAG_PTR || b.tag !== TAG_PTR) return 'become: a SmallInteger cannot trade identities (becomeForward: can make references a SmallInteger)';
  const why = refusal(k, Number(a.value)) ?? refusal(k, Number(b.value));
  if (why) return `become: ${why}`;
  if (a.value === b.value) return null;
  k.heap.forwardPointers(new Map([[Number(a.value), Number(b.value)], [Number(b.value), Number(a.value)]]));
  return null;
}
