/*
 * A snapshot of a live heap in memory, for another thread of this process to open (an actor's
 * worker, src/system/actor-service.ts): the bytes an image file would hold, in one
 * ArrayBuffer that postMessage can transfer without a copy, beside what an open would have
 * to find again by walking the heap (the fixed space's free chunks, its code objects, the
 * process stacks, the symbols, the write barrier's cards), taken from the live structures.
 *
 * An image file is checked through and through when it is opened (validate.ts), because it
 * comes from outside. A snapshot never leaves the process that took it: it is the heap of a
 * running system, between two instructions, copied by this module and handed to a thread
 * of the same program, so openSnapshot trusts it as the running system trusts its own heap,
 * and does no walk. That is most of what makes a spawn cheap (an open of a file: read and
 * CRC about 150 ms, the walk 130 ms; a snapshot: a copy of a few megabytes each way).
 */
import { TAG_PTR } from '../kernel/machine/cells.ts';
import { Machine, type MachineOptions } from '../kernel/machine/machine.ts';
import { Heap } from '../kernel/memory/heap.ts';
import { Kernel } from '../kernel/objects/kernel.ts';
import { slotPointer } from '../kernel/objects/access.ts';
import { ROOTS } from '../kernel/objects/layout.ts';
import type { PackedSymbols } from '../kernel/objects/symbols.ts';
import { expectedSegments } from './validate.ts';

/** A heap copied out of a running system: structured-clonable (its bytes shared or transferred). */
export interface Snapshot {
  readonly machine: { readonly cells: number; readonly lowCells: number; readonly fixedHi: number; readonly stackCells: number };
  readonly heap: {
    readonly fixedTop: number; readonly oldTop: number; readonly oldEnd: number; readonly nurseryLo: number; readonly nurseryTop: number;
    readonly nurseryCells: number; readonly maxCells: number; readonly largeObjectCells: number; readonly growthFactor: number;
  };
  readonly roots: number;
  /** The cells copied: [first, count] pairs (low memory, fixed, old, nursery). */
  readonly segments: Int32Array;
  /** From byte 0: each segment's cells (8 bytes a cell), then each segment's tags (a byte a cell). */
  readonly bytes: ArrayBuffer | SharedArrayBuffer;
  /** The card table (which old cells may point into the nursery). */
  readonly cards: Uint8Array;
  /**
   * Code objects after the machine's own: [header cell, byte length, cache index] triples. The
   * opener gives each the spawner's cache index (its slot in the translating tier's table), so
   * that a translation made in the opened machine has the bytes it has in the spawner and in
   * every other machine opened from a snapshot of the same image (kernel/machine/wasm/tier.ts
   * keeps compiled modules by their bytes).
   */
  readonly code: Int32Array;
  /** Free chunks of the fixed space: [header cell, cells] pairs. */
  readonly free: Int32Array;
  /** Stack objects other than the machine's own (processes'): header cells. */
  readonly stacks: Int32Array;
  /** The symbol table, packed (kernel/objects/symbols.ts): the opener searches it in place. */
  readonly symbols: PackedSymbols;
}

/**
 * Where takeSnapshot gathers the code objects and the free chunks before it copies them out
 * (kept: JavaScript arrays pushed a number at a time allocated some 350 KB a spawn).
 */
let gather = new Int32Array(1 << 14);
let gathered = 0;
function put(x: number): void {
  if (gathered === gather.length) {
    const more = new Int32Array(2 * gather.length);
    more.set(gather);
    gather = more;
  }
  gather[gathered++] = x;
}

/**
 * The code triples of a snapshot (Snapshot.code) of a machine, kept while its set of code
 * objects is the same (Machine.codeChanges): listing ~3,500 code objects took a third of a
 * millisecond of every spawn, and most spawns follow one with the same code.
 */
const codeLists = new WeakMap<Machine, { readonly changes: number; readonly code: Int32Array }>();

function codeList(kernel: Kernel): Int32Array {
  const m = kernel.machine;
  const kept = codeLists.get(m);
  if (kept && kept.changes === m.codeChanges) return kept.code;
  gathered = 0;
  m.forEachCode((h, byteLength, index) => { if (h >= m.fixedBoot) { put(h); put(byteLength); put(index); } });
  const code = gather.slice(0, gathered);
  codeLists.set(m, { changes: m.codeChanges, code });
  return code;
}

/** The bytes a snapshot of `kernel`'s heap takes now (the size of Snapshot.bytes). */
export function snapshotBytes(kernel: Kernel): number {
  let cells = 0;
  for (const s of segmentsOf(kernel)) cells += s.cells;
  return 9 * cells;
}

function segmentsOf(kernel: Kernel): { first: number; cells: number }[] {
  const m = kernel.machine, heap = kernel.heap;
  return expectedSegments(m.lowCells, heap.fixedTop, m.fixedHi, heap.oldTop, heap.nurseryLo, heap.nurseryTop);
}

/**
 * Copy `kernel`'s heap out (nothing is collected, nothing changes), into `bytes` (at least
 * snapshotBytes long; a new ArrayBuffer when not given).
 */
export function takeSnapshot(kernel: Kernel, bytes?: ArrayBuffer | SharedArrayBuffer): Snapshot {
  const m = kernel.machine, heap = kernel.heap, st = m.store;
  const segs = segmentsOf(kernel);
  const need = snapshotBytes(kernel);
  const buffer = bytes ?? new ArrayBuffer(need);
  if (buffer.byteLength < need) throw new RangeError(`a snapshot needs ${need} bytes, not ${buffer.byteLength}`);
  const out = new Uint8Array(buffer, 0, need);
  const segments = new Int32Array(2 * segs.length);
  let at = 0;
  segs.forEach((s, i) => {
    segments[2 * i] = s.first;
    segments[2 * i + 1] = s.cells;
    out.set(st.bytes.subarray(8 * s.first, 8 * (s.first + s.cells)), at);
    at += 8 * s.cells;
  });
  for (const s of segs) {
    out.set(st.tags.subarray(s.first, s.first + s.cells), at);
    at += s.cells;
  }
  const code = codeList(kernel);
  gathered = 0;
  heap.forEachFreeChunk((h, n) => { put(h); put(n); });
  const free = gather.slice(0, gathered);
  return {
    machine: snapshotGeometry(kernel),
    heap: {
      fixedTop: heap.fixedTop, oldTop: heap.oldTop, oldEnd: heap.oldEnd, nurseryLo: heap.nurseryLo, nurseryTop: heap.nurseryTop,
      nurseryCells: heap.nurseryCells, maxCells: heap.maxCells, largeObjectCells: heap.largeObjectCells, growthFactor: heap.growthFactor,
    },
    roots: kernel.roots,
    segments,
    bytes: buffer,
    cards: st.cards.slice(),
    code,
    free,
    stacks: Int32Array.from(heap.stacks.filter((h) => h !== (m.homeStackLo >> 3) - 1)),
    symbols: kernel.symbols.packed(),
  };
}

/** The geometry of the machine a snapshot of `kernel` opens into (for preparing its memory). */
export function snapshotGeometry(kernel: Kernel): Snapshot['machine'] {
  const m = kernel.machine;
  return { cells: m.store.cellCount, lowCells: m.lowCells, fixedHi: m.fixedHi, stackCells: (m.homeStackHi - m.homeStackLo) / 8 };
}

/** The options of the machine a snapshot of this geometry opens into. */
export function snapshotMachineOptions(g: Snapshot['machine'], interrupt?: Int32Array): MachineOptions {
  return { cells: g.cells, lowCells: g.lowCells, fixedCells: g.fixedHi - g.lowCells, stackCells: g.stackCells, ...(interrupt && { interrupt }) };
}

/**
 * A kernel over a copy of the snapshot's heap, in a new machine; nothing runs. `memory`: a
 * prepared memory for the machine (Machine.preparedMemory), reading 0 throughout.
 */
export function openSnapshot(s: Snapshot, options: { readonly interrupt?: Int32Array; readonly memory?: WebAssembly.Memory } = {}): Kernel {
  const hp = s.heap;
  const machine = new Machine({ ...snapshotMachineOptions(s.machine, options.interrupt), ...(options.memory && { memory: options.memory }) });
  const heap = new Heap(machine, { nurseryCells: hp.nurseryCells, maxCells: hp.maxCells, largeObjectCells: hp.largeObjectCells, growthFactor: hp.growthFactor });
  const st = machine.store;
  const from = new Uint8Array(s.bytes);
  let at = 0;
  for (let i = 0; i < s.segments.length; i += 2) {
    const first = s.segments[i], n = s.segments[i + 1];
    st.bytes.set(from.subarray(at, at + 8 * n), 8 * first);
    at += 8 * n;
  }
  for (let i = 0; i < s.segments.length; i += 2) {
    const first = s.segments[i], n = s.segments[i + 1];
    st.tags.set(from.subarray(at, at + n), first);
    at += n;
  }
  st.cards.set(s.cards.subarray(0, st.cards.length));
  for (let i = 0; i < s.code.length; i += 3) machine.adoptCode(s.code[i], st.cells32[2 * s.code[i]], s.code[i + 1], s.code[i + 2]);
  machine.adoptCodeIndexes();
  heap.fixedTop = hp.fixedTop;
  heap.oldTop = hp.oldTop;
  heap.oldEnd = hp.oldEnd;
  heap.nurseryLo = hp.nurseryLo;
  heap.nurseryTop = hp.nurseryTop;
  heap.nurseryEnd = st.cellCount;
  heap.clearFreeLists();
  for (let i = 0; i < s.free.length; i += 2) heap.addFreeChunk(s.free[i], s.free[i + 1]);
  heap.fill = { value: BigInt(slotPointer(machine, s.roots, ROOTS.NIL)), tag: TAG_PTR };
  for (const h of s.stacks) heap.stacks.push(h);
  const kernel = new Kernel(machine, heap, s.roots);
  kernel.symbols.adoptPacked(s.symbols);
  return kernel;
}
