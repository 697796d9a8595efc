/*
 * Globals: a chain of bindings (name, value, next), newest first, like a method chain. Defining
 * a global adds a binding at the head, shadowing any older one of the same name, so a mark
 * and forget bring the older one back. Assigning to a global writes its binding's value slot,
 * as assigning a Smalltalk global writes its association (and, as in Forth, forget does not
 * undo assignments to globals that existed at the mark).
 *
 * Names are bound late, as in every Smalltalk: code may name a global that does not exist yet.
 * The compiler then makes an *undeclared* binding for it, one whose value is the binding itself,
 * and the code reads it through a send (Binding>>value, in the language) that looks the name
 * up again while it is undeclared. An undeclared binding is in the chain (so mark and forget
 * treat it as any other), but is no global: findBinding and globalNames pass over it. Defining
 * the name then declares it: the undeclared binding becomes the global's binding (as Pharo
 * moves an association from Undeclared into Smalltalk), so code compiled before the definition
 * reads the value from it at once instead of looking the name up at every read (Havlak's
 * classes, which name each other before they are all loaded, spent a tenth of their
 * instructions in that lookup). The declaration is logged (`declare`), and forget makes the
 * binding undeclared again.
 */
import { FORMAT_POINTERS, TAG_PTR } from '../machine/cells.ts';
import { setSlot, setSlotPointer, slot, slotPointer, slotTag } from './access.ts';
import type { Kernel } from './kernel.ts';
import { BINDING, CLASS, LOG, ROOTS } from './layout.ts';
import { appendLog } from './marks.ts';
import { walkGuard } from './classes.ts';

export interface Value {
  readonly value: bigint;
  readonly tag: number;
}

/** The binding of the global named `name`, or -1 (undeclared bindings are not globals). */
export function findBinding(k: Kernel, name: string): number {
  return find(k, name, false);
}

/** The undeclared binding for `name` (see the header), or -1. */
export function findUndeclared(k: Kernel, name: string): number {
  return find(k, name, true);
}

/** Is this binding undeclared (its value the binding itself)? */
export function isUndeclared(k: Kernel, b: number): boolean {
  return slotTag(k.machine, b, BINDING.VALUE) === TAG_PTR && slot(k.machine, b, BINDING.VALUE) === BigInt(b);
}

function find(k: Kernel, name: string, undeclared: boolean): number {
  const symbol = k.symbols.find(name);
  if (symbol === undefined) return -1;
  const bindings = indexOf(k).bySymbol.get(symbol);
  if (bindings === undefined) return -1;
  for (let i = bindings.length - 1; i >= 0; i--) {
    if (isUndeclared(k, bindings[i]) === undeclared) return bindings[i];
  }
  return -1;
}

/**
 * The chain by name, kept beside the kernel so that a lookup is not a walk of every global
 * (a script that makes 100,000 globals looked up `_` and the like through all of them for
 * every statement). Bindings are made by the host in the fixed space (they never move) and
 * only ever put at the head; the chain changes otherwise only when forget puts an older head
 * back. So the index is brought up to date by walking from the head to the newest binding
 * it has (`top`), and made again from the whole chain when that walk does not reach it, when
 * `top` no longer links where it did, or after a major collection (which may reuse the
 * address of a binding forget dropped).
 */
interface GlobalsIndex {
  /** The bindings of each name (a Symbol's address), oldest first. */
  readonly bySymbol: Map<number, number[]>;
  /** The newest binding indexed (or nil), what it links to, and the major collections then. */
  top: number;
  topNext: number;
  majors: number;
}

const indexes = new WeakMap<Kernel, GlobalsIndex>();

/** Links of the chain walked to keep the index (a test counts them: each binding once, not once a lookup). */
export const globalsWalked = { links: 0 };

function indexOf(k: Kernel): GlobalsIndex {
  const m = k.machine;
  const head = slotPointer(m, k.roots, ROOTS.GLOBALS);
  const majors = k.heap.stats.majorCollections;
  let index = indexes.get(k);
  if (index !== undefined && index.majors === majors && index.top === head && (head === k.nil || slotPointer(m, head, BINDING.NEXT) === index.topNext)) return index;
  // The bindings above `top`, newest first; all of them when the index is not to be trusted.
  const trusted = index !== undefined && index.majors === majors && (index.top === k.nil || slotPointer(m, index.top, BINDING.NEXT) === index.topNext);
  const fresh: number[] = [];
  const guard = walkGuard(k, 'the globals');
  let b = head;
  for (; b >= 0 && b !== k.nil && !(trusted && b === index!.top) && guard(); b = slotPointer(m, b, BINDING.NEXT)) fresh.push(b);
  globalsWalked.links += fresh.length;
  if (index === undefined || !trusted || b !== index.top) index = { bySymbol: new Map(), top: k.nil, topNext: k.nil, majors };
  for (let i = fresh.length - 1; i >= 0; i--) {
    const name = slotPointer(m, fresh[i], BINDING.NAME);
    const list = index.bySymbol.get(name);
    if (list === undefined) index.bySymbol.set(name, [fresh[i]]);
    else list.push(fresh[i]);
  }
  index.top = head;
  index.topNext = head === k.nil ? k.nil : slotPointer(m, head, BINDING.NEXT);
  index.majors = majors;
  indexes.set(k, index);
  return index;
}

/** An undeclared binding for `name` (the one there is, or a new one). Returns it or a message. */
export function declareUndeclared(k: Kernel, name: string): number | string {
  const known = findUndeclared(k, name);
  if (known >= 0) return known;
  const b = defineGlobal(k, name, k.object(k.nil));
  if (typeof b === 'string') return b;
  setSlotPointer(k.machine, b, BINDING.VALUE, b);
  return b;
}

export function bindingValue(k: Kernel, binding: number): Value {
  return { value: slot(k.machine, binding, BINDING.VALUE), tag: slotTag(k.machine, binding, BINDING.VALUE) };
}

/** Define (or redefine, shadowing) the global `name`. Returns the binding or a message. */
export function defineGlobal(k: Kernel, name: string, v: Value): number | string {
  const m = k.machine;
  const undeclared = findBinding(k, name) < 0 ? findUndeclared(k, name) : -1;
  if (undeclared >= 0) return declare(k, undeclared, v);
  // The value may be an object that moves while the binding is made (interning the name
  // allocates too): keep it in a root before anything is allocated.
  const root = k.heap.roots.add(v.value, v.tag);
  try {
    return k.withHolds((hold) => {
      const symbol = hold(k.symbols.intern(name));
      if (symbol < 0) return 'out of memory';
      const logged = appendLog(k, 'global', -1, symbol);
      if (typeof logged === 'string') return logged;
      hold(logged);
      const b = k.heap.allocateFixed(BINDING.SIZE, FORMAT_POINTERS, CLASS.Binding, BigInt(k.nil), TAG_PTR);
      if (b < 0) return 'out of memory';
      setSlotPointer(m, b, BINDING.NAME, symbol);
      setSlot(m, b, BINDING.VALUE, k.heap.roots.value(root), k.heap.roots.tag(root));
      setSlotPointer(m, b, BINDING.NEXT, slotPointer(m, k.roots, ROOTS.GLOBALS));
      setSlotPointer(m, k.roots, ROOTS.GLOBALS, b);
      k.commitLog(logged);
      return b;
    });
  } finally {
    k.heap.roots.release(root);
  }
}

/** The undeclared binding `b` becomes the global's binding, with value `v` (see the header). */
function declare(k: Kernel, b: number, v: Value): number | string {
  const m = k.machine;
  const root = k.heap.roots.add(v.value, v.tag);
  try {
    const logged = appendLog(k, 'declare', -1, slotPointer(m, b, BINDING.NAME), undefined, b);
    if (typeof logged === 'string') return logged;
    setSlot(m, b, BINDING.VALUE, k.heap.roots.value(root), k.heap.roots.tag(root));
    k.commitLog(logged);
    return b;
  } finally {
    k.heap.roots.release(root);
  }
}

/** Forget: the bindings declared since the log entry `until` are undeclared again. */
export function undoDeclarations(k: Kernel, until: number): void {
  const m = k.machine;
  const declare = k.symbols.find('declare');
  if (declare === undefined) return;
  const guard = walkGuard(k, 'the definition log');
  for (let e = slotPointer(m, k.roots, ROOTS.LOG); e >= 0 && e !== k.nil && e !== until && guard(); e = slotPointer(m, e, LOG.PREVIOUS)) {
    if (slotPointer(m, e, LOG.KIND) !== declare) continue;
    const b = slotPointer(m, e, LOG.DATA);
    if (b >= 0 && b !== k.nil) setSlotPointer(m, b, BINDING.VALUE, b);
  }
}

/** Assign to an existing global. */
export function assignGlobal(k: Kernel, binding: number, v: Value): void {
  setSlot(k.machine, binding, BINDING.VALUE, v.value, v.tag);
}

/** Every global's name, newest first (shadowed ones once). */
export function globalNames(k: Kernel): string[] {
  const m = k.machine;
  const seen = new Set<string>();
  const guard = walkGuard(k, 'the globals');
  for (let b = slotPointer(m, k.roots, ROOTS.GLOBALS); b >= 0 && b !== k.nil && guard(); b = slotPointer(m, b, BINDING.NEXT)) {
    if (!isUndeclared(k, b)) seen.add(k.symbols.text(slotPointer(m, b, BINDING.NAME)));
  }
  return [...seen];
}
