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
 *
 * A later snapshot of the same heap can be taken as what changed since a whole one (its base,
 * Snapshot.base, whose bytes the taker keeps unchanged): the opener copies the base's fixed
 * space, then the later snapshot's own cells over it. Those are the low memory, the old space
 * and the nursery whole, and of the fixed space (most of a heap: classes, methods, code) only
 * what differs from the base. Every writer of the fixed space marks the cards it writes
 * (CARD_WRITTEN: the machine's stores, and the host's through Machine.markWritten: new
 * objects, frees, headers, code bytes), so while nothing else wrote since the last snapshot
 * (Machine.hostWrites is the same: no process was switched and no host writer said it wrote
 * without marking; nothing was collected; the stack did not move), that is what the last
 * one sent, the cards marked since (every snapshot clears the marks), the fixed space's growth
 * and the running stack's used part: an evaluation that compiles its DoIt and spawns reads
 * no more. Else (a collection updates pointers, a process was switched) the fixed space is
 * compared with the base's bytes, a block and then an eighth down to a card at a time, which
 * finds exactly what differs whoever wrote it, in a fraction of the time a whole copy takes
 * (but 1-3 ms for the base image's 6 MB, memory's speed); the cells above the base's top are
 * new. A verifying mode checks the marks against that comparison (snapshotChecks).
 * A snapshot is whole when there is no base, memory grew, the fixed space was given back
 * below the base's top, or more than a quarter of it differs. Two spawns one after the other,
 * or in two evaluations, copy a few hundred kilobytes the second time, not 6 MB.
 */
import { CARD_CELLS, CARD_SHIFT, CARD_WRITTEN, TAG_HDR, TAG_PTR } from '../kernel/machine/cells.ts';
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
   * keeps compiled modules by their bytes). Kept the same (the same array) while no code object
   * is forgotten, so that an opener that had it last need not be sent it again, nor write its
   * code maps again (image/snapshot-memory.ts holdsMaps); the code objects registered since it
   * was made are in codeAdded.
   */
  readonly code: Int32Array;
  /** Code objects registered since `code` was made (DoIts and methods compiled), triples as in `code`. */
  readonly codeAdded: Int32Array;
  /** Free chunks of the fixed space: [header cell, cells] pairs. */
  readonly free: Int32Array;
  /** Stack objects other than the machine's own (processes'): header cells. */
  readonly stacks: Int32Array;
  /** The symbol table, packed (kernel/objects/symbols.ts): the opener searches it in place. */
  readonly symbols: PackedSymbols;
  /**
   * Null for a whole snapshot. Else this one holds what changed since an earlier whole snapshot
   * of the same heap, whose bytes are these (kept unchanged by the taker until the opener has
   * copied them): the opener copies the base's segments numbered in `take` first, then this
   * snapshot's own over them.
   */
  readonly base: { readonly id: number; readonly bytes: ArrayBuffer | SharedArrayBuffer; readonly segments: Int32Array; readonly take: readonly number[] } | null;
  /**
   * Which snapshot this is, among those this thread took (an opener that keeps a whole one's
   * fixed space knows a later snapshot's base by it: image/snapshot-memory.ts BaseCopy).
   */
  readonly id: number;
}

/** Snapshot.id: counted in each thread (a worker is sent snapshots by one spawner). */
let lastId = 0;

/** Which segment of a whole snapshot is the fixed space (validate.ts expectedSegments: low, fixed, old, nursery). */
const FIXED_SEGMENT = 1;

/** A whole snapshot taken of a machine, and what must be the same for a later one to be taken as what changed since (snapshotPlan). */
interface Whole {
  readonly snapshot: Snapshot;
  readonly grows: number;
  readonly cells: number;
  readonly fixedTop: number;
}

/**
 * The last snapshot taken of a machine (whole or not): its base, the fixed space's cells it
 * sent as changed since that base, and what must be the same for the marks made since (every
 * snapshot clears them) to tell the rest: nothing wrote meanwhile without marking.
 */
interface Last {
  readonly base: Snapshot;
  readonly ranges: readonly (readonly [number, number])[];
  readonly hostWrites: number;
  readonly collections: number;
  readonly fixedTop: number;
  readonly stackLo: number;
  readonly stackHi: number;
}

/** Snapshots taken by this thread: whole, and as what changed since a whole one, of which found from the marks alone (for tests and the benchmarks). */
export const snapshotsTaken = { whole: 0, changed: 0, fromMarks: 0 };

const wholes = new WeakMap<Snapshot, Whole>();
const lasts = new WeakMap<Machine, Last>();

/**
 * How a snapshot of `kernel` would be taken now: as what changed since `since` (a whole snapshot
 * of it, still in its bytes) when that holds (see the header), or whole. `bytes` is the size
 * of the buffer it needs. Take it at once (takeSnapshot), before anything else runs.
 */
export interface SnapshotPlan {
  readonly kernel: Kernel;
  readonly bytes: number;
  readonly base: Snapshot | null;
  /** The cells copied: [first, count] pairs. */
  readonly segments: Int32Array;
  /** The fixed space's cells among them, in order: [first, end) pairs (none for a whole one). */
  readonly fixed: readonly (readonly [number, number])[];
  /** How what changed was found: from the marks alone, or by comparing with the base (a whole one: neither). */
  readonly from: 'whole' | 'marks' | 'comparison';
}

/**
 * Whether more than this part of the fixed space was written since the base: then a whole
 * snapshot is as cheap, and starts afresh.
 */
const MOST_WRITTEN = 1 / 4;

export function snapshotPlan(kernel: Kernel, since: Snapshot | null = null): SnapshotPlan {
  const changed = since ? changedSegments(kernel, since) : null;
  if (changed) return { kernel, bytes: 9 * countCells(changed.segments), base: since, ...changed };
  const whole = segmentsOf(kernel);
  const s = new Int32Array(2 * whole.length);
  whole.forEach((seg, i) => { s[2 * i] = seg.first; s[2 * i + 1] = seg.cells; });
  return { kernel, bytes: 9 * countCells(s), base: null, segments: s, fixed: [], from: 'whole' };
}

function countCells(segments: Int32Array): number {
  let n = 0;
  for (let i = 1; i < segments.length; i += 2) n += segments[i];
  return n;
}

/** The segments of a snapshot of `kernel` as what changed since `since`, or null when it must be whole. */
function changedSegments(kernel: Kernel, since: Snapshot): { segments: Int32Array; fixed: [number, number][]; from: 'marks' | 'comparison' } | null {
  const w = wholes.get(since);
  const m = kernel.machine, heap = kernel.heap, st = m.store;
  // What a base cannot stand for: memory grown or laid out anew, or the fixed space given back
  // below the base's top (the opener would keep the base's cells there).
  if (!w || w.grows !== heap.stats.grows || w.cells !== st.cellCount || heap.fixedTop < w.fixedTop) return null;
  const whole = segmentsOf(kernel);
  const lo = whole[FIXED_SEGMENT].first, top = lo + whole[FIXED_SEGMENT].cells;
  // While only the machine's stores wrote since the last snapshot, what changed since the base
  // is what that one sent and the cards marked since; else the fixed space is compared with
  // the base's bytes.
  const l = lasts.get(m);
  const marked = l !== undefined && l.base === since && l.hostWrites === m.hostWrites && l.collections === heap.stats.minorCollections + heap.stats.majorCollections
    && l.fixedTop <= heap.fixedTop && l.stackLo === m.stackLo && l.stackHi === m.stackHi;
  const ranges = marked ? [...l.ranges.map(([a, b]): [number, number] => [a, b]), ...markedRanges(kernel, lo, top), [l.fixedTop, heap.fixedTop] as [number, number]] : comparedRanges(st, since, lo, w.fixedTop, top);
  if (marked && snapshotChecks.verify) verifyMarks(kernel, since, ranges, comparedRanges(st, since, lo, w.fixedTop, top), Math.min(top, w.fixedTop));
  // Clipped to the fixed space, in order, joined where they meet or overlap.
  const fixed = ranges.map(([a, b]): [number, number] => [Math.max(a, lo), Math.min(b, top)]).filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const joined: [number, number][] = [];
  let cells = 0;
  for (const r of fixed) {
    const last = joined[joined.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]); else joined.push([r[0], r[1]]);
  }
  for (const [a, b] of joined) cells += b - a;
  if (cells > (top - lo) * MOST_WRITTEN) return null;
  // The other spaces whole (validate.ts expectedSegments), the fixed space's changed parts.
  const out: number[] = [];
  whole.forEach((s, i) => {
    if (i === FIXED_SEGMENT) for (const [a, b] of joined) out.push(a, b - a);
    else out.push(s.first, s.cells);
  });
  return { segments: Int32Array.from(out), fixed: joined, from: marked ? 'marks' : 'comparison' };
}

/**
 * The verifying mode (tests; BEDROCK_VERIFY_SNAPSHOTS=1 in the environment): every snapshot
 * taken from the marks is checked against a comparison of the fixed space with its base, and
 * a cell that differs from the base but is in no range the marks give is an error, naming
 * the object it is in (but for the running stack's dead part, below its pointer, which the
 * marks leave as the base has it). It finds a host writer of the fixed space that does not mark what it
 * writes (Machine.hostWrites), as the collector's stress mode finds a missing root.
 */
export const snapshotChecks = { verify: process.env.BEDROCK_VERIFY_SNAPSHOTS === '1' };

function verifyMarks(kernel: Kernel, base: Snapshot, marked: readonly (readonly [number, number])[], compared: readonly (readonly [number, number])[], top: number): void {
  const m = kernel.machine, lo = m.fixedLo, same = sameAsBase(m.store, base);
  const covered = new Uint8Array(Math.max(0, top - lo));
  const cover = (a: number, b: number): void => { covered.fill(1, Math.max(0, a - lo), Math.max(0, Math.min(top, b) - lo)); };
  for (const [a, b] of marked) cover(a, b);
  // (The running stack below its pointer is dead: what calls left there is never read.)
  cover(m.stackLo >> 3, Math.min(Number(m.register(4)), m.stackHi) >> 3);
  let missed = 0, first = -1;
  for (const [a, b] of compared) {
    for (let c = Math.max(a, lo); c < Math.min(b, top); c++) if (covered[c - lo] === 0 && !same(c, c + 1)) { missed++; if (first < 0) first = c; }
  }
  if (missed === 0) return;
  const st = kernel.machine.store;
  let h = first;
  while (h > kernel.machine.fixedLo && st.tags[h] !== TAG_HDR) h--;
  const cls = st.cells32[2 * h + 1] >>> 15;
  throw new Error(`the marks missed ${missed} changed cells of the fixed space, the first at cell ${first}, ${first - h} into the object at cell ${h} (class index ${cls}): a host writer did not mark it (Machine.markWritten)`);
}

/**
 * The fixed space's cells [lo, top) written since the base, from the marks: the cards written
 * (CARD_WRITTEN), and the running stack's used part (its stores are not marked) with the cards
 * at its ends (a pointer stored in the stack by translated code sets its card to CARD_POINTER
 * alone, and a card at an end is shared with the objects beside the stack). The running stack
 * is the one of every store since: a process switch counts in Machine.hostWrites.
 */
function markedRanges(kernel: Kernel, lo: number, top: number): [number, number][] {
  const m = kernel.machine, st = m.store;
  const ranges: [number, number][] = [];
  const K = st.cards, K32 = st.cards32;
  const firstCard = lo >> CARD_SHIFT, lastCard = (top - 1) >> CARD_SHIFT;
  const written = CARD_WRITTEN * 0x01010101;
  for (let wd = firstCard >> 2; wd <= lastCard >> 2; wd++) {
    if ((K32[wd] & written) === 0) continue;
    for (let k = Math.max(firstCard, 4 * wd); k <= Math.min(lastCard, 4 * wd + 3); k++) {
      if ((K[k] & CARD_WRITTEN) === 0) continue;
      const a = Math.max(lo, k << CARD_SHIFT), b = Math.min(top, (k + 1) << CARD_SHIFT);
      const last = ranges[ranges.length - 1];
      if (last && last[1] === a) last[1] = b; else ranges.push([a, b]);
    }
  }
  const sp = Number(m.register(4)) >> 3, sLo = m.stackLo >> 3, sHi = m.stackHi >> 3;
  const card = (c: number): [number, number] => [(c >> CARD_SHIFT) << CARD_SHIFT, ((c >> CARD_SHIFT) + 1) << CARD_SHIFT];
  ranges.push(card(sLo), [Math.max(sLo, Math.min(sp, sHi)), sHi], card(sHi - 1));
  return ranges;
}

/**
 * Cells compared at once: a block of 8^3 cards, then where it differs its eighths, and so on
 * down to cards (few comparisons where little differs; blocks aligned to cards).
 */
const COMPARE_CELLS = CARD_CELLS * 8 * 8 * 8;

/**
 * The fixed space's cells [lo, top) that differ from the base's (cells or tags), found by
 * comparing them with the base's bytes a block, then an eighth of it, down to a card, at a
 * time (memcmp: a few megabytes in a fraction of a millisecond), and the cells above the
 * base's top. Exact whatever wrote them: the compiler, a collection, a host service, a process switch.
 */
/** Whether the store's cells [a, b) of the fixed space (within the base's) are the same, cells and tags, as the base's. */
function sameAsBase(st: Machine['store'], base: Snapshot): (a: number, b: number) => boolean {
  const segs = base.segments;
  let total = 0;
  for (let i = 1; i < segs.length; i += 2) total += segs[i];
  let before = 0;
  for (let i = 0; i < 2 * FIXED_SEGMENT; i += 2) before += segs[i + 1];
  const first = segs[2 * FIXED_SEGMENT];
  const now = Buffer.from(st.bytes.buffer, st.bytes.byteOffset, st.bytes.byteLength);
  const nowTags = Buffer.from(st.tags.buffer, st.tags.byteOffset, st.tags.byteLength);
  const was = Buffer.from(base.bytes);
  // Cell c of the base's fixed segment: its 8 bytes at cellAt(c), its tag at tagAt(c).
  const cellAt = (c: number): number => 8 * (before + c - first), tagAt = (c: number): number => 8 * total + before + c - first;
  return (a, b) => now.compare(was, cellAt(a), cellAt(b), 8 * a, 8 * b) === 0 && nowTags.compare(was, tagAt(a), tagAt(b), a, b) === 0;
}

function comparedRanges(st: Machine['store'], base: Snapshot, lo: number, baseTop: number, top: number): [number, number][] {
  const first = base.segments[2 * FIXED_SEGMENT];
  const same = sameAsBase(st, base);
  const ranges: [number, number][] = [];
  const add = (a: number, b: number): void => {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === a) last[1] = b; else ranges.push([a, b]);
  };
  /** The differing cards of [a, b), a part of an aligned block of `size` cells. */
  const differing = (a: number, b: number, size: number): void => {
    if (same(a, b)) return;
    if (size === CARD_CELLS) { add(a, b); return; }
    const part = size / 8;
    for (let c = a; c < b;) {
      const d = Math.min(b, (Math.floor(c / part) + 1) * part);
      differing(c, d, part);
      c = d;
    }
  };
  const end = Math.min(baseTop, top);
  for (let a = Math.max(lo, first); a < end;) {
    const b = Math.min(end, (Math.floor(a / COMPARE_CELLS) + 1) * COMPARE_CELLS);
    differing(a, b, COMPARE_CELLS);
    a = b;
  }
  if (top > baseTop) add(baseTop, top);
  return ranges;
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
 * The code triples of a snapshot (Snapshot.code and codeAdded) of a machine. Listing ~5,500
 * code objects took a third of a millisecond, and every evaluation compiles its DoIt: so the
 * list made last is kept, and while no code object was forgotten since (Machine.codeForgets:
 * only a major collection frees code) and the machine's code log still holds every one
 * registered since (Machine.loggedCode), those are added to it instead; at most MAX_ADDED,
 * beyond which the list is made again.
 */
interface CodeLists {
  readonly changes: number;
  readonly forgets: number;
  readonly code: Int32Array;
  readonly added: Int32Array;
}
const codeLists = new WeakMap<Machine, CodeLists>();
const MAX_ADDED = 2048;
const NO_CODE = new Int32Array(0);

function codeList(kernel: Kernel): CodeLists {
  const m = kernel.machine;
  const kept = codeLists.get(m);
  if (kept && kept.changes === m.codeChanges) return kept;
  if (kept && kept.forgets === m.codeForgets) {
    const log = m.loggedCode;
    if (log !== null && log.length <= 3 * MAX_ADDED) {
      gathered = 0;
      for (let j = 0; j < log.length; j += 3) if (log[j] >= m.fixedBoot) { put(log[j]); put(log[j + 1]); put(log[j + 2]); }
      const next = { ...kept, changes: m.codeChanges, added: gather.slice(0, gathered) };
      codeLists.set(m, next);
      return next;
    }
  }
  gathered = 0;
  m.forEachCode((h, byteLength, index) => { if (h >= m.fixedBoot) { put(h); put(byteLength); put(index); } });
  m.clearCodeLog();
  const made = { changes: m.codeChanges, forgets: m.codeForgets, code: gather.slice(0, gathered), added: NO_CODE };
  codeLists.set(m, made);
  return made;
}

/** The bytes a whole snapshot of `kernel`'s heap takes now (the size of Snapshot.bytes). */
export function snapshotBytes(kernel: Kernel): number {
  let cells = 0;
  for (const s of segmentsOf(kernel)) cells += s.cells;
  return 9 * cells;
}

/** The cells a snapshot writes when it is opened: [first, end) pairs (its base's, then its own). */
export function snapshotCells(s: Snapshot): [number, number][] {
  const out: [number, number][] = [];
  if (s.base) for (const i of s.base.take) out.push([s.base.segments[2 * i], s.base.segments[2 * i] + s.base.segments[2 * i + 1]]);
  for (let i = 0; i < s.segments.length; i += 2) out.push([s.segments[i], s.segments[i] + s.segments[i + 1]]);
  return out;
}

function segmentsOf(kernel: Kernel): { first: number; cells: number }[] {
  const m = kernel.machine, heap = kernel.heap;
  return expectedSegments(m.lowCells, heap.fixedTop, m.fixedHi, heap.oldTop, heap.nurseryLo, heap.nurseryTop);
}

/**
 * Copy `kernel`'s heap out (nothing is collected, nothing changes but the marks of the cards
 * written, cleared by a whole snapshot), into `bytes` (at least the plan's bytes long; a new
 * ArrayBuffer when not given), as `plan` says (snapshotPlan, made just now: by default whole).
 */
export function takeSnapshot(kernel: Kernel, bytes?: ArrayBuffer | SharedArrayBuffer, plan: SnapshotPlan = snapshotPlan(kernel)): Snapshot {
  const m = kernel.machine, heap = kernel.heap, st = m.store;
  if (plan.kernel !== kernel) throw new Error('a snapshot plan of another kernel');
  const segments = plan.segments;
  const need = plan.bytes;
  const buffer = bytes ?? new ArrayBuffer(need);
  if (buffer.byteLength < need) throw new RangeError(`a snapshot needs ${need} bytes, not ${buffer.byteLength}`);
  const out = new Uint8Array(buffer, 0, need);
  let at = 0;
  for (let i = 0; i < segments.length; i += 2) {
    const first = segments[i], n = segments[i + 1];
    out.set(st.bytes.subarray(8 * first, 8 * (first + n)), at);
    at += 8 * n;
  }
  for (let i = 0; i < segments.length; i += 2) {
    const first = segments[i], n = segments[i + 1];
    out.set(st.tags.subarray(first, first + n), at);
    at += n;
  }
  const base = plan.base;
  // The cards written from now on are what a later snapshot adds to what this one sent.
  const K32 = st.cards32;
  for (let i = 0; i < K32.length; i++) if (K32[i] !== 0) K32[i] &= ~(CARD_WRITTEN * 0x01010101);
  const code = codeList(kernel);
  gathered = 0;
  heap.forEachFreeChunk((h, n) => { put(h); put(n); });
  const free = gather.slice(0, gathered);
  const snapshot: Snapshot = {
    machine: snapshotGeometry(kernel),
    heap: {
      fixedTop: heap.fixedTop, oldTop: heap.oldTop, oldEnd: heap.oldEnd, nurseryLo: heap.nurseryLo, nurseryTop: heap.nurseryTop,
      nurseryCells: heap.nurseryCells, maxCells: heap.maxCells, largeObjectCells: heap.largeObjectCells, growthFactor: heap.growthFactor,
    },
    roots: kernel.roots,
    segments,
    bytes: buffer,
    cards: st.cards.slice(),
    code: code.code,
    codeAdded: code.added,
    free,
    stacks: Int32Array.from(heap.stacks.filter((h) => h !== (m.homeStackLo >> 3) - 1)),
    symbols: kernel.symbols.packed(),
    base: base ? { id: base.id, bytes: base.bytes, segments: base.segments, take: [FIXED_SEGMENT] } : null,
    id: ++lastId,
  };
  if (base) { snapshotsTaken.changed++; if (plan.from === 'marks') snapshotsTaken.fromMarks++; }
  else {
    snapshotsTaken.whole++;
    wholes.set(snapshot, { snapshot, grows: heap.stats.grows, cells: st.cellCount, fixedTop: heap.fixedTop });
  }
  lasts.set(m, {
    base: base ?? snapshot, ranges: plan.fixed, hostWrites: m.hostWrites, collections: heap.stats.minorCollections + heap.stats.majorCollections,
    fixedTop: heap.fixedTop, stackLo: m.stackLo, stackHi: m.stackHi,
  });
  return snapshot;
}

/** Copy the segments numbered in `take` (all when null) of snapshot bytes laid out by `segments` into a store. */
function copySegments(st: Machine['store'], bytes: ArrayBuffer | SharedArrayBuffer, segments: Int32Array, take: readonly number[] | null): void {
  const from = new Uint8Array(bytes);
  let cells = 0;
  for (let i = 1; i < segments.length; i += 2) cells += segments[i];
  let at = 0, tagsAt = 8 * cells;
  for (let i = 0; i < segments.length; i += 2) {
    const first = segments[i], n = segments[i + 1];
    if (take === null || take.includes(i / 2)) {
      st.bytes.set(from.subarray(at, at + 8 * n), 8 * first);
      st.tags.set(from.subarray(tagsAt, tagsAt + n), first);
    }
    at += 8 * n;
    tagsAt += n;
  }
}

/** The geometry of the machine a snapshot of `kernel` opens into (for preparing its memory). */
export function snapshotGeometry(kernel: Kernel): Snapshot['machine'] {
  const m = kernel.machine;
  return { cells: m.store.cellCount, lowCells: m.lowCells, fixedHi: m.fixedHi, stackCells: (m.homeStackHi - m.homeStackLo) / 8 };
}

/**
 * The verifying mode's check of code maps said to be in place: the maps as a machine opening
 * `s` into a cleared memory would write them (the machine's own code objects, then the
 * snapshot's), against what the memory holds; a difference is an error naming the cell.
 */
function verifyMapsInPlace(machine: Machine, s: Snapshot): void {
  const st = machine.store, lo = machine.fixedLo, C32 = st.cells32;
  const starts = new Int32Array(st.codeStart.length), indexes = new Int32Array(st.cacheIndex.length);
  // (The machine's own, below fixedBoot, it wrote itself just now.)
  const own = machine.fixedBoot - lo;
  starts.set(st.codeStart.subarray(0, own));
  indexes.set(st.cacheIndex.subarray(0, own));
  for (let j = 0; j < s.code.length; j += 3) {
    const h = s.code[j];
    if (h < machine.fixedBoot) continue;
    const first = h + 1, slots = C32[2 * h] >>> 0;
    starts.fill(first, h - lo, first + slots - lo);
    indexes[first - lo] = s.code[j + 2] + 1;
  }
  for (let c = 0; c < starts.length; c++) {
    if (starts[c] !== st.codeStart[c] || indexes[c] !== st.cacheIndex[c]) {
      throw new Error(`code maps in place differ at cell ${c + lo} (code start ${st.codeStart[c]}, cache index ${st.cacheIndex[c]}; opened afresh: ${starts[c]}, ${indexes[c]})`);
    }
  }
}

/** The options of the machine a snapshot of this geometry opens into. */
export function snapshotMachineOptions(g: Snapshot['machine'], interrupt?: Int32Array): MachineOptions {
  return { cells: g.cells, lowCells: g.lowCells, fixedCells: g.fixedHi - g.lowCells, stackCells: g.stackCells, ...(interrupt && { interrupt }) };
}

/**
 * A kernel over a copy of the snapshot's heap, in a new machine; nothing runs. `memory`: a
 * prepared memory for the machine (Machine.preparedMemory), reading 0 throughout (but where
 * the snapshot writes); `baseInPlace`: it holds the base's segments already (image/snapshot-memory.ts
 * BaseCopy), which are not copied again; `mapsInPlace`: its code maps are those of this
 * snapshot's code objects already (image/snapshot-memory.ts holdsMaps), which are not written again.
 */
export function openSnapshot(s: Snapshot, options: { readonly interrupt?: Int32Array; readonly memory?: WebAssembly.Memory; readonly baseInPlace?: boolean; readonly mapsInPlace?: boolean } = {}): Kernel {
  const hp = s.heap;
  const machine = new Machine({ ...snapshotMachineOptions(s.machine, options.interrupt), ...(options.memory && { memory: options.memory }) });
  const heap = new Heap(machine, { nurseryCells: hp.nurseryCells, maxCells: hp.maxCells, largeObjectCells: hp.largeObjectCells, growthFactor: hp.growthFactor });
  const st = machine.store;
  // The base's segments first (those it says; unless the memory holds them already), then this snapshot's own over them.
  if (s.base && !options.baseInPlace) copySegments(st, s.base.bytes, s.base.segments, s.base.take);
  copySegments(st, s.bytes, s.segments, null);
  st.cards.set(s.cards.subarray(0, st.cards.length));
  if (options.mapsInPlace && snapshotChecks.verify) verifyMapsInPlace(machine, s);
  machine.adoptCodes(s.code, machine.fixedBoot, 3, options.mapsInPlace === true);
  if (s.codeAdded.length > 0) machine.adoptCodes(s.codeAdded, machine.fixedBoot, 3);
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
