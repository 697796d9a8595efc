/*
 * Globals: a chain of bindings (name, value, next), newest first, like a method chain. Defining
 * a global adds a binding at the head, shadowing any older one of the same name, so a mark
 * and forget bring the older one back. Assigning to a global writes its binding's value slot,
 * as assigning a Smalltalk global writes its association (and, as in Forth, forget does not
 * undo assignments to globals that existed at the mark).
 */
import { FORMAT_POINTERS, TAG_PTR } from '../machine/cells.ts';
import { setSlot, setSlotPointer, slot, slotPointer, slotTag } from './access.ts';
import type { Kernel } from './kernel.ts';
import { BINDING, CLASS, ROOTS } from './layout.ts';
import { appendLog } from './marks.ts';

export interface Value {
  readonly value: bigint;
  readonly tag: number;
}

/** The binding named `name`, or -1. */
export function findBinding(k: Kernel, name: string): number {
  const symbol = k.symbols.find(name);
  if (symbol === undefined) return -1;
  const m = k.machine;
  for (let b = slotPointer(m, k.roots, ROOTS.GLOBALS); b >= 0 && b !== k.nil; b = slotPointer(m, b, BINDING.NEXT)) {
    if (slotPointer(m, b, BINDING.NAME) === symbol) return b;
  }
  return -1;
}

export function bindingValue(k: Kernel, binding: number): Value {
  return { value: slot(k.machine, binding, BINDING.VALUE), tag: slotTag(k.machine, binding, BINDING.VALUE) };
}

/** Define (or redefine, shadowing) the global `name`. Returns the binding or a message. */
export function defineGlobal(k: Kernel, name: string, v: Value): number | string {
  const m = k.machine;
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

/** Assign to an existing global. */
export function assignGlobal(k: Kernel, binding: number, v: Value): void {
  setSlot(k.machine, binding, BINDING.VALUE, v.value, v.tag);
}

/** Every global's name, newest first (shadowed ones once). */
export function globalNames(k: Kernel): string[] {
  const m = k.machine;
  const seen = new Set<string>();
  for (let b = slotPointer(m, k.roots, ROOTS.GLOBALS); b >= 0 && b !== k.nil; b = slotPointer(m, b, BINDING.NEXT)) {
    seen.add(k.symbols.text(slotPointer(m, b, BINDING.NAME)));
  }
  return [...seen];
}
