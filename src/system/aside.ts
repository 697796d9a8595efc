/*
 * Running code beside a stopped evaluation: printing a frame's values, or evaluating an
 * expression in a frame, while the evaluation that stopped (at an error, a halt, a step)
 * stays as it was, so that it can still go on or be abandoned. What the nested run may change
 * of the machine's state is saved first and put back after, however it ends: the registers
 * (and their tags), the stack pointer, the resume point, the chain of active contexts, the
 * exception handlers and the report of an unhandled error. The nested run uses the stack
 * below the stopped one's top, which it leaves as it found it.
 */
import { wideStringClass } from '../../kernel/objects/methods.ts';
import { TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import { classIndexOf, isObject, slot, slotTag, setSlot } from '../../kernel/objects/access.ts';
import { assignGlobal, bindingValue, findBinding, type Value } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, ROOTS } from '../../kernel/objects/layout.ts';

/** The globals an exception's signalling keeps its state in (exception.bedrock). */
const EXCEPTION_GLOBALS = ['ActiveHandler', 'UnhandledSignal'];

/** Run `fn` with the machine's state saved before and restored after (see the header). */
export function aside<T>(k: Kernel, fn: () => T): T {
  const m = k.machine;
  const registers: Value[] = [];
  for (let r = 0; r < 16; r++) registers.push({ value: m.register(r), tag: m.registerTag(r) });
  // Pointers among the registers are kept as roots: the nested run may move their objects.
  const held = registers.map((v) => (v.tag === TAG_PTR ? k.heap.roots.add(v.value, v.tag) : -1));
  const resumeAt = m.resumeAt;
  const active = k.heap.roots.add(slot(m, k.roots, ROOTS.ACTIVE), slotTag(m, k.roots, ROOTS.ACTIVE));
  const globals = EXCEPTION_GLOBALS.map((name) => {
    const b = findBinding(k, name);
    return b < 0 ? null : { b, root: k.heap.roots.add(bindingValue(k, b).value, bindingValue(k, b).tag) };
  });
  const origin = k.faultOrigin;
  try {
    return fn();
  } finally {
    for (let r = 0; r < 16; r++) {
      const v = held[r] >= 0 ? { value: k.heap.roots.value(held[r]), tag: TAG_PTR } : registers[r];
      m.setRegister(r, v.value, r === 4 ? TAG_STACK : v.tag);
      if (held[r] >= 0) k.heap.roots.release(held[r]);
    }
    m.resumeAt = resumeAt;
    setSlot(m, k.roots, ROOTS.ACTIVE, k.heap.roots.value(active), k.heap.roots.tag(active));
    k.heap.roots.release(active);
    for (const g of globals) {
      if (!g) continue;
      assignGlobal(k, g.b, { value: k.heap.roots.value(g.root), tag: k.heap.roots.tag(g.root) });
      k.heap.roots.release(g.root);
    }
    k.faultOrigin = origin;
  }
}

/**
 * The printString of a value, run aside with a budget of `steps` instructions (and at most
 * `width` characters); the kernel's own description when it fails or answers no String.
 */
export function printAside(k: Kernel, v: Value, steps = 200_000, width = 60): string {
  const text = aside(k, () => {
    const root = k.heap.roots.add(v.value, v.tag);
    try {
      const r = k.sendMessage(v, 'printString', [], { steps });
      if (!r.fault && r.value && r.value.tag === TAG_PTR) {
        const p = Number(r.value.value);
        if (isObject(k.machine, p) && (classIndexOf(k.machine, p) === CLASS.String || classIndexOf(k.machine, p) === wideStringClass(k))) return k.textOf(p);
      }
      return k.describe({ value: k.heap.roots.value(root), tag: k.heap.roots.tag(root) });
    } finally {
      k.heap.roots.release(root);
    }
  });
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}
