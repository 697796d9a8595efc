/*
 * The garbage collector: a minor collection (copying the nursery's survivors into old space)
 * and a major one (mark-compact of old space and the nursery, mark-sweep of the fixed space),
 * each a list of named phases run in order and timed one by one. heap.ts has the spaces.
 *
 * MINOR (Cheney): the nursery's reachable objects are copied to the top of old space, and
 * the copies are then scanned like a queue, cell by cell, until no copy points into the
 * nursery. A copied object's header becomes a forwarding cell (tag FORWARD, the new address
 * in its low 32 bits), seen only inside this collection:
 *
 *   roots   registers, the live stack [rsp, stackHi), the RootSet: nursery pointers -> copies
 *   cards   every dirty card of low memory, the fixed space and old space (the write barrier
 *           set them): their nursery pointers -> copies
 *   scan    the copies themselves, from where this collection began copying, to the top
 *   finish  the nursery is empty: its tags become numbers, every card is clean
 *
 *       nursery (from)                         old space (to)
 *   +----+----+-------+----+           +-------------+----+-------+
 *   | A  | x  |  B    | y  |   ---->   | ... older   | A' |  B'   |<- oldTop
 *   +----+----+-------+----+           +-------------+----+-------+
 *    A's header: FORWARD -> A'                       ^ scan pointer
 *
 * MAJOR (mark-compact): a mark bitmap with one bit per cell, set over the whole extent of
 * every live object, gives each live object its new address without writing to it (as in
 * the Compressor): live cells before its 32-cell block (a prefix sum made once) plus live
 * cells before it inside the block (a popcount).
 *
 *   roots        the dead part of the stack becomes numbers; mark what registers, the stack
 *                object, low memory, the RootSet, running and stopped code, and the exit stub
 *                reach
 *   mark         trace from the mark stack until it is empty; every object also marks its
 *                behaviour (hooks.behaviourOf); a weak object's pointers are not traced
 *   weak         a weak object's pointer to an object left unmarked becomes hooks.weak's
 *                cleared value (nil): weak references are cleared by major collections only
 *   sweep-fixed  unmarked fixed objects become free chunks (code objects lose their caches;
 *                decoded code is flushed if any was decoded); runs of free cells merge
 *   plan         the prefix sums of live cells per block over old space and the nursery
 *   update       every pointer (in live objects, registers, low memory, the RootSet) to an
 *                object in old space or the nursery gets that object's new address
 *   move         live runs slide down to the bottom of old space (and then up, when the fixed
 *                space grows by sliding old space up)
 *   finish       every cell above the new top becomes a number, every card is clean, the
 *                nursery is laid out again at the top of memory
 *
 *   marks:   11110000111111111100000000111111
 *   old:     [A  ]    [B       ]        [C   ]        before
 *   old:     [A  ][B       ][C   ]                    after: new(C) = oldLo + live before C
 */
import {
  CARD_POINTER, CARD_SHIFT, FORMAT_CODE, FORMAT_FREE, TAG_CODE, TAG_HDR, TAG_NUM, TAG_POISON, TAG_PTR, TAG_STACK,
} from '../machine/cells.ts';
import type { Machine } from '../machine/machine.ts';
import type { GcPhaseTime, GcReport, Heap } from './heap.ts';
import { nowMs } from '../machine/clock.ts';

/** A forwarded nursery object's header, during a minor collection only. */
const TAG_FORWARD = 6;

/** One step of a collection. */
interface Phase<C> {
  readonly name: string;
  readonly run: (c: C) => void;
}

function runPhases<C>(phases: readonly Phase<C>[], c: C): { ms: number; times: GcPhaseTime[] } {
  const times: GcPhaseTime[] = [];
  const t0 = nowMs();
  let t = t0;
  for (const p of phases) {
    p.run(c);
    const now = nowMs();
    times.push({ name: p.name, ms: now - t });
    t = now;
  }
  return { ms: t - t0, times };
}

/** Make the dead part of the current stack, below rsp, numbers: nothing stale stays there. */
function clearDeadStack(m: Machine): void {
  const st = m.store;
  const sp = st.state32[2 * 4];
  const lo = m.stackLo >> 3, hi = Math.min(sp >> 3, m.stackHi >> 3);
  if (hi > lo) st.tags.fill(TAG_NUM, lo, hi);
}

// ---- minor --------------------------------------------------------------------------------

class Minor {
  readonly m: Machine;
  readonly heap: Heap;
  C32: Int32Array;
  T: Uint8Array;
  /** The nursery being emptied, and old space's top where copies go. */
  readonly fromLo: number;
  readonly fromHi: number;
  top: number;
  readonly copyStart: number;

  constructor(heap: Heap) {
    this.heap = heap;
    this.m = heap.machine;
    this.C32 = this.m.store.cells32;
    this.T = this.m.store.tags;
    this.fromLo = heap.nurseryLo;
    this.fromHi = heap.nurseryTop;
    this.top = heap.oldTop;
    this.copyStart = heap.oldTop;
  }

  /** The new address of the object at `p` (copying it the first time), or p if it is not in the nursery. */
  forward(p: number): number {
    const h = (p >> 3) - 1;
    if (h < this.fromLo || h >= this.fromHi) return p;
    const C32 = this.C32, T = this.T;
    if (T[h] === TAG_FORWARD) return C32[2 * h];
    const size = (C32[2 * h] >>> 0) + 1;
    const d = this.top;
    this.top = d + size;
    if (size <= 8) {
      for (let i = 0; i < size; i++) {
        C32[2 * (d + i)] = C32[2 * (h + i)];
        C32[2 * (d + i) + 1] = C32[2 * (h + i) + 1];
        T[d + i] = T[h + i];
      }
    } else {
      C32.copyWithin(2 * d, 2 * h, 2 * (h + size));
      T.copyWithin(d, h, h + size);
    }
    const q = (d + 1) * 8;
    T[h] = TAG_FORWARD;
    C32[2 * h] = q;
    return q;
  }

  /** Forward every pointer in cells [lo, hi). */
  scanRange(lo: number, hi: number): void {
    const C32 = this.C32, T = this.T;
    const fromLo = this.fromLo, fromHi = this.fromHi;
    for (let c = lo; c < hi; c++) {
      if (T[c] !== TAG_PTR) continue;
      const p = C32[2 * c];
      const h = (p >> 3) - 1;
      if (h >= fromLo && h < fromHi) C32[2 * c] = this.forward(p);
    }
  }
}

function minorRoots(g: Minor): void {
  const m = g.m, st = m.store;
  clearDeadStack(m);
  const S32 = st.state32, RT = st.regTags;
  for (let r = 0; r < 16; r++) {
    if (RT[r] === TAG_PTR) S32[2 * r] = g.forward(S32[2 * r]);
  }
  g.scanRange(S32[2 * 4] >> 3, m.stackHi >> 3);
  const roots = g.heap.roots;
  roots.forEach((i, value, tag) => {
    if (tag !== TAG_PTR) return;
    const p = Number(value);
    const q = g.forward(p);
    if (q !== p) roots.update(i, q);
  });
}

/** CARD_POINTER in each byte of a word of cards. */
const POINTER_WORD = CARD_POINTER * 0x01010101;

function minorCards(g: Minor): void {
  const K = g.m.store.cards, K32 = g.m.store.cards32;
  const end = g.heap.oldEnd;
  const lastCard = (end - 1) >> CARD_SHIFT;
  const words = (lastCard >> 2) + 1;
  // (Only the write barrier's bit: CARD_WRITTEN says a cell was written, not that a pointer was.)
  for (let w = 0; w < words; w++) {
    if ((K32[w] & POINTER_WORD) === 0) continue;
    for (let k = w * 4; k < w * 4 + 4 && k <= lastCard; k++) {
      if ((K[k] & CARD_POINTER) === 0) continue;
      const lo = k << CARD_SHIFT;
      g.scanRange(lo, Math.min(lo + (1 << CARD_SHIFT), end));
    }
  }
}

function minorScan(g: Minor): void {
  let s = g.copyStart;
  while (s < g.top) {
    const end = g.top;
    g.scanRange(s, end);
    s = end;
  }
}

function minorFinish(g: Minor): void {
  const heap = g.heap, st = g.m.store;
  st.tags.fill(TAG_NUM, heap.nurseryLo, heap.nurseryEnd);
  st.cards.fill(0);
  heap.oldTop = g.top;
  heap.nurseryTop = heap.nurseryLo;
}

const MINOR: readonly Phase<Minor>[] = [
  { name: 'roots', run: minorRoots },
  { name: 'cards', run: minorCards },
  { name: 'scan', run: minorScan },
  { name: 'finish', run: minorFinish },
];

/** A minor collection. The heap has checked that old space can take the whole nursery. */
export function collectMinor(heap: Heap): GcReport {
  heap.collecting = true;
  try {
    const g = new Minor(heap);
    const { ms, times } = runPhases(MINOR, g);
    return {
      kind: 'minor', ms, phases: times, survivingCells: g.top - g.copyStart, oldCells: heap.oldTop - heap.oldLo,
      freedFixedCells: 0, freedCodeObjects: 0, memoryCells: heap.machine.store.cellCount,
    };
  } finally {
    heap.collecting = false;
  }
}

// ---- major --------------------------------------------------------------------------------

/** Bits set in a 32-bit word. */
function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** Index of the lowest set bit of a non-zero word. */
function lowestBit(x: number): number { return 31 - Math.clz32(x & -x); }

/** Mark bitmap, block offsets and the mark stack, kept between collections (they only grow). */
let marksStore = new Int32Array(0);
let offsetsStore = new Int32Array(0);

class Major {
  readonly m: Machine;
  readonly heap: Heap;
  C32: Int32Array;
  T: Uint8Array;
  readonly marks: Int32Array;
  readonly offsets: Int32Array;
  stack = new Int32Array(1024);
  sp = 0;
  readonly fixedLo: number;
  readonly oldLo: number;
  /** End of the moving region (old space and nursery): the nursery's top. */
  readonly movingHi: number;
  /** Where compacted objects will live: oldLo, or higher by the fixed space's growth. */
  readonly base: number;
  readonly growth: number;
  readonly classSeen = new Uint8Array(1 << 17);
  /** The current stack is not a heap object: its live part is a root range. */
  stackRange = false;
  liveCells = 0;
  /** Header cells of the weak objects marked (their pointers are looked at after marking). */
  readonly weakObjects: number[] = [];
  freedFixedCells = 0;
  freedCodeObjects = 0;

  constructor(heap: Heap, growth: number) {
    this.heap = heap;
    this.m = heap.machine;
    const st = this.m.store;
    this.C32 = st.cells32;
    this.T = st.tags;
    const words = (st.cellCount >> 5) + 2;
    if (marksStore.length < words) {
      marksStore = new Int32Array(words + (words >> 2));
      offsetsStore = new Int32Array(marksStore.length);
    } else {
      marksStore.fill(0, 0, words);
    }
    this.marks = marksStore;
    this.offsets = offsetsStore;
    this.fixedLo = this.m.fixedLo;
    this.oldLo = heap.oldLo;
    this.movingHi = heap.nurseryTop;
    this.growth = growth;
    this.base = heap.oldLo + growth;
  }

  isMarked(h: number): boolean { return (this.marks[h >>> 5] & (1 << (h & 31))) !== 0; }

  /** Mark the object with header cell h (all its cells), and queue it for tracing. */
  markObject(h: number): void {
    const marks = this.marks;
    const w = h >>> 5, bit = 1 << (h & 31);
    if ((marks[w] & bit) !== 0) return;
    const size = (this.C32[2 * h] >>> 0) + 1;
    if (size <= 32 - (h & 31)) {
      marks[w] |= size === 32 ? -1 : ((1 << size) - 1) << (h & 31);
    } else {
      let i = h;
      const end = h + size;
      while (i < end) {
        const off = i & 31, k = Math.min(32 - off, end - i);
        marks[i >>> 5] |= k === 32 ? -1 : ((1 << k) - 1) << off;
        i += k;
      }
    }
    if (this.sp === this.stack.length) {
      const bigger = new Int32Array(this.stack.length * 2);
      bigger.set(this.stack);
      this.stack = bigger;
    }
    this.stack[this.sp++] = h;
  }

  /** A PTR value: mark its object. */
  markPointer(p: number): void {
    const h = (p >> 3) - 1;
    if (h >= this.fixedLo && h < this.heap.nurseryEnd) this.markObject(h);
  }

  /** A CODE value (a return address): mark the code object holding the byte before it. */
  markCode(a: number): void {
    const c = Math.floor((a - 1) / 8);
    const m = this.m;
    if (c < m.fixedLo || c - m.fixedLo >= m.codeStartOf.length) return;
    const first = m.codeStartOf[c - m.fixedLo];
    if (first > 0) this.markObject(first - 1);
  }

  /** A STACK value: mark the stack object it points into. */
  markStackValue(a: number): void {
    const h = this.heap.stackContaining(a);
    if (h >= 0) this.markObject(h);
  }

  /** Mark from one tagged value. */
  markValue(lo: number, tag: number): void {
    if (tag === TAG_PTR) this.markPointer(lo);
    else if (tag === TAG_CODE) this.markCode(lo);
    else if (tag === TAG_STACK) this.markStackValue(lo);
  }

  /** Mark from every cell of [lo, hi). */
  markRange(lo: number, hi: number): void {
    const C32 = this.C32, T = this.T;
    for (let c = lo; c < hi; c++) {
      const t = T[c];
      if (t === TAG_PTR) this.markPointer(C32[2 * c]);
      else if (t === TAG_CODE || t === TAG_STACK) this.markValue(C32[2 * c], t);
    }
  }

  /** The new address of the object at p (p itself outside the moving region). */
  forward(p: number): number {
    const h = (p >> 3) - 1;
    if (h < this.oldLo) return p;
    const w = h >>> 5, b = h & 31;
    const before = b === 0 ? 0 : popcount(this.marks[w] & ((1 << b) - 1));
    return (this.base + this.offsets[w] + before + 1) * 8;
  }

  /** Update every pointer in cells [lo, hi) to the moving region. */
  updateRange(lo: number, hi: number): void {
    const C32 = this.C32, T = this.T, oldLo = this.oldLo;
    for (let c = lo; c < hi; c++) {
      if (T[c] !== TAG_PTR) continue;
      const p = C32[2 * c];
      if ((p >> 3) - 1 >= oldLo) C32[2 * c] = this.forward(p);
    }
  }

  /** Call fn(a, b) for each maximal run [a, b) of marked cells within [lo, hi). */
  forEachRun(lo: number, hi: number, fn: (a: number, b: number) => void): void {
    if (hi <= lo) return;
    const marks = this.marks;
    let start = -1;
    const lastW = (hi - 1) >>> 5;
    for (let w = lo >>> 5; w <= lastW; w++) {
      const bits = marks[w];
      if (start < 0 ? bits === 0 : bits === -1) continue;
      let pos = 0;
      for (;;) {
        if (start < 0) {
          const x = pos === 32 ? 0 : bits & (-1 << pos);
          if (x === 0) break;
          pos = lowestBit(x);
          start = w * 32 + pos;
        } else {
          const x = pos === 32 ? 0 : ~bits & (-1 << pos);
          if (x === 0) break;
          pos = lowestBit(x);
          fn(Math.max(start, lo), Math.min(w * 32 + pos, hi));
          start = -1;
        }
      }
    }
    if (start >= 0) fn(Math.max(start, lo), hi);
  }
}

function majorRoots(g: Major): void {
  const m = g.m, st = m.store, heap = g.heap;
  clearDeadStack(m);
  const S32 = st.state32, RT = st.regTags;
  for (let r = 0; r < 16; r++) g.markValue(S32[2 * r], RT[r]);
  const stackHeader = (m.stackLo >> 3) - 1;
  if (stackHeader >= m.fixedLo && (st.tags[stackHeader] === TAG_HDR || st.tags[stackHeader] === TAG_POISON)) g.markObject(stackHeader);
  else { g.stackRange = true; g.markRange(S32[2 * 4] >> 3, m.stackHi >> 3); }
  // The machine's own stack lives while a grown one is in use: the machine goes back to it.
  const home = (m.homeStackLo >> 3) - 1;
  if (home !== stackHeader && home >= m.fixedLo && st.tags[home] === TAG_HDR) g.markObject(home);
  g.markRange(0, m.lowCells);
  heap.roots.forEach((_, value, tag) => g.markValue(Number(BigInt.asIntN(32, value)), tag));
  for (const ins of m.inService) g.markPointer(ins.code.addr);
  if (m.resumeAt) g.markPointer(m.resumeAt.code.addr);
  if (m.exitStub > 0) g.markPointer(m.exitStub);
}

function majorMark(g: Major): void {
  const C32 = g.C32, T = g.T;
  const behaviourOf = g.heap.hooks.behaviourOf;
  const weakClass = g.heap.hooks.weak?.classIndex ?? -1;
  const seen = g.classSeen;
  while (g.sp > 0) {
    const h = g.stack[--g.sp];
    const end = h + 1 + (C32[2 * h] >>> 0);
    const weak = C32[2 * h + 1] >>> 15 === weakClass;
    if (weak) g.weakObjects.push(h);
    for (let c = h + 1; c < end; c++) {
      const t = T[c];
      if (t === TAG_PTR) { if (!weak) g.markPointer(C32[2 * c]); }
      else if (t === TAG_CODE || t === TAG_STACK) g.markValue(C32[2 * c], t);
    }
    if (behaviourOf) {
      const ci = C32[2 * h + 1] >>> 15;
      if (seen[ci] === 0) {
        seen[ci] = 1;
        const b = behaviourOf(ci);
        if (b >= 0) g.markPointer(b);
      }
    }
  }
}

/** Clear each weak object's pointers to objects nothing else marked (before they are swept or moved). */
function majorWeak(g: Major): void {
  const weak = g.heap.hooks.weak;
  if (!weak) return;
  const C32 = g.C32, T = g.T, hi = g.heap.nurseryEnd;
  for (const h of g.weakObjects) {
    const end = h + 1 + (C32[2 * h] >>> 0);
    for (let c = h + 1; c < end; c++) {
      if (T[c] !== TAG_PTR) continue;
      const target = (C32[2 * c] >> 3) - 1;
      if (target >= g.fixedLo && target < hi && !g.isMarked(target)) {
        C32[2 * c] = weak.cleared;
        C32[2 * c + 1] = 0;
      }
    }
  }
}

function majorSweepFixed(g: Major): void {
  const m = g.m, heap = g.heap, st = m.store;
  const C32 = g.C32;
  const onFree = heap.hooks.onFreeFixed;
  heap.clearFreeLists();
  let flush = false;
  let run = -1;
  let h = m.fixedLo;
  const top = heap.fixedTop;
  while (h < top) {
    const size = (C32[2 * h] >>> 0) + 1;
    const high = C32[2 * h + 1];
    const format = high & 0xf;
    if (format !== FORMAT_FREE && g.isMarked(h)) {
      if (run >= 0) { freeRun(g, run, h); run = -1; }
    } else {
      if (format !== FORMAT_FREE) {
        g.freedFixedCells += size;
        if (onFree) onFree((h + 1) * 8, st.cells[h]);
        if (format === FORMAT_CODE) {
          g.freedCodeObjects++;
          if (m.forgetCode(h, size - 1)) flush = true;
        }
        const s = heap.stacks.indexOf(h);
        if (s >= 0) heap.stacks.splice(s, 1);
      }
      if (run < 0) run = h;
    }
    h += size;
  }
  if (run >= 0) heap.fixedTop = run;
  st.tags.fill(TAG_NUM, heap.fixedTop, m.fixedHi);
  if (flush) m.flushDecoded();
}

/** Cells [a, b) of the fixed space are free: one chunk, its cells numbers. */
function freeRun(g: Major, a: number, b: number): void {
  g.T.fill(TAG_NUM, a + 1, b);
  g.heap.addFreeChunk(a, b - a);
}

function majorPlan(g: Major): void {
  const marks = g.marks, offsets = g.offsets;
  let live = 0;
  const lastW = (Math.max(g.movingHi, g.oldLo + 1) - 1) >>> 5;
  for (let w = g.oldLo >>> 5; w <= lastW + 1; w++) {
    offsets[w] = live;
    live += popcount(marks[w]);
  }
  g.liveCells = live;
}

function majorUpdate(g: Major): void {
  const m = g.m, st = m.store, heap = g.heap;
  // Live objects everywhere: the fixed space and the moving region.
  g.forEachRun(m.fixedLo, heap.fixedTop, (a, b) => g.updateRange(a, b));
  g.forEachRun(g.oldLo, g.movingHi, (a, b) => g.updateRange(a, b));
  g.updateRange(0, m.lowCells);
  const S32 = st.state32, RT = st.regTags;
  if (g.stackRange) g.updateRange(S32[2 * 4] >> 3, m.stackHi >> 3);
  for (let r = 0; r < 16; r++) {
    if (RT[r] === TAG_PTR) S32[2 * r] = g.forward(S32[2 * r]);
  }
  const roots = heap.roots;
  roots.forEach((i, value, tag) => {
    if (tag !== TAG_PTR) return;
    const p = Number(value);
    const q = g.forward(p);
    if (q !== p) roots.update(i, q);
  });
}

function majorMove(g: Major): void {
  const st = g.m.store;
  const cells = st.cells, T = g.T;
  let d = g.oldLo;
  g.forEachRun(g.oldLo, g.movingHi, (a, b) => {
    if (a !== d) {
      cells.copyWithin(d, a, b);
      T.copyWithin(d, a, b);
    }
    d += b - a;
  });
  if (g.growth > 0) {
    cells.copyWithin(g.base, g.oldLo, d);
    T.copyWithin(g.base, g.oldLo, d);
  }
}

function majorFinish(g: Major): void {
  const m = g.m, st = m.store, heap = g.heap;
  const newTop = g.base + g.liveCells;
  if (g.growth > 0) {
    st.tags.fill(TAG_NUM, g.oldLo, g.base);
    m.fixedSpaceGrew(m.fixedHi + g.growth);
    heap.oldLo = g.base;
  }
  st.tags.fill(TAG_NUM, newTop, st.cellCount);
  st.cards.fill(0);
  heap.oldTop = newTop;
  heap.nurseryTop = heap.nurseryLo;
  heap.layout();
}

const MAJOR: readonly Phase<Major>[] = [
  { name: 'roots', run: majorRoots },
  { name: 'mark', run: majorMark },
  { name: 'weak', run: majorWeak },
  { name: 'sweep-fixed', run: majorSweepFixed },
  { name: 'plan', run: majorPlan },
  { name: 'update', run: majorUpdate },
  { name: 'move', run: majorMove },
  { name: 'finish', run: majorFinish },
];

/**
 * A major collection. `growth` cells are added to the fixed space by sliding old space up
 * that far (memory must already have room for it).
 */
export function collectMajor(heap: Heap, growth: number): GcReport {
  heap.collecting = true;
  try {
    const g = new Major(heap, growth);
    const { ms, times } = runPhases(MAJOR, g);
    return {
      kind: 'major', ms, phases: times, survivingCells: g.liveCells, oldCells: heap.oldTop - heap.oldLo,
      freedFixedCells: g.freedFixedCells, freedCodeObjects: g.freedCodeObjects, memoryCells: heap.machine.store.cellCount,
    };
  } finally {
    heap.collecting = false;
  }
}
