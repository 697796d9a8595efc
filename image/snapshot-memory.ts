/*
 * An actor's worker opens snapshot after snapshot (image/snapshot.ts) into the same memory: a
 * machine's WebAssembly.Memory, which openSnapshot needs to read 0 wherever the snapshot does
 * not write. Clearing all of it after each actor (28 MB for the base image) took a core 3-5 ms,
 * just when the spawner's next actors were starting on the same two cores. Instead, after an
 * actor (releaseMemory), only what its machine may have written outside the snapshot's own
 * cells is cleared: the cells and tags above the snapshot's tops up to the highest each space
 * reached, the code maps of every code object, the cards and the registers. What the snapshot
 * wrote is left (the residue): the next open writes its own snapshot's cells over it, and
 * reuseMemory clears only the part of it that the next snapshot does not cover (its tops may
 * be lower). After a major collection, or when memory grew or its layout moved, the whole
 * memory is cleared as before.
 */
import { STATE_BYTES } from '../kernel/machine/cells.ts';
import { Machine } from '../kernel/machine/machine.ts';
import type { Kernel } from '../kernel/objects/kernel.ts';
import { snapshotCells, snapshotMachineOptions, type Snapshot } from './snapshot.ts';

/** The cells [lo, hi) a reused memory may still hold (non-zero) from the last snapshot opened in it, by space. */
export interface Residue {
  readonly geometry: Snapshot['machine'];
  /** The memory's byte length and the code maps' cells, as they were when it was opened. */
  readonly bytes: number;
  readonly mapCells: number;
  readonly ranges: readonly (readonly [number, number])[];
}

/** A memory for the next snapshot: it reads 0 throughout (residue null), or but for the residue. */
export interface Reusable {
  readonly memory: WebAssembly.Memory;
  readonly residue: Residue | null;
}

/** What releaseMemory compares: the memory as the snapshot was opened in it (take it right after openSnapshot). */
export interface OpenedShape {
  readonly bytes: number;
  readonly mapCells: number;
}

export function openedShape(kernel: Kernel): OpenedShape {
  const st = kernel.machine.store;
  return { bytes: st.memory.buffer.byteLength, mapCells: st.mapCells };
}

/** The cells a snapshot writes when it is opened: [first, end) pairs. */
const written = snapshotCells;

/** Zero cells [lo, hi) and their tags in a memory laid out for `cells` cells. */
function zeroCells(u8: Uint8Array, cells: number, lo: number, hi: number): void {
  if (hi <= lo) return;
  u8.fill(0, STATE_BYTES + 8 * lo, STATE_BYTES + 8 * hi);
  u8.fill(0, STATE_BYTES + 8 * cells + lo, STATE_BYTES + 8 * cells + hi);
}

/**
 * After the actor that ran in `kernel` (opened from `opened`, its memory then `shape`): its
 * memory, cleared for the next snapshot but for the residue. The kernel is not used again.
 */
export function releaseMemory(kernel: Kernel, opened: Snapshot, shape: OpenedShape): Reusable {
  const m = kernel.machine, heap = kernel.heap, st = m.store, g = opened.machine;
  const memory = st.memory;
  const same = heap.stats.majorCollections === 0 && heap.stats.grows === 0 && st.cellCount === g.cells && m.fixedHi === g.fixedHi
    && st.mapCells === shape.mapCells && memory.buffer.byteLength === shape.bytes;
  if (!same) return { memory: Machine.preparedMemory(snapshotMachineOptions(g), memory), residue: null };
  // The code maps: every code object's cells (those forgotten were cleared when they were).
  const codeStart = st.codeStart, cacheIndex = st.cacheIndex, C32 = st.cells32, lo = m.fixedLo;
  m.forEachCode((h) => {
    const end = h + 2 + (C32[2 * h] >>> 0) - lo;
    codeStart.fill(0, h - lo, end);
    cacheIndex.fill(0, h - lo, end);
  });
  const u8 = new Uint8Array(memory.buffer);
  // Above the snapshot's tops, what the actor allocated: the fixed space to the highest its top
  // was, the old space to its top (it only comes down in a major collection), the nursery to
  // its top, or all of it once a minor collection has emptied it.
  const h = opened.heap;
  zeroCells(u8, g.cells, h.fixedTop, heap.fixedHigh);
  zeroCells(u8, g.cells, h.oldTop, heap.oldTop);
  zeroCells(u8, g.cells, h.nurseryTop, heap.stats.minorCollections > 0 ? heap.nurseryEnd : heap.nurseryTop);
  st.cards.fill(0);
  st.state8.fill(0);
  return { memory, residue: { geometry: g, bytes: shape.bytes, mapCells: shape.mapCells, ranges: written(opened) } };
}

/**
 * The memory of `r`, reading 0 wherever `next` does not write when it is opened in it
 * (openSnapshot's `memory`): the residue the next snapshot does not cover is cleared, or the
 * whole memory when the next snapshot's machine is laid out otherwise.
 */
export function reuseMemory(r: Reusable, next: Snapshot): WebAssembly.Memory {
  const res = r.residue;
  if (res === null) return r.memory;
  const g = next.machine, was = res.geometry;
  const u8 = new Uint8Array(r.memory.buffer);
  if (g.cells !== was.cells || g.lowCells !== was.lowCells || g.fixedHi !== was.fixedHi || g.stackCells !== was.stackCells
    || r.memory.buffer.byteLength !== res.bytes) {
    u8.fill(0);
    return r.memory;
  }
  const covered = written(next);
  for (const [lo, hi] of res.ranges) {
    // [lo, hi) less what the next snapshot writes.
    let at = lo;
    for (const [a, b] of covered.filter(([a, b]) => b > lo && a < hi).sort((x, y) => x[0] - y[0])) {
      if (a > at) zeroCells(u8, was.cells, at, Math.min(a, hi));
      at = Math.max(at, b);
    }
    if (at < hi) zeroCells(u8, was.cells, at, hi);
  }
  return r.memory;
}
