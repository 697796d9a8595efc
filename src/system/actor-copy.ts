/*
 * Messages between actors (issue 14; DESIGN.md section 8): an object graph copied out of one
 * heap into a plain, structured-clonable Graph, and built again in another. Nothing is shared:
 * the receiver gets new objects, and the sender's objects that went are poisoned (their header
 * cell takes the machine's POISON tag, so any later access by the sender is a Poisoned fault).
 *
 * What crosses, and how:
 *   numbers, nil, true, false         as themselves
 *   Symbols                           by name (interned in the receiver)
 *   classes and metaclasses           by name (the receiver started from the same image)
 *   Characters                        by code point
 *   any other object of a class       copied: its class by name, its shape, its slots
 *     (Arrays, Strings, collections,  (pointers by reference inside the graph, so shared
 *      LargeIntegers, user objects)   parts and cycles arrive as they were)
 * What is refused, with the reason, before anything is poisoned: code (compiled methods,
 * blocks, code objects and addresses), contexts and stacks, processes, semaphores and actors,
 * and the Memory, CPU, ALU and VM objects (the machine's capabilities).
 */
import { CARD_SHIFT, CARD_WRITTEN, FORMAT_CODE, FORMAT_POINTERS, TAG_CODE, TAG_HDR, TAG_NUM, TAG_POISON, TAG_PTR, TAG_STACK } from '../../kernel/machine/cells.ts';
import { classIndexOf, isObject, setSlot, setSlotPointer, slotPointer } from '../../kernel/objects/access.ts';
import { behaviourIndex, behaviourName } from '../../kernel/objects/classes.ts';
import type { Kernel } from '../../kernel/objects/kernel.ts';
import { CLASS, isSymbolClass } from '../../kernel/objects/layout.ts';

/** A reference: a number, a constant, a name, or an object of the graph by its index. */
export type Ref =
  | readonly ['n', bigint]
  | readonly ['nil'] | readonly ['true'] | readonly ['false']
  | readonly ['sym', string]
  | readonly ['cls', string]
  | readonly ['chr', number]
  | readonly ['obj', number];

export interface GraphObject {
  /** The class's name. */
  readonly cls: string;
  /** The header's low 15 bits of its high word: format, pad, flags. */
  readonly shape: number;
  readonly size: number;
  /** Pointer objects: each slot; others: the raw cells. */
  readonly slots?: readonly Ref[];
  readonly raw?: BigInt64Array;
}

export interface Graph {
  readonly root: Ref;
  readonly objects: readonly GraphObject[];
}

/** Classes whose instances never cross (beside code, which is refused by its format). */
const REFUSED_CLASSES = new Set(['CompiledMethod', 'BlockClosure', 'Context', 'MethodContext', 'Process', 'ProcessorScheduler', 'Semaphore', 'Actor', 'MethodEntry', 'CodeObject', 'MachineStack', 'Threaded', 'SendSite', 'KernelRoots', 'Mark', 'Binding', 'LogEntry', 'Delay', 'SharedQueue']);
const CAPABILITIES = new Set(['Memory', 'CPU', 'ALU', 'VM']);

const HIGH = (m: Kernel['machine'], p: number): number => m.store.cells32[2 * ((p >> 3) - 1) + 1];

/**
 * The graph reachable from (value, tag), or a String saying what cannot cross. `sent` gets
 * every object copied (to be poisoned when the message has gone).
 */
export function encodeGraph(k: Kernel, value: bigint, tag: number, sent: number[] = []): Graph | string {
  const m = k.machine;
  const index = new Map<number, number>();
  const objects: GraphObject[] = [];
  const pending: number[] = [];
  const refOf = (v: bigint, t: number): Ref | string => {
    if (t === TAG_NUM) return ['n', v];
    if (t === TAG_CODE) return 'code (a return address) cannot be sent to an actor';
    if (t === TAG_STACK) return 'a stack address cannot be sent to an actor';
    if (t === TAG_POISON) return 'an object already sent to another actor cannot be sent again';
    if (t !== TAG_PTR) return 'that value cannot be sent to an actor';
    const p = Number(v);
    if (p === k.nil) return ['nil'];
    if (p === k.true) return ['true'];
    if (p === k.false) return ['false'];
    if (m.store.tags[(p >> 3) - 1] === TAG_POISON) return 'an object already sent to another actor cannot be sent again';
    if (!isObject(m, p)) return 'that value cannot be sent to an actor';
    const ci = classIndexOf(m, p);
    if (k.isBehaviour(p)) {
      const name = behaviourName(k, p);
      if (CAPABILITIES.has(name)) return `${name} (a capability of the machine) cannot be sent to an actor`;
      return ['cls', name];
    }
    if (isSymbolClass(ci)) return ['sym', k.textOf(p)];
    if (ci === CLASS.Character) return ['chr', Number(m.store.cells[p >> 3])];
    const known = index.get(p);
    if (known !== undefined) return ['obj', known];
    const cls = k.behaviour(ci);
    const name = cls >= 0 ? behaviourName(k, cls) : '(unnamed)';
    if (CAPABILITIES.has(name)) return `${name} (a capability of the machine) cannot be sent to an actor`;
    if ((HIGH(m, p) & 0xf) === FORMAT_CODE) return 'code cannot be sent to an actor';
    if (REFUSED_CLASSES.has(name)) return `${article(name)} cannot be sent to an actor`;
    if (cls < 0 || name === '(unnamed)') return 'an object of no class cannot be sent to an actor';
    const i = objects.length;
    index.set(p, i);
    objects.push(null as unknown as GraphObject);
    pending.push(p);
    return ['obj', i];
  };
  const root = refOf(value, tag);
  if (typeof root === 'string') return root;
  for (let n = 0; n < pending.length; n++) {
    const p = pending[n];
    const h = (p >> 3) - 1;
    const high = HIGH(m, p);
    const size = m.store.cells32[2 * h] >>> 0;
    const cls = behaviourName(k, k.behaviour(high >>> 15));
    if ((high & 0xf) === FORMAT_POINTERS) {
      const slots: Ref[] = new Array(size);
      for (let i = 0; i < size; i++) {
        const c = (p >> 3) + i;
        const r = refOf(m.store.cells[c], m.store.tags[c]);
        if (typeof r === 'string') return r;
        slots[i] = r;
      }
      objects[index.get(p)!] = { cls, shape: high & 0x7fff, size, slots };
    } else {
      const raw = m.store.cells.slice(p >> 3, (p >> 3) + size);
      objects[index.get(p)!] = { cls, shape: high & 0x7fff, size, raw };
    }
  }
  sent.push(...pending);
  return { root, objects };
}

function article(name: string): string {
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

/** What each sending poisoned (by serial number), for the fault's message; the newest few thousand. */
const notes = new Map<number, { readonly whats: readonly string[]; readonly where: string }>();
let serial = 0;
const MAX_NOTES = 4096;
/** The first slot of a poisoned object: serial * PART + its place among the objects sent. */
const PART = 1n << 20n;
/** The objects of one sending described each as itself (the first ones: the thing sent, its direct parts); the rest are parts of the first. */
const DESCRIBED = 8;

/**
 * Poison what was sent: each object's header takes the POISON tag, so no program can read it
 * again; its first slot, unreadable now, keeps the serial number of a note saying what was
 * sent and where, and which of the objects sent it was (poisonNote), for the Poisoned fault's
 * message. The graph lists the thing sent first, then its parts, nearest first (so
 * spawnWith:'s argument, which travels in an Array, is the second, and described as itself).
 */
export function poison(k: Kernel, sent: readonly number[], where: string): void {
  if (sent.length === 0) return;
  const m = k.machine;
  const T = m.store.tags;
  const n = ++serial;
  notes.set(n, { whats: sent.slice(0, DESCRIBED).map((p) => k.describe({ value: BigInt(p), tag: TAG_PTR })), where });
  if (notes.size > MAX_NOTES) notes.delete(notes.keys().next().value!);
  const K = m.store.cards;
  sent.forEach((p, i) => {
    const h = (p >> 3) - 1;
    if (T[h] !== TAG_HDR) return;
    if ((m.store.cells32[2 * h] >>> 0) > 0) { m.store.cells[p >> 3] = BigInt(n) * PART + BigInt(Math.min(i, Number(PART) - 1)); T[p >> 3] = TAG_NUM; }
    T[h] = TAG_POISON;
    // Written: a snapshot taken as what changed since an earlier one sends these cells (image/snapshot.ts).
    K[h >> CARD_SHIFT] |= CARD_WRITTEN;
    K[(p >> 3) >> CARD_SHIFT] |= CARD_WRITTEN;
  });
}

/** What was sent, for a Poisoned fault's message naming the poisoned object's address (0x...); null if unknown. */
export function poisonNote(k: Kernel, message: string): string | null {
  const hit = /the object at 0x([0-9a-f]+)/.exec(message);
  if (!hit) return null;
  const p = parseInt(hit[1], 16);
  const m = k.machine;
  const h = (p >> 3) - 1;
  if (h < 0 || h >= m.store.cellCount || m.store.tags[h] !== TAG_POISON || (m.store.cells32[2 * h] >>> 0) === 0) return null;
  const first = m.store.cells[p >> 3];
  const note = notes.get(Number(first / PART));
  if (!note) return null;
  const i = Number(first % PART);
  return `${i < note.whats.length ? note.whats[i] : `part of ${note.whats[0]}`}, ${note.where}`;
}

/** Build `g` in `k`'s heap: the value (a pointer is held by nothing: use it before allocating), or why not. */
export function decodeGraph(k: Kernel, g: Graph): { value: bigint; tag: number } | string {
  const m = k.machine;
  // Every new object is held by one Array (a root) while the others are made: the collector may move them.
  const n = g.objects.length;
  let holder = -1;
  let root = -1;
  if (n > 0) {
    holder = k.heap.allocate(n, FORMAT_POINTERS, CLASS.Array, BigInt(k.nil), TAG_PTR);
    if (holder < 0) return 'out of memory receiving a message';
    root = k.heap.roots.add(BigInt(holder), TAG_PTR);
  }
  try {
    for (let i = 0; i < n; i++) {
      const o = g.objects[i];
      const cls = classNamed(k, o.cls);
      if (cls < 0) return `the class ${o.cls} is not defined in the receiving actor`;
      const format = o.shape & 0xf;
      const p = k.heap.allocate(o.size, format, behaviourIndex(k, cls), BigInt(k.nil), TAG_PTR);
      if (p < 0) return 'out of memory receiving a message';
      const high = m.store.cells32;
      const h = (p >> 3) - 1;
      high[2 * h + 1] = (high[2 * h + 1] & ~0x7fff) | (o.shape & 0x7fff);
      if (o.raw) {
        m.store.cells.set(o.raw, p >> 3);
        m.store.tags.fill(TAG_NUM, p >> 3, (p >> 3) + o.size);
      }
      holder = Number(k.heap.roots.value(root));
      setSlotPointer(m, holder, i, p);
    }
    holder = root >= 0 ? Number(k.heap.roots.value(root)) : -1;
    const at = (r: Ref): { value: bigint; tag: number } | string => {
      switch (r[0]) {
        case 'n': return { value: r[1], tag: TAG_NUM };
        case 'nil': return { value: BigInt(k.nil), tag: TAG_PTR };
        case 'true': return { value: BigInt(k.true), tag: TAG_PTR };
        case 'false': return { value: BigInt(k.false), tag: TAG_PTR };
        case 'obj': return { value: BigInt(slotPointer(m, holder, r[1])), tag: TAG_PTR };
        case 'cls': {
          const c = classNamed(k, r[1]);
          return c < 0 ? `the class ${r[1]} is not defined in the receiving actor` : { value: BigInt(c), tag: TAG_PTR };
        }
        case 'chr': {
          const c = k.character(r[1]);
          return c < 0 ? 'out of memory receiving a message' : { value: BigInt(c), tag: TAG_PTR };
        }
        case 'sym': {
          const s = k.symbols.intern(r[1]);
          return s < 0 ? 'out of memory receiving a message' : { value: BigInt(s), tag: TAG_PTR };
        }
      }
    };
    // Symbols and characters beyond the first 256 may allocate: make them before the slots are filled.
    for (let i = 0; i < n; i++) {
      const o = g.objects[i];
      if (!o.slots) continue;
      for (let j = 0; j < o.slots.length; j++) {
        const v = at(o.slots[j]);
        if (typeof v === 'string') return v;
        holder = Number(k.heap.roots.value(root));
        setSlot(m, slotPointer(m, holder, i), j, v.value, v.tag);
      }
    }
    return at(g.root);
  } finally {
    if (root >= 0) k.heap.roots.release(root);
  }
}

/** A class or metaclass by name ('Foo', 'Foo class'), or -1. */
function classNamed(k: Kernel, name: string): number {
  if (name.endsWith(' class')) {
    const base = k.behaviourNamed(name.slice(0, -' class'.length));
    return base < 0 ? -1 : k.behaviour(classIndexOf(k.machine, base));
  }
  return k.behaviourNamed(name);
}
