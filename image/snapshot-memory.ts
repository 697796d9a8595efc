/*
 * An actor's worker opens snapshot after snapshot (image/snapshot.ts) into the same memory: a
 * machine's WebAssembly.Memory, which openSnapshot needs to read 0 wherever the snapshot does
 * not write. Clearing all of it after each actor (28 MB for the base image) took a core 3-5 ms,
 * just when the spawner's next actors were starting on the same two cores. Instead, after an
 * actor (releaseMemory), only what its machine may have written outside the snapshot's own
 * cells is cleared: the cells and tags above the snapshot's tops up to the highest each space
 * reached, the cards and the registers. What the snapshot wrote is left (the residue): the
 * next open writes its own snapshot's cells over it, and reuseMemory clears only the part of
 * it that the next snapshot does not cover (its tops may be lower). After a major collection,
 * or when memory grew or its layout moved, the whole memory is cleared as before.
 *
 * The code maps (which cell starts which code object, and its cache index: 5,500 code objects
 * of the base image, a fill for each) are left too, but for those of code objects the actor
 * compiled: they are then exactly those of the snapshot's list of code objects, and the next
 * snapshot, when it comes with the same list (the spawner sends a list only when it changed),
 * is opened without writing them again (holdsMaps; openSnapshot mapsInPlace). Else they are
 * cleared before the next open.
 */
import { CARD_SHIFT, CARD_WRITTEN, mapsOffset, STATE_BYTES } from '../kernel/machine/cells.ts';
import { Machine } from '../kernel/machine/machine.ts';
import type { Kernel } from '../kernel/objects/kernel.ts';
import { snapshotCells, snapshotChecks, snapshotMachineOptions, type Snapshot } from './snapshot.ts';

/** The cells [lo, hi) a reused memory may still hold (non-zero) from the last snapshot opened in it, by space. */
export interface Residue {
  readonly geometry: Snapshot['machine'];
  /** The memory's byte length and the code maps' cells, as they were when it was opened. */
  readonly bytes: number;
  readonly mapCells: number;
  readonly ranges: readonly (readonly [number, number])[];
  /** The list of code objects (Snapshot.code) whose code maps the memory holds, else null (they read 0). */
  readonly maps: Snapshot['code'] | null;
}

/** A memory for the next snapshot: it reads 0 throughout (residue null), or but for the residue. */
export interface Reusable {
  readonly memory: WebAssembly.Memory;
  readonly residue: Residue | null;
  /** The id of the whole snapshot whose fixed space the memory holds as it was (restoreBase), if any. */
  readonly holds?: number;
  /**
   * The fixed space's cells the last machine in it and its snapshot may have changed, [first,
   * end) pairs, where they are known (releaseMemory: from the cards the machine marked written,
   * Machine.hostWrites); else all of it may have changed (restoreBase compares it all).
   */
  readonly changed?: readonly (readonly [number, number])[] | null;
}

/**
 * An opener's own copy of a base's fixed space (the cells of a whole snapshot's fixed segment,
 * then their tags), kept by the base's id (Snapshot.id): after an actor, restoreBase puts its
 * cells back where the actor or its snapshot changed them, so that the next snapshot of
 * changes since the same base is opened by copying only its own cells (openSnapshot
 * baseInPlace), a few hundred kilobytes instead of the 6 MB of the base's fixed space.
 */
export interface BaseCopy {
  readonly id: number;
  readonly first: number;
  readonly cells: number;
  readonly bytes: Uint8Array;
}

/** Which segment of a whole snapshot is the fixed space (validate.ts expectedSegments). */
const FIXED_SEGMENT = 1;

/**
 * The copy of the base `s` is opened over (itself when whole): `kept` when it is of that base
 * already, else a new one, copied out of the base's bytes (take it while they are held).
 */
export function baseCopy(s: Snapshot, kept: BaseCopy | null): BaseCopy {
  const id = s.base ? s.base.id : s.id;
  if (kept && kept.id === id) return kept;
  const segs = s.base ? s.base.segments : s.segments;
  const from = new Uint8Array(s.base ? s.base.bytes : s.bytes);
  let total = 0, before = 0;
  for (let i = 1; i < segs.length; i += 2) total += segs[i];
  for (let i = 1; i < 2 * FIXED_SEGMENT; i += 2) before += segs[i];
  const first = segs[2 * FIXED_SEGMENT], cells = segs[2 * FIXED_SEGMENT + 1];
  const bytes = new Uint8Array(9 * cells);
  bytes.set(from.subarray(8 * before, 8 * (before + cells)), 0);
  bytes.set(from.subarray(8 * total + before, 8 * total + before + cells), 8 * cells);
  return { id, first, cells, bytes };
}

/**
 * Whether `r`'s code maps are those of `next`'s code objects (openSnapshot need not write
 * them): the last snapshot opened in it came with the same list. Ask before reuseMemory.
 */
export function holdsMaps(r: Reusable | null, next: Snapshot): boolean {
  return r !== null && r.residue !== null && r.residue.maps !== null && r.residue.maps === next.code;
}

/** Whether `r` holds the fixed space of `next`'s base as it was (openSnapshot need not copy it). */
export function holdsBase(r: Reusable | null, next: Snapshot): boolean {
  return r !== null && r.residue !== null && next.base !== null && r.holds === next.base.id;
}

/** Cells compared at once when a base is put back (a power of two). */
const RESTORE_CELLS = 4096;

/**
 * After releaseMemory: the memory with the base's fixed space as `copy` holds it, where the
 * actor or the snapshot opened in it changed it (compared a block at a time, differing blocks
 * copied back): only the blocks of what they may have changed, where releaseMemory knew it
 * (Reusable.changed), else all. A memory cleared throughout (residue null) is left so.
 */
export function restoreBase(r: Reusable, copy: BaseCopy): Reusable {
  const res = r.residue;
  if (res === null || copy.first + copy.cells > res.geometry.fixedHi) return r;
  const n = res.geometry.cells;
  const mem = Buffer.from(r.memory.buffer);
  const kept = Buffer.from(copy.bytes.buffer, copy.bytes.byteOffset, copy.bytes.byteLength);
  const cellAt = (c: number): number => STATE_BYTES + 8 * c, tagAt = (c: number): number => STATE_BYTES + 8 * n + c;
  const keptCell = (c: number): number => 8 * (c - copy.first), keptTag = (c: number): number => 8 * copy.cells + c - copy.first;
  const end = copy.first + copy.cells;
  const restore = (lo: number, hi: number): void => {
    for (let a = Math.max(lo, copy.first); a < Math.min(hi, end);) {
      const b = Math.min(hi, end, (Math.floor(a / RESTORE_CELLS) + 1) * RESTORE_CELLS);
      if (mem.compare(kept, keptCell(a), keptCell(b), cellAt(a), cellAt(b)) !== 0) kept.copy(mem, cellAt(a), keptCell(a), keptCell(b));
      if (mem.compare(kept, keptTag(a), keptTag(b), tagAt(a), tagAt(b)) !== 0) kept.copy(mem, tagAt(a), keptTag(a), keptTag(b));
      a = b;
    }
  };
  if (r.changed) for (const [a, b] of r.changed) restore(a, b);
  else restore(copy.first, end);
  if (r.changed && snapshotChecks.verify) {
    for (let a = copy.first; a < end; a += RESTORE_CELLS) {
      const b = Math.min(end, a + RESTORE_CELLS);
      if (mem.compare(kept, keptCell(a), keptCell(b), cellAt(a), cellAt(b)) !== 0 || mem.compare(kept, keptTag(a), keptTag(b), tagAt(a), tagAt(b)) !== 0) {
        throw new Error(`a restored base differs in cells ${a}..${b}: the actor's machine wrote its fixed space there without marking it (Machine.markWritten)`);
      }
    }
  }
  // (The residue's ranges cover the base's fixed space: the next open writes over it, or clears it.)
  const ranges = [...res.ranges, [copy.first, end] as const];
  return { memory: r.memory, residue: { ...res, ranges }, holds: copy.id };
}

// (In the verifying mode, image/snapshot.ts snapshotChecks, a base restored from the marks
// alone is compared with the copy throughout afterwards, and a difference is an error.)

/** What releaseMemory compares: the memory as the snapshot was opened in it (take it right after openSnapshot). */
export interface OpenedShape {
  readonly bytes: number;
  readonly mapCells: number;
  readonly hostWrites: number;
  readonly stackLo: number;
  readonly stackHi: number;
  /** Machine.codeChanges at the open: it differs once code was registered or forgotten since. */
  readonly codeChanges: number;
}

export function openedShape(kernel: Kernel): OpenedShape {
  const m = kernel.machine, st = m.store;
  return { bytes: st.memory.buffer.byteLength, mapCells: st.mapCells, hostWrites: m.hostWrites, stackLo: m.stackLo, stackHi: m.stackHi, codeChanges: m.codeChanges };
}

/**
 * The fixed space's cells the machine in `kernel` and the snapshot it was opened from may have
 * changed, while its marks tell them (no collection cleared them, nothing wrote without
 * marking, the stack did not move): the snapshot's own cells, the cards marked written
 * (CARD_WRITTEN) and the machine's own stack (pushes mark nothing). Else null.
 */
function changedSinceOpen(kernel: Kernel, opened: Snapshot, shape: OpenedShape): [number, number][] | null {
  const m = kernel.machine, heap = kernel.heap, st = m.store;
  if (heap.stats.minorCollections !== 0 || m.hostWrites !== shape.hostWrites || m.stackLo !== shape.stackLo || m.stackHi !== shape.stackHi) return null;
  // The snapshot's own cells (its base's, copied in or held in place, are the base's).
  const out: [number, number][] = [];
  for (let i = 0; i < opened.segments.length; i += 2) out.push([opened.segments[i], opened.segments[i] + opened.segments[i + 1]]);
  out.push([m.homeStackLo >> 3, m.homeStackHi >> 3]);
  const K = st.cards, K32 = st.cards32;
  const firstCard = m.fixedLo >> CARD_SHIFT, lastCard = (m.fixedHi - 1) >> CARD_SHIFT;
  const mark = CARD_WRITTEN * 0x01010101;
  for (let w = firstCard >> 2; w <= lastCard >> 2; w++) {
    if ((K32[w] & mark) === 0) continue;
    for (let k = Math.max(firstCard, 4 * w); k <= Math.min(lastCard, 4 * w + 3); k++) {
      if ((K[k] & CARD_WRITTEN) === 0) continue;
      const a = k << CARD_SHIFT, last = out[out.length - 1];
      if (last[1] === a) last[1] = a + (1 << CARD_SHIFT); else out.push([a, a + (1 << CARD_SHIFT)]);
    }
  }
  return out;
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
  // The code maps: those of the snapshot's list (Snapshot.code) left, the others cleared: the
  // snapshot's code objects added to its list, and those the actor's machine registered (none
  // was forgotten: only a major collection forgets code), if it registered any.
  const codeStart = st.codeStart, cacheIndex = st.cacheIndex, C32 = st.cells32, lo = m.fixedLo, boot = m.fixedBoot;
  // (Its header cell to its last slot, as Machine.adoptCodes fills them: not the next object's header, which may be code's.)
  const clearMaps = (h: number): void => {
    const end = h + 1 + (C32[2 * h] >>> 0) - lo;
    codeStart.fill(0, h - lo, end);
    cacheIndex.fill(0, h - lo, end);
  };
  const added = opened.codeAdded;
  for (let j = 0; j < added.length; j += 3) clearMaps(added[j]);
  if (m.codeChanges !== shape.codeChanges) {
    const list = opened.code;
    let top = 0;
    for (let j = 2; j < list.length; j += 3) top = Math.max(top, list[j]);
    // The snapshot's code object at each cache index (its header cell + 1), 0 where none.
    const theirs = new Int32Array(top + 1);
    for (let j = 0; j < list.length; j += 3) theirs[list[j + 2]] = list[j] + 1;
    m.forEachCode((h, _bytes, i) => { if (h >= boot && (i > top || theirs[i] !== h + 1)) clearMaps(h); });
  }
  const changed = changedSinceOpen(kernel, opened, shape);
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
  return { memory, residue: { geometry: g, bytes: shape.bytes, mapCells: shape.mapCells, ranges: written(opened), maps: opened.code }, changed };
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
  // Code maps of another list of code objects: cleared, all of them (the spawner's list is
  // another only after a collection freed code, so seldom).
  if (res.maps !== null && res.maps !== next.code) new Uint8Array(r.memory.buffer, mapsOffset(was.cells), 8 * res.mapCells).fill(0);
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
