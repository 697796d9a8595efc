/*
 * Behaviours and the class table. Every value has a behaviour: numbers, code addresses and
 * stack addresses by their tag, objects by the class index in their header, which names a
 * slot of the class table (a fixed-space Array held by the kernel's roots).
 *
 *   class table:  [0: nil][1: VM][2: Object][3: Memory] ... [n: a user class] [nil ...]
 *
 * A behaviour's methods are its override chain (layout.ts): lookup walks the chain, newest
 * entry first, then the parent's chain, up to the VM object, whose parent is nil.
 * Class indices are never reused, so an object of a forgotten class never turns into an
 * object of a newer one.
 */
import { BrokenStructure } from '../machine/faults.ts';
import { FORMAT_POINTERS, TAG_CODE, TAG_NUM, TAG_PTR, TAG_STACK } from '../machine/cells.ts';
import { classIndexOf, setSlotNumber, setSlotPointer, slotCount, slotNumber, slotPointer } from './access.ts';
import type { Kernel } from './kernel.ts';
import { BEHAVIOUR, CLASS, ENTRY, INSTANCE_FORMAT, ROOTS } from './layout.ts';

/** The class table's address (it moves to a bigger object as it grows). */
export function classTable(k: Kernel): number {
  return slotPointer(k.machine, k.roots, ROOTS.CLASS_TABLE);
}

/** The behaviour with class index `index`, or -1. */
export function behaviourAt(k: Kernel, index: number): number {
  const table = classTable(k);
  if (index <= 0 || index >= slotCount(k.machine, table)) return -1;
  const b = slotPointer(k.machine, table, index);
  return b === k.nil ? -1 : b;
}

/** The class index of a value with tag `tag`. */
export function classIndexOfValue(k: Kernel, value: bigint, tag: number): number {
  switch (tag) {
    case TAG_NUM: return CLASS.SmallInteger;
    case TAG_PTR: return classIndexOf(k.machine, Number(value));
    case TAG_CODE: return CLASS.CodeAddress;
    case TAG_STACK: return CLASS.StackAddress;
    default: return CLASS.FREE;
  }
}

export interface BehaviourSpec {
  readonly name: string;
  /** The parent behaviour's address, or -1 for none (only the VM object). */
  readonly parent: number;
  /** A class index to use (well-known classes); by default the next free one. */
  readonly index?: number;
  /** Format and fixed slot count of instances. */
  readonly format?: number;
  readonly fixedSlots?: number;
  /** The behaviour is its own single instance (Memory, CPU, ALU, the VM object). */
  readonly singleton?: boolean;
  /** Instances have indexed slots after the fixed ones (`new: n`). */
  readonly indexable?: boolean;
  /** It is a metaclass: its class is Metaclass (once there is one). */
  readonly metaclass?: boolean;
}

/**
 * Make a behaviour and enter it in the class table. Returns its address, or a message.
 * Nothing is changed if it fails.
 */
export function makeBehaviour(k: Kernel, spec: BehaviourSpec): number | string {
  const m = k.machine;
  const index = spec.index ?? k.nextClassIndex();
  if (index >= 1 << 17) return 'no class index left (2^17 classes)';
  return k.withHolds((hold) => {
    const name = hold(k.symbols.intern(spec.name));
    if (name < 0) return 'out of memory';
    if (!ensureTableRoom(k, index)) return 'out of memory';
    const cls = spec.singleton ? index : spec.metaclass && behaviourAt(k, CLASS.Metaclass) >= 0 ? CLASS.Metaclass : CLASS.Behaviour;
    const b = k.heap.allocateFixed(BEHAVIOUR.SIZE, FORMAT_POINTERS, cls, BigInt(k.nil), TAG_PTR);
    if (b < 0) return 'out of memory';
    setSlotPointer(m, b, BEHAVIOUR.NAME, name);
    if (spec.parent >= 0) setSlotPointer(m, b, BEHAVIOUR.PARENT, spec.parent);
    setSlotNumber(m, b, BEHAVIOUR.INDEX, index);
    setSlotNumber(m, b, BEHAVIOUR.FORMAT, (spec.format ?? FORMAT_POINTERS) | (spec.indexable ? INSTANCE_FORMAT.INDEXABLE : 0) |
      ((spec.fixedSlots ?? 0) << INSTANCE_FORMAT.FIXED_SHIFT));
    setSlotPointer(m, classTable(k), index, b);
    if (spec.index === undefined) k.setNextClassIndex(index + 1);
    return b;
  });
}

/**
 * The metaclass of class `b` (where its class-side methods live), made on first need: its
 * parent is the metaclass of b's parent, or Behaviour at the top, so class-side lookup ends in
 * Behaviour's methods (new, name ...) and then Object's. b's header is made to name it. A
 * singleton (VM, Memory, CPU, ALU) is its own class and has none: answers -1. A metaclass is
 * an instance of Metaclass (so `Object class class` is Metaclass), which answers as its
 * metaclass here.
 */
export function ensureMetaclass(k: Kernel, b: number): number | string {
  const m = k.machine;
  const own = behaviourIndex(k, b);
  const cls = classIndexOf(m, b);
  if (cls === own) return -1;
  if (cls !== CLASS.Behaviour) return behaviourAt(k, cls);
  const parent = parentOf(k, b);
  let parentMeta = parent >= 0 ? ensureMetaclass(k, parent) : -1;
  if (typeof parentMeta === 'string') return parentMeta;
  if (parentMeta < 0) parentMeta = behaviourAt(k, CLASS.Behaviour);
  if (parentMeta < 0) return 'Behaviour does not exist yet';
  const meta = makeBehaviour(k, { name: `${behaviourName(k, b)} class`, parent: parentMeta, metaclass: true });
  if (typeof meta === 'string') return meta;
  const h = (b >> 3) - 1;
  const hi = m.store.cells32[h * 2 + 1];
  m.store.cells32[h * 2 + 1] = (hi & 0x7fff) | (behaviourIndex(k, meta) << 15);
  m.markWritten(h, h + 1);
  return meta;
}

/** Grow the class table (to a bigger fixed object) until `index` fits. */
function ensureTableRoom(k: Kernel, index: number): boolean {
  const m = k.machine;
  const old = classTable(k);
  const size = slotCount(m, old);
  if (index < size) return true;
  let bigger = size * 2;
  while (bigger <= index) bigger *= 2;
  const t = k.heap.allocateFixed(bigger, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
  if (t < 0) return false;
  const from = classTable(k);
  for (let i = 0; i < size; i++) {
    const p = slotPointer(m, from, i);
    if (p >= 0) setSlotPointer(m, t, i, p);
  }
  setSlotPointer(m, k.roots, ROOTS.CLASS_TABLE, t);
  return true;
}

export function behaviourName(k: Kernel, b: number): string {
  const name = slotPointer(k.machine, b, BEHAVIOUR.NAME);
  return name >= 0 && name !== k.nil ? k.symbols.text(name) : '(unnamed)';
}

export function behaviourIndex(k: Kernel, b: number): number {
  return slotNumber(k.machine, b, BEHAVIOUR.INDEX);
}

/**
 * A guard for a host walk along one linked structure: call it once a link; past more links
 * than memory could hold (every link is an object of at least two cells) it throws
 * BrokenStructure, naming `what`. So a cycle written into a chain ends the walk with an error.
 */
export function walkGuard(k: Kernel, what: string): () => true {
  const limit = (k.machine.store.cellCount >>> 1) + 16;
  let links = 0;
  return () => {
    if (++links > limit) throw new BrokenStructure(`${what} loops back on itself (written over through Memory?): the walk stopped after ${limit} links`);
    return true;
  };
}

export function parentOf(k: Kernel, b: number): number {
  const p = slotPointer(k.machine, b, BEHAVIOUR.PARENT);
  return p === k.nil ? -1 : p;
}

export function methodsHead(k: Kernel, b: number): number {
  const p = slotPointer(k.machine, b, BEHAVIOUR.METHODS);
  return p === k.nil ? -1 : p;
}

export function setMethodsHead(k: Kernel, b: number, entry: number): void {
  setSlotPointer(k.machine, b, BEHAVIOUR.METHODS, entry < 0 ? k.nil : entry);
}

/**
 * The method `selector` finds starting at behaviour `b`, walking chains and parents; -1 if none.
 * An entry whose method is nil says the selector was removed (removeSelector:): the behaviour
 * defines it no more, and the search goes on in its parent.
 */
export function lookupFrom(k: Kernel, b: number, selector: number): number {
  const m = k.machine;
  const limit = (m.store.cellCount >>> 1) + 16;
  let links = 0;
  for (let behaviour = b; behaviour >= 0; behaviour = parentOf(k, behaviour)) {
    for (let e = methodsHead(k, behaviour); e >= 0 && e !== k.nil; e = slotPointer(m, e, ENTRY.NEXT)) {
      if (++links > limit) walkFailed('a method chain', limit);
      if (slotPointer(m, e, ENTRY.SELECTOR) !== selector) continue;
      const method = slotPointer(m, e, ENTRY.METHOD);
      if (method === k.nil) break;
      return method;
    }
    if (++links > limit) walkFailed('a parent chain', limit);
  }
  return -1;
}

function walkFailed(what: string, limit: number): never {
  throw new BrokenStructure(`${what} loops back on itself (written over through Memory?): the walk stopped after ${limit} links`);
}

/** The method for `selector` in objects of class `index`; -1 if none answers. */
export function lookup(k: Kernel, index: number, selector: number): number {
  const b = behaviourAt(k, index);
  return b < 0 ? -1 : lookupFrom(k, b, selector);
}
