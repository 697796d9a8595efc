/*
 * Did a statement change the image? One that only computes (`3 + 4`, `#(1 2 3) printString`)
 * is not an unsaved change: quitting after it asks nothing, and piped mode reports nothing.
 * A definition is always a change; a statement is one when the state below differs after it:
 *
 *   - the kernel's definition log, its marks, and the next class index (a class or a method
 *     made by a message, `Object subclass: #Foo`, `Foo compile: '...'`);
 *   - the globals: which there are, and what each holds (`X := 3`, `Smalltalk at: #X put: 3`);
 *   - what the globals that are not classes hold, read as a graph of objects (an
 *     OrderedCollection a global holds, grown by `add:`), as far as LIMIT cells. Each object
 *     is taken by the order it is met in, not its address, so a collection that moves objects
 *     changes nothing here. A class, a Symbol or a piece of code is taken by its identity.
 *
 * The global `_` (the last value, which the REPL sets after every statement) is not part of
 * it. A graph larger than LIMIT, or a structure that cannot be read, makes the state unknown
 * (null): the statement then counts as a change, as everything did before, erring on the side
 * of asking. What is not looked at: state kept in a class's own variables, and the
 * scheduler's record of the process running (TRANSIENT): every evaluation runs in a process
 * of its own, made anew (bootstrap/system/process.bedrock), so a statement that only yields,
 * waits on a Delay, forks a process that ends, or spawns an actor and takes its value,
 * changes nothing; one that leaves a process ready or sleeping (the scheduler's queues and
 * delays) is a change.
 */
import { FORMAT_CODE, TAG_NUM, TAG_PTR } from '../../kernel/machine/cells.ts';
import { classIndexOf, formatOf, isObject, slotCount, slotNumber, slotPointer, slotTag } from '../../kernel/objects/access.ts';
import { walkGuard } from '../../kernel/objects/classes.ts';
import { findBinding } from '../../kernel/objects/globals.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { BEHAVIOUR, BINDING, CLASS, ROOTS, isSymbolClass } from '../../kernel/objects/layout.ts';
import { LAST_RESULT } from './workspace.ts';

/** Instance variables not looked at, by class: what changes with every evaluation, not with the image. */
const TRANSIENT: Readonly<Record<string, readonly string[]>> = { ProcessorScheduler: ['activeProcess', 'mainProcess', 'idleWaiter'] };

/** The most cells of global-held objects read; beyond, the state is unknown. */
const LIMIT = 200_000;

/**
 * The roots a definition changes (the log, the marks, the next class index, the globals' head),
 * as a text: a statement whose compiling changed them (it defined a global, `X := 3` for a new
 * X, or declared one) is a change, with no need to read the state.
 */
export function definitionRoots(k: Kernel): string {
  const st = k.machine.store, roots = k.roots >> 3;
  let s = '';
  for (const r of [ROOTS.LOG, ROOTS.MARKS, ROOTS.NEXT_CLASS, ROOTS.GLOBALS]) s += `${st.tags[roots + r]}:${st.cells[roots + r]},`;
  return s;
}

/**
 * What changes whenever the state may have (machine code ran, objects were made, a collection
 * compacted, a root above changed): a state read when this was the same still holds, so the
 * state after one statement serves as the state before the next without reading it again.
 */
export function stateStamp(k: Kernel): string {
  const s = k.heap.stats;
  return `${k.machine.totalSteps}/${s.objectsAllocated}/${s.cellsAllocated}/${s.majorCollections}/${definitionRoots(k)}`;
}

/** How many times the state was read (a test counts them: at most once a statement). */
export const stateReads = { count: 0 };

/** A fingerprint of the image's state as a statement may change it; null when it cannot be told. */
export function imageState(k: Kernel): string | null {
  stateReads.count++;
  try {
    return new StateReader(k).read();
  } catch {
    return null; // a structure written into a cycle (walkGuard) or the like: unknown
  }
}

/** The last TRANSIENT slots found, by kernel, and what they were found from. */
const transientCache = new WeakMap<Kernel, { readonly key: string; readonly skip: Map<number, Set<number>> }>();

class StateReader {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193;
  private cells = 0;
  /** Objects met, by address: the order they were met in. */
  private readonly met = new Map<number, number>();
  private readonly m;
  private readonly lastResult: number;
  private readonly table: number;
  private readonly classes: number;
  /** TRANSIENT's slots, by class index. */
  private readonly skip: Map<number, Set<number>>;

  constructor(private readonly k: Kernel) {
    this.m = k.machine;
    this.lastResult = k.symbols.find(LAST_RESULT) ?? -1;
    this.table = slotPointer(this.m, k.roots, ROOTS.CLASS_TABLE);
    this.classes = slotCount(this.m, this.table);
    this.skip = this.transientSlots();
  }

  /**
   * TRANSIENT's slots, by class index: found again only when a class named there, or the
   * names of its instance variables, are other objects than the last time (the names are
   * read as text only then), or after a major collection (which may free a Symbol and give
   * its address to another).
   */
  private transientSlots(): Map<number, Set<number>> {
    const k = this.k, m = this.m;
    const found: { index: number; names: number; ivars: readonly string[] }[] = [];
    let key = `${k.heap.stats.majorCollections}`;
    for (const [name, ivars] of Object.entries(TRANSIENT)) {
      const binding = findBinding(k, name);
      if (binding < 0 || slotTag(m, binding, BINDING.VALUE) !== TAG_PTR) continue;
      const b = slotPointer(m, binding, BINDING.VALUE);
      if (!this.isBehaviour(b) || slotTag(m, b, BEHAVIOUR.IVARS) !== TAG_PTR) continue;
      const names = slotPointer(m, b, BEHAVIOUR.IVARS);
      if (names === k.nil) continue;
      const index = slotNumber(m, b, BEHAVIOUR.INDEX);
      key += `/${index}:${names}`;
      for (let i = 0; i < slotCount(m, names); i++) key += `,${slotPointer(m, names, i)}`;
      found.push({ index, names, ivars });
    }
    const cached = transientCache.get(k);
    if (cached !== undefined && cached.key === key) return cached.skip;
    const skip = new Map<number, Set<number>>();
    for (const { index, names, ivars } of found) {
      const slots = new Set<number>();
      for (let i = 0; i < slotCount(m, names); i++) {
        if (slotTag(m, names, i) === TAG_PTR && ivars.includes(k.textOf(slotPointer(m, names, i)))) slots.add(i);
      }
      skip.set(index, slots);
    }
    transientCache.set(k, { key, skip });
    return skip;
  }

  private mix(n: number): void {
    this.h1 = Math.imul(this.h1 ^ n, 0x01000193);
    this.h2 = Math.imul(this.h2 ^ (n >>> 7), 0x5bd1e995) ^ (this.h2 >>> 13);
  }

  read(): string | null {
    const k = this.k, m = this.m, st = m.store, c32 = st.cells32, tags = st.tags;
    const roots = k.roots >> 3;
    for (const r of [ROOTS.LOG, ROOTS.MARKS, ROOTS.NEXT_CLASS, ROOTS.GLOBALS]) {
      this.mix(tags[roots + r]);
      this.mix(c32[2 * (roots + r)]);
      this.mix(c32[2 * (roots + r) + 1]);
    }
    // The cells are read as 32-bit halves (no BigInt made per cell: this runs after every
    // statement). A pointer's address is its low half (the machine's memory is below 4 GB).
    const guard = walkGuard(k, 'the globals');
    const nil = k.nil, last = this.lastResult;
    for (let b = slotPointer(m, k.roots, ROOTS.GLOBALS); b >= 0 && b !== nil && guard(); b = this.pointerAt((b >> 3) + BINDING.NEXT)) {
      const v = (b >> 3) + BINDING.VALUE;
      // Undeclared: a binding whose value is itself.
      if (this.pointerAt((b >> 3) + BINDING.NAME) === last || this.pointerAt(v) === b) continue;
      this.mix(b);
      if (!this.value(v)) return null;
    }
    return `${(this.h1 >>> 0).toString(16)}${(this.h2 >>> 0).toString(16)}`;
  }

  /** The address in cell c when it holds a pointer, else -1. */
  private pointerAt(c: number): number {
    const st = this.m.store;
    return st.tags[c] === TAG_PTR && st.cells32[2 * c + 1] === 0 ? st.cells32[2 * c] >>> 0 : -1;
  }

  /** Mix in the value in cell c (an object it points at, read through). False when over the limit. */
  private value(c: number): boolean {
    const st = this.m.store;
    const tag = st.tags[c];
    this.mix(tag);
    const lo = st.cells32[2 * c], hi = st.cells32[2 * c + 1];
    if (tag !== TAG_PTR || hi !== 0) {
      this.mix(lo);
      this.mix(hi);
      return true;
    }
    return this.object(lo >>> 0);
  }

  /** Kernel.isBehaviour, with the class table read once. */
  private isBehaviour(p: number): boolean {
    const m = this.m;
    if (slotCount(m, p) !== BEHAVIOUR.SIZE || slotTag(m, p, BEHAVIOUR.INDEX) !== TAG_NUM) return false;
    const c = (p >> 3) + BEHAVIOUR.INDEX, c32 = m.store.cells32;
    if (c32[2 * c + 1] !== 0) return false;
    const i = c32[2 * c];
    return i > 0 && i < this.classes && this.pointerAt((this.table >> 3) + i) === p;
  }

  private object(p: number): boolean {
    const m = this.m, k = this.k;
    const seen = this.met.get(p);
    if (seen !== undefined) { this.mix(0x5eed); this.mix(seen); return true; }
    if (!isObject(m, p)) { this.mix(p); return true; }
    const index = classIndexOf(m, p);
    // Taken by identity: nil and the booleans, classes, Symbols, code (none of them moves).
    if (p === k.nil || p === k.true || p === k.false || isSymbolClass(index) || formatOf(m, p) === FORMAT_CODE || this.isBehaviour(p)) {
      this.mix(p);
      return true;
    }
    this.met.set(p, this.met.size);
    this.mix(index);
    const n = slotCount(m, p);
    this.mix(n);
    this.cells += n + 1;
    if (this.cells > LIMIT) return false;
    const skip = this.skip.get(index);
    const c = p >> 3;
    for (let i = 0; i < n; i++) {
      if (skip?.has(i)) { this.mix(0x7a5e); continue; }
      if (!this.value(c + i)) return false;
    }
    return true;
  }
}
