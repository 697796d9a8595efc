/*
 * Checking an image before anything runs. Three stages, each answering a value (never
 * throwing, never looping without bound, whatever the bytes are):
 *
 *   checkHeader   the decoded header: every field present with the right type, the format
 *                 version, the kernel layout fingerprint, and the geometry (spaces in order,
 *                 inside memory, segments exactly the used parts of the spaces);
 *   checkHeap     the heap copied into a machine's memory: each space walks from header to
 *                 header to its top; formats known; free chunks only in the fixed space and
 *                 empty; code objects only there (their code caches are registered here);
 *                 no header tag inside an object; every pointer-tagged cell (low memory
 *                 included) is the address of an object's first slot; every code address in
 *                 a code object, every stack address in the stack. It sets the card of every
 *                 cell outside the nursery that points into it (the write barrier's record);
 *   checkKernel   the object system's shapes, as the host reads them: the roots object, nil,
 *                 true and false, the class table and every behaviour in it (name, parent
 *                 chain ending at nil, index), every override chain (method entries holding a
 *                 selector and a compiled method with code), the globals chain, the marks (with
 *                 their recorded heads), the definition log, and the symbols (byte objects with
 *                 distinct texts). Chains are walked with a bound, so a cycle is an error.
 *
 * The failure is one ImageError naming its check and what was wrong, in a line.
 */
import * as cells from '../kernel/machine/cells.ts';
import { CellStore, TAG_NAMES } from '../kernel/machine/cells.ts';
import type { Machine } from '../kernel/machine/machine.ts';
import { textOf } from '../kernel/objects/access.ts';
import { BEHAVIOUR, BINDING, CLASS, ENTRY, LOG, MARK, METHOD, ROOTS } from '../kernel/objects/layout.ts';
import {
  FORMAT_VERSION, HeaderDecodeFailure, imageError, LAYOUT_FINGERPRINT, SEGMENT_NAMES, type ImageError, type ImageHeader,
  type SegmentEntry,
} from './format.ts';

// Module-local copies of the constants the loops below read (an imported binding is a
// property access each time, which the walk of a million objects feels).
const TAG_NUM = cells.TAG_NUM, TAG_PTR = cells.TAG_PTR, TAG_HDR = cells.TAG_HDR, TAG_CODE = cells.TAG_CODE;
const TAG_STACK = cells.TAG_STACK, TAG_POISON = cells.TAG_POISON;
const FORMAT_POINTERS = cells.FORMAT_POINTERS, FORMAT_BYTES = cells.FORMAT_BYTES, FORMAT_CODE = cells.FORMAT_CODE;
const FORMAT_FREE = cells.FORMAT_FREE, MAX_SLOTS = cells.MAX_SLOTS, FORMAT_WORDS = cells.FORMAT_WORDS;
const SYMBOL_CLASS = CLASS.Symbol, WIDE_SYMBOL_CLASS = CLASS.WideSymbol;

/**
 * The version of these checks, recorded with each image found to pass them (checked.ts): a
 * record made by other checks is not believed. Add one when a check is added or changed.
 */
export const CHECKS_VERSION = 1;

// ---- the header ---------------------------------------------------------------------------

type Fields = Record<string, unknown>;

function isRecord(x: unknown): x is Fields {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

const isCount = (x: unknown, max = CellStore.MAX_CELLS): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max;

/** The header's fields checked for presence and type, then version, layout and geometry. */
export function checkHeader(raw: unknown): ImageHeader | ImageError {
  if (raw instanceof HeaderDecodeFailure) return imageError('header', `the header is not MessagePack (${raw.message})`);
  if (!isRecord(raw)) return imageError('header', 'the header is not a map');
  // The version first: a newer format may have different fields.
  if (typeof raw.format !== 'number' || !Number.isInteger(raw.format)) return imageError('header', 'the header has no format version');
  if (raw.format > FORMAT_VERSION) {
    return imageError('version', `format version ${raw.format} is newer than this Bedrock reads (${FORMAT_VERSION}); written by ${typeof raw.writer === 'string' ? raw.writer : 'an unknown writer'}`);
  }
  if (raw.format !== FORMAT_VERSION) return imageError('version', `format version ${raw.format} is not one this Bedrock reads (${FORMAT_VERSION})`);
  const missing = (where: string, name: string): ImageError => imageError('header', `the header's ${where}${name} is missing or of the wrong type`);
  for (const k of ['writer', 'created', 'layout'] as const) if (typeof raw[k] !== 'string') return missing('', k);
  const groups: Record<string, readonly string[]> = {
    machine: ['cells', 'lowCells', 'fixedHi', 'stackCells'],
    heap: ['fixedTop', 'oldTop', 'oldEnd', 'nurseryLo', 'nurseryTop', 'nurseryCells', 'maxCells', 'largeObjectCells'],
    journal: ['seq', 'offset'],
    payload: ['bytes', 'crc32'],
  };
  for (const [group, names] of Object.entries(groups)) {
    const g = raw[group];
    if (!isRecord(g)) return missing('', group);
    for (const n of names) if (!isCount(g[n], Number.MAX_SAFE_INTEGER)) return missing(`${group}.`, n);
  }
  const heap = raw.heap as Fields, kernel = raw.kernel, journal = raw.journal as Fields;
  if (typeof heap.growthFactor !== 'number' || !Number.isFinite(heap.growthFactor)) return missing('heap.', 'growthFactor');
  if (!isRecord(kernel) || !isCount(kernel.roots, Number.MAX_SAFE_INTEGER)) return missing('kernel.', 'roots');
  if (kernel.backend !== 'native' && kernel.backend !== 'threaded') return missing('kernel.', 'backend');
  if (typeof journal.id !== 'string') return missing('journal.', 'id');
  if (!Array.isArray(raw.segments)) return missing('', 'segments');
  for (const s of raw.segments as unknown[]) {
    if (!isRecord(s) || typeof s.name !== 'string' || !isCount(s.first) || !isCount(s.cells)) return imageError('header', 'a segment entry is malformed');
  }
  if (raw.layout !== LAYOUT_FINGERPRINT) {
    return imageError('layout', `the image was written for kernel layout ${String(raw.layout)}, this Bedrock has ${LAYOUT_FINGERPRINT} (written by ${String(raw.writer)})`);
  }
  // A clean copy: only the fields this code knows, whatever else the map held.
  const r = raw as unknown as ImageHeader;
  const h: ImageHeader = {
    format: r.format, writer: r.writer, created: r.created, layout: r.layout,
    machine: { cells: r.machine.cells, lowCells: r.machine.lowCells, fixedHi: r.machine.fixedHi, stackCells: r.machine.stackCells },
    heap: {
      fixedTop: r.heap.fixedTop, oldTop: r.heap.oldTop, oldEnd: r.heap.oldEnd, nurseryLo: r.heap.nurseryLo, nurseryTop: r.heap.nurseryTop,
      nurseryCells: r.heap.nurseryCells, maxCells: r.heap.maxCells, largeObjectCells: r.heap.largeObjectCells, growthFactor: r.heap.growthFactor,
    },
    kernel: { roots: r.kernel.roots, backend: r.kernel.backend },
    journal: { id: r.journal.id, seq: r.journal.seq, offset: r.journal.offset },
    segments: r.segments.map((s) => ({ name: s.name, first: s.first, cells: s.cells })),
    payload: { bytes: r.payload.bytes, crc32: r.payload.crc32 },
  };
  return checkGeometry(h) ?? h;
}

function checkGeometry(h: ImageHeader): ImageError | null {
  const bad = (what: string): ImageError => imageError('geometry', what);
  const { cells, lowCells, fixedHi, stackCells } = h.machine;
  const { fixedTop, oldTop, oldEnd, nurseryLo, nurseryTop, nurseryCells, maxCells, largeObjectCells, growthFactor } = h.heap;
  if (cells > CellStore.MAX_CELLS) return bad(`memory of ${cells} cells is more than the most (${CellStore.MAX_CELLS})`);
  if (lowCells % 64 !== 0 || lowCells > 1 << 24) return bad(`low memory of ${lowCells} cells is not a multiple of 64 below 2^24`);
  const fixedCells = fixedHi - lowCells;
  if (fixedCells < 64 || fixedCells % 64 !== 0) return bad(`the fixed space (cells ${lowCells} to ${fixedHi}) is not a positive multiple of 64 cells`);
  if (stackCells < 1 || stackCells + 3 > fixedCells) return bad(`a stack of ${stackCells} cells does not fit the fixed space`);
  if (fixedHi + 256 > cells) return bad(`memory of ${cells} cells is too small for its fixed space (to ${fixedHi})`);
  if (fixedTop < lowCells + stackCells + 3 || fixedTop > fixedHi) return bad(`the fixed space's top ${fixedTop} is outside it`);
  if (!(fixedHi <= oldTop && oldTop <= oldEnd && oldEnd === nurseryLo && nurseryLo <= nurseryTop && nurseryTop <= cells)) {
    return bad(`spaces out of order: old ${fixedHi}..${oldTop}..${oldEnd}, nursery ${nurseryLo}..${nurseryTop}, memory ${cells}`);
  }
  if (nurseryCells < 64 || nurseryCells % 64 !== 0 || nurseryCells > cells) return bad(`a nursery of ${nurseryCells} cells`);
  if (maxCells < cells || maxCells > MAX_SLOTS) return bad(`a memory ceiling of ${maxCells} cells below its memory (${cells})`);
  if (largeObjectCells < 16 || largeObjectCells > MAX_SLOTS) return bad(`a large-object threshold of ${largeObjectCells} cells`);
  if (!(growthFactor >= 1.25 && growthFactor <= 1024)) return bad(`a growth factor of ${growthFactor}`);
  const want: readonly SegmentEntry[] = expectedSegments(lowCells, fixedTop, fixedHi, oldTop, nurseryLo, nurseryTop, machineMadeCells(lowCells, stackCells));
  if (h.segments.length !== want.length) return bad(`${h.segments.length} segments, not ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const s = h.segments[i], w = want[i];
    if (s.name !== w.name || s.first !== w.first || s.cells !== w.cells) {
      return bad(`segment ${i} is ${s.name} [${s.first}, +${s.cells}), not ${w.name} [${w.first}, +${w.cells})`);
    }
  }
  if (h.kernel.roots % 8 !== 0 || h.kernel.roots / 8 - 1 < lowCells || h.kernel.roots / 8 - 1 >= fixedTop) {
    return bad(`the kernel's roots (${h.kernel.roots}) are not in the fixed space`);
  }
  return null;
}

/**
 * The segments a heap of this geometry is saved in: the used part of each space, the fixed
 * space's from `fixedFirst` (an image's, from machineMadeCells; a snapshot's, all of it).
 */
export function expectedSegments(lowCells: number, fixedTop: number, fixedHi: number, oldTop: number, nurseryLo: number, nurseryTop: number, fixedFirst = lowCells): SegmentEntry[] {
  const firsts = [0, fixedFirst, fixedHi, nurseryLo];
  const ends = [lowCells, fixedTop, oldTop, nurseryTop];
  return SEGMENT_NAMES.map((name, i) => ({ name, first: firsts[i], cells: ends[i] - firsts[i] }));
}

/**
 * Where an image's fixed segment begins: after what the machine makes itself at the start of
 * its fixed space (its stack's header, the stack, the exit stub's two cells; machine.ts), which
 * an image does not hold. A save is made between evaluations, with the stack empty and cleared
 * (save.ts), so that every cell of it is 0, as a new machine's is: 0.6 MB of zeros that every
 * start read into memory it then had to be given page by page (issue 12, item 4).
 */
export function machineMadeCells(lowCells: number, stackCells: number): number {
  return lowCells + 1 + stackCells + 2;
}

// ---- the heap -----------------------------------------------------------------------------

/** What the heap walk found, for the kernel check, open and `image info`. */
export interface HeapFacts {
  /** Objects (free chunks not counted). */
  readonly objects: number;
  /** Free chunks of the fixed space, as [header cell, cells] pairs. */
  readonly freeChunks: number[];
  /** Header cells of every Symbol in the fixed space. */
  readonly symbols: number[];
  /** Header cells of poisoned objects (their header is tagged poison). */
  readonly poisoned: ReadonlySet<number>;
  /** Cells in use: all the segments less free chunks. */
  readonly usedCells: number;
  /**
   * Header cells of the stack objects of the fixed space other than the machine's own (word
   * objects of no class): the stacks of processes that were waiting when the image was saved.
   */
  readonly stacks: readonly number[];
  /** Code objects of the fixed space, as [header cell, code bytes] pairs (the machine's own too). */
  readonly code: readonly number[];
}

export interface HeapBounds {
  readonly lowCells: number;
  readonly fixedLo: number;
  readonly fixedTop: number;
  readonly oldLo: number;
  readonly oldTop: number;
  readonly nurseryLo: number;
  readonly nurseryTop: number;
}

/**
 * Walk and check the heap in `m`'s memory (already copied in; the rest of memory is zero).
 * Registers a code cache for every code object of the fixed space after the machine's own
 * (the stack and exit stub, which `m` made itself). Sets the cards.
 *
 * One pass over each space, from header to header, looks at every cell of every object: a
 * header tag inside an object is an error, and a pointer must point at the cell after a
 * header-tagged cell that is not a free chunk's. Since by the end of the pass every header
 * tag has been found to be a header (or the image refused), those pointers are the first
 * slots of objects; no table of object starts is needed. The rare cells the loop leaves
 * aside (code and stack addresses, pointers to poisoned objects) are judged after it.
 */
export function checkHeap(m: Machine, b: HeapBounds): HeapFacts | ImageError {
  const st = m.store;
  const C32 = st.cells32, T = st.tags;
  const found: Found = { objects: 0, freeCells: 0, freeChunks: [], symbols: [], code: [], stacks: [], poisoned: new Set(), deferred: [], cellFailed: false };
  const sLo = m.stackLo >> 3, sHi = m.stackHi >> 3;
  const nLo = b.nurseryLo, nTop = b.nurseryTop;
  st.cards.fill(0);
  const bad = scanLow(C32, T, found, b.lowCells, st.cellCount);
  if (bad >= 0) return cellError(m, b, bad);
  const spaces: [string, number, number][] = [['fixed', b.fixedLo, b.fixedTop], ['old', b.oldLo, b.oldTop], ['nursery', nLo, nTop]];
  for (const [name, lo, hi] of spaces) {
    const at = walkSpace(C32, T, st.cards, found, lo, hi, name === 'fixed', name === 'nursery', st.cellCount, b.fixedLo, b.fixedTop, nLo, nTop, sLo, sHi);
    if (at >= 0) return found.cellFailed ? cellError(m, b, at) : walkError(C32, T, name, at, hi);
  }
  // Code caches, for the code objects after the machine's own (registered when it was made).
  for (let i = 0; i < found.code.length; i += 2) if (found.code[i] >= m.fixedBoot) m.adoptCode(found.code[i], C32[2 * found.code[i]], found.code[i + 1]);
  for (const c of found.deferred) {
    const problem = closerLook(m, found, c);
    if (problem) return problem;
  }
  const usedCells = b.lowCells + (b.fixedTop - b.fixedLo) + (b.oldTop - b.oldLo) + (nTop - nLo) - found.freeCells;
  const stacks = found.stacks.filter((h) => h !== sLo - 1);
  return { objects: found.objects, freeChunks: found.freeChunks, symbols: found.symbols, poisoned: found.poisoned, usedCells, stacks, code: found.code };
}

interface Found {
  objects: number;
  freeCells: number;
  readonly freeChunks: number[];
  readonly symbols: number[];
  /** Code objects: header cell, byte length. */
  readonly code: number[];
  /** Stack objects (fixed word objects of no class): header cells, in address order. */
  readonly stacks: number[];
  readonly poisoned: Set<number>;
  /** Cells to judge after the walk (closerLook). */
  readonly deferred: number[];
  /** The walk stopped at a bad cell inside an object, not at a bad header. */
  cellFailed: boolean;
}

/** Low memory: anything but a header tag; pointers checked as in walkSpace. -1 or the bad cell. */
function scanLow(C32: Int32Array, T: Uint8Array, found: Found, hi: number, n: number): number {
  for (let c = 0; c < hi; c++) {
    const t = T[c];
    if (t === 0) continue;
    if (t === 1) {
      const p = C32[2 * c];
      const target = (p >> 3) - 1;
      if (C32[2 * c + 1] !== 0 || (p & 7) !== 0 || target < 0 || target >= n || T[target] !== 2) found.deferred.push(c);
    } else if (t === 3 || t === 4) {
      found.deferred.push(c);
    } else {
      // A header, or poison: only an object sent to another actor is poisoned, and low
      // memory holds no object.
      return c;
    }
  }
  return -1;
}

/**
 * Walk [lo, hi) from header to header, checking each header and every cell of each object;
 * -1, or the cell where it went wrong (a header, or a cell inside an object: cellFailed).
 */
function walkSpace(C32: Int32Array, T: Uint8Array, cards: Uint8Array, found: Found, lo: number, hi: number, fixed: boolean, young: boolean,
  n: number, fixedLo: number, fixedTop: number, nLo: number, nTop: number, sLo: number, sHi: number): number {
  let h = lo;
  let objects = 0;
  const deferred = found.deferred;
  while (h < hi) {
    const t = T[h];
    const slots = C32[2 * h]; // as a signed 32-bit number: a count of 2^31 or more is too big anyway
    const high = C32[2 * h + 1];
    const format = high & 0xf;
    if (slots < 0 || slots > MAX_SLOTS || h + 1 + slots > hi) return h;
    if (t === TAG_POISON) found.poisoned.add(h);
    else if (t !== TAG_HDR) return h;
    const end = h + 1 + slots;
    if (format === FORMAT_FREE) {
      if (!fixed || high >>> 4 !== 0 || t !== TAG_HDR) return h;
      for (let c = h + 1; c < end; c++) if (T[c] !== TAG_NUM) return h;
      found.freeChunks.push(h, slots + 1);
      found.freeCells += slots + 1;
      h = end;
      continue;
    }
    if (format > FORMAT_CODE) return h;
    objects++;
    if (format === FORMAT_CODE) {
      const bytes = cells.codeByteLength(C32, h, slots, high);
      if (!fixed || slots === 0 || bytes <= 0) return h;
      found.code.push(h, bytes);
    } else if (fixed && ((format === FORMAT_BYTES && high >>> 15 === SYMBOL_CLASS) || (format === FORMAT_WORDS && high >>> 15 === WIDE_SYMBOL_CLASS))) {
      found.symbols.push(h);
    } else if (fixed && high === FORMAT_WORDS) {
      found.stacks.push(h);
    }
    for (let c = h + 1; c < end; c++) {
      const ct = T[c];
      if (ct === 0) continue;
      if (ct === 1) {
        const p = C32[2 * c];
        const target = (p >> 3) - 1;
        if (C32[2 * c + 1] !== 0 || (p & 7) !== 0 || target < 0 || target >= n || T[target] !== 2 ||
          (target >= fixedLo && target < fixedTop && (C32[2 * target + 1] & 0xf) === 15)) {
          deferred.push(c);
          continue;
        }
        // The write barrier's record: the minor collector finds old-to-young pointers by card.
        if (!young && target >= nLo && target < nTop && (c < sLo || c >= sHi)) cards[c >> 6] = 1;
      } else if (ct === 3 || ct === 4) {
        deferred.push(c);
      } else if (ct !== 5) {
        found.cellFailed = true;
        return c;
      }
    }
    h = end;
  }
  found.objects += objects;
  return -1;
}

/** Why the walk stopped at header cell h of space `name`. */
function walkError(C32: Int32Array, T: Uint8Array, name: string, h: number, hi: number): ImageError {
  const t = T[h];
  const slots = C32[2 * h], high = C32[2 * h + 1], format = high & 0xf;
  if (slots < 0 || slots > MAX_SLOTS || h + 1 + slots > hi) return imageError('heap', `the object at cell ${h} (${slots >>> 0} slots) runs past the end of the ${name} space (${hi})`);
  if (t !== TAG_HDR && t !== TAG_POISON) return imageError('heap', `cell ${h} of the ${name} space should begin an object but is tagged ${TAG_NAMES[t] ?? t}`);
  if (format === FORMAT_FREE) {
    if (name !== 'fixed') return imageError('heap', `a free chunk at cell ${h} in the ${name} space`);
    if (high >>> 4 !== 0 || t !== TAG_HDR) return imageError('heap', `the free chunk at cell ${h} has a class, pad, flags or poison`);
    return imageError('heap', `the free chunk at cell ${h} holds something other than numbers`);
  }
  if (format > FORMAT_CODE) return imageError('heap', `the object at cell ${h} has format ${format}, which is none of pointers, words, bytes or code`);
  if (name !== 'fixed') return imageError('heap', `a code object at cell ${h} outside the fixed space`);
  return imageError('heap', `the code object at cell ${h} is empty`);
}

/** Why cell c (in low memory or inside an object) is wrong: a header tag, or no tag at all. */
function cellError(m: Machine, b: HeapBounds, c: number): ImageError {
  const t = m.store.tags[c];
  if (t === TAG_HDR) return imageError('heap', `cell ${c} is tagged as a header ${c < b.lowCells ? 'in low memory' : 'inside an object'}`);
  return imageError('heap', `cell ${c} has tag ${t}, which is no tag`);
}

/** The verdict on a cell the walk left aside: null when it is a good code or stack address, or a pointer to a poisoned object. */
function closerLook(m: Machine, found: Found, c: number): ImageError | null {
  const C32 = m.store.cells32, T = m.store.tags, t = T[c];
  const lo = C32[2 * c], hi = C32[2 * c + 1];
  switch (t) {
    case TAG_PTR: {
      const target = (lo >> 3) - 1;
      if (hi === 0 && (lo & 7) === 0 && found.poisoned.has(target)) return null;
      return imageError('pointers', `cell ${c} holds a pointer to ${hexOf(hi, lo)}, which is not the first slot of an object`);
    }
    case TAG_CODE:
      return hi === 0 && lo >= 0 && m.codeOfReturnAddress(lo) ? null : imageError('pointers', `cell ${c} holds code address ${hexOf(hi, lo)}, which is in no code object`);
    default: {
      if (hi === 0 && lo >= m.stackLo && lo <= m.stackHi) return null;
      // Or in a waiting process's stack (process-service.ts): its frames, and the contexts and
      // blocks of the methods running there, hold addresses in it. (One past its end is its top.)
      const h = hi === 0 && (lo & 7) === 0 ? stackHolding(found.stacks, C32, lo >> 3) : -1;
      return h >= 0 ? null : imageError('pointers', `cell ${c} holds stack address ${hexOf(hi, lo)}, which is in no stack`);
    }
  }
}

/** The stack object (header cell) whose slots hold cell c, or which ends just before it (its top), or -1; `stacks` is in address order. */
function stackHolding(stacks: readonly number[], C32: Int32Array, c: number): number {
  let a = 0, b = stacks.length - 1;
  while (a <= b) {
    const mid = (a + b) >> 1, h = stacks[mid];
    if (c <= h) b = mid - 1;
    else if (c > h + 1 + (C32[2 * h] >>> 0)) a = mid + 1;
    else return h;
  }
  return -1;
}

function hexOf(hi: number, lo: number): string {
  return '0x' + ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16);
}

// ---- the kernel's objects -----------------------------------------------------------------

/** What the kernel check read, for open and `image info`. */
export interface KernelFacts {
  readonly nil: number;
  /** Mark names, newest first. */
  readonly marks: readonly string[];
  readonly behaviours: number;
  readonly methods: number;
  readonly globals: number;
  readonly logEntries: number;
  /** Symbol addresses (first slots), to enter in the symbol table. */
  readonly symbols: readonly number[];
  /** Their texts, in the same order. */
  readonly symbolTexts: readonly string[];
}

/** Check the object system's shapes from the roots out (see the module comment). */
export function checkKernel(m: Machine, facts: HeapFacts, roots: number): KernelFacts | ImageError {
  const st = m.store;
  const C32 = st.cells32, T = st.tags;
  const bound = facts.objects + 1; // no chain is longer than there are objects
  const n = st.cellCount;

  /** checkHeap has made sure a header tag is a header: an object's, unless its format is free. */
  const isObj = (p: number): boolean => {
    const h = (p >> 3) - 1;
    return (p & 7) === 0 && p > 8 && h < n && T[h] === TAG_HDR && (C32[2 * h + 1] & 0xf) !== FORMAT_FREE;
  };
  const slots = (p: number): number => C32[2 * ((p >> 3) - 1)] >>> 0;
  const classOf = (p: number): number => C32[2 * ((p >> 3) - 1) + 1] >>> 15;
  const formatOf = (p: number): number => C32[2 * ((p >> 3) - 1) + 1] & 0xf;
  /** Slot i as an object address when it is a pointer, else -1. */
  const ptr = (p: number, i: number): number => {
    const c = (p >> 3) + i;
    return T[c] === TAG_PTR ? C32[2 * c] : -1;
  };
  const num = (p: number, i: number): number | null => {
    const c = (p >> 3) + i;
    return T[c] === TAG_NUM && C32[2 * c + 1] === 0 && C32[2 * c] >= 0 ? C32[2 * c] : null;
  };
  const shaped = (p: number, cls: number, n: number, exact = true): boolean =>
    isObj(p) && classOf(p) === cls && formatOf(p) === FORMAT_POINTERS && (exact ? slots(p) === n : slots(p) >= n);
  const isSymbol = (p: number): boolean => isObj(p) && ((classOf(p) === CLASS.Symbol && formatOf(p) === FORMAT_BYTES) || (classOf(p) === CLASS.WideSymbol && formatOf(p) === FORMAT_WORDS));
  /** A String's bytes, or a WideString's code points (words). */
  const isString = (p: number): boolean => isObj(p) && (formatOf(p) === FORMAT_BYTES || formatOf(p) === FORMAT_WORDS);
  const isCode = (p: number): boolean => isObj(p) && formatOf(p) === FORMAT_CODE;
  const text = (p: number): string => textOf(m, p);

  if (!shaped(roots, CLASS.KernelRoots, ROOTS.SIZE)) return imageError('kernel', `the kernel's roots at ${roots} are not a KernelRoots object of ${ROOTS.SIZE} slots`);
  const nil = ptr(roots, ROOTS.NIL);
  if (!isObj(nil) || classOf(nil) !== CLASS.UndefinedObject) return imageError('kernel', 'nil is not an UndefinedObject');
  for (const [slot, name] of [[ROOTS.TRUE, 'true'], [ROOTS.FALSE, 'false']] as const) {
    const b = ptr(roots, slot);
    if (!isObj(b) || classOf(b) !== (slot === ROOTS.TRUE ? CLASS.True : CLASS.False)) return imageError('kernel', `${name} is not a Boolean`);
  }
  const table = ptr(roots, ROOTS.CLASS_TABLE);
  if (!shaped(table, CLASS.Array, CLASS.FIRST_FREE, false)) return imageError('kernel', 'the class table is not an Array');
  const tableSize = slots(table);
  const nextClass = num(roots, ROOTS.NEXT_CLASS);
  if (nextClass === null || nextClass < CLASS.FIRST_FREE || nextClass > tableSize || nextClass > 1 << 17) {
    return imageError('kernel', `the next class index (${nextClass}) is not between ${CLASS.FIRST_FREE} and the class table's size (${tableSize})`);
  }
  const dnu = ptr(roots, ROOTS.DNU_SELECTOR);
  if (!isSymbol(dnu)) return imageError('kernel', 'the doesNotUnderstand: selector is not a Symbol');
  for (const [slot, name] of [[ROOTS.DNU_TRAMPOLINE, 'doesNotUnderstand: trampoline'], [ROOTS.UNWIND, 'unwind entry']] as const) {
    const p = ptr(roots, slot);
    if (p !== nil && !isCode(p)) return imageError('kernel', `the ${name} is not a code object`);
  }
  const chars = ptr(roots, ROOTS.CHARACTERS);
  if (chars !== nil && !shaped(chars, CLASS.Array, 256)) return imageError('kernel', 'the characters are not an Array of 256');

  // Method entries, each checked once (chains share their tails with the marks' heads).
  const checkedEntries = new Set<number>();
  let methods = 0;
  const walking = new Set<number>();
  const chain = (head: number, owner: () => string): ImageError | null => {
    walking.clear();
    const done = (): null => { for (const e of walking) checkedEntries.add(e); return null; };
    for (let e = head; e !== nil; e = ptr(e, ENTRY.NEXT)) {
      if (checkedEntries.has(e)) return done();
      if (walking.has(e) || walking.size > bound) return imageError('chains', `the method chain of ${owner()} does not end (a cycle)`);
      walking.add(e);
      if (!shaped(e, CLASS.MethodEntry, ENTRY.SIZE)) return imageError('chains', `a method entry of ${owner()} (${e}) is not a MethodEntry of ${ENTRY.SIZE} slots`);
      const sel = ptr(e, ENTRY.SELECTOR);
      if (!isSymbol(sel)) return imageError('chains', `a method entry of ${owner()} has no selector Symbol`);
      const method = ptr(e, ENTRY.METHOD);
      const where = (): string => `${owner()}>>${text(sel)}`;
      if (method === nil) continue; // removed (removeSelector:)
      if (!shaped(method, CLASS.CompiledMethod, METHOD.SIZE)) return imageError('chains', `${where()} is not a CompiledMethod of ${METHOD.SIZE} slots`);
      if (!isCode(ptr(method, METHOD.CODE)) || !isCode(ptr(method, METHOD.ENTRY))) return imageError('chains', `${where()} has no code object`);
      methods++;
    }
    return done();
  };

  let behaviours = 0;
  for (let i = 1; i < tableSize; i++) {
    const b = ptr(table, i);
    if (b === nil) continue;
    if (b < 0 || !isObj(b) || slots(b) !== BEHAVIOUR.SIZE || formatOf(b) !== FORMAT_POINTERS) return imageError('behaviours', `class table slot ${i} is neither nil nor a behaviour`);
    if (num(b, BEHAVIOUR.INDEX) !== i) return imageError('behaviours', `the behaviour in class table slot ${i} says its index is ${num(b, BEHAVIOUR.INDEX)}`);
    const name = ptr(b, BEHAVIOUR.NAME);
    if (name !== nil && !isSymbol(name)) return imageError('behaviours', `the behaviour of class index ${i} has a name that is not a Symbol`);
    const label = (): string => (name === nil ? `class ${i}` : text(name)); // for a message only
    if (num(b, BEHAVIOUR.FORMAT) === null) return imageError('behaviours', `${label()} has no instance format`);
    const ivars = ptr(b, BEHAVIOUR.IVARS);
    if (ivars !== nil && !(shaped(ivars, CLASS.Array, 0, false) && allSymbols(ivars))) return imageError('behaviours', `${label()}'s instance variable names are not an Array of Symbols`);
    let steps = 0;
    for (let p = ptr(b, BEHAVIOUR.PARENT); p !== nil; p = ptr(p, BEHAVIOUR.PARENT)) {
      if (++steps > tableSize) return imageError('behaviours', `the parents of ${label()} do not end at nil (a cycle)`);
      const pi = isObj(p) && slots(p) === BEHAVIOUR.SIZE ? num(p, BEHAVIOUR.INDEX) : null;
      if (pi === null || pi >= tableSize || ptr(table, pi) !== p) return imageError('behaviours', `a parent of ${label()} is not a behaviour in the class table`);
    }
    const failed = chain(ptr(b, BEHAVIOUR.METHODS), label);
    if (failed) return failed;
    behaviours++;
  }
  function allSymbols(a: number): boolean {
    for (let i = 0; i < slots(a); i++) if (!isSymbol(ptr(a, i))) return false;
    return true;
  }

  // Globals.
  let globals = 0;
  const bindingChain = (head: number, what: string): ImageError | null => {
    let steps = 0;
    for (let g = head; g !== nil; g = ptr(g, BINDING.NEXT)) {
      if (++steps > bound) return imageError('globals', `the ${what} chain does not end (a cycle)`);
      if (!shaped(g, CLASS.Binding, BINDING.SIZE)) return imageError('globals', `a link of the ${what} chain is not a Binding of ${BINDING.SIZE} slots`);
      if (!isSymbol(ptr(g, BINDING.NAME))) return imageError('globals', `a global's name is not a Symbol`);
    }
    return null;
  };
  const globalsHead = ptr(roots, ROOTS.GLOBALS);
  const gFailed = bindingChain(globalsHead, 'globals');
  if (gFailed) return gFailed;
  for (let g = globalsHead; g !== nil; g = ptr(g, BINDING.NEXT)) globals++;

  // The definition log.
  const logChain = (head: number): ImageError | null => {
    let steps = 0;
    for (let e = head; e !== nil; e = ptr(e, LOG.PREVIOUS)) {
      if (++steps > bound) return imageError('log', 'the definition log does not end (a cycle)');
      if (!shaped(e, CLASS.LogEntry, LOG.SIZE)) return imageError('log', `a log entry (${e}) is not a LogEntry of ${LOG.SIZE} slots`);
      if (!isSymbol(ptr(e, LOG.KIND))) return imageError('log', 'a log entry has no kind');
      const name = ptr(e, LOG.NAME), source = ptr(e, LOG.SOURCE);
      if (name !== nil && !isSymbol(name)) return imageError('log', 'a log entry\'s name is not a Symbol');
      if (source !== nil && !isString(source)) return imageError('log', 'a log entry\'s source is not a String');
    }
    return null;
  };
  const logHead = ptr(roots, ROOTS.LOG);
  const lFailed = logChain(logHead);
  if (lFailed) return lFailed;
  let logEntries = 0;
  for (let e = logHead; e !== nil; e = ptr(e, LOG.PREVIOUS)) logEntries++;

  // Marks: each with the heads forget will put back.
  const marks: string[] = [];
  let steps = 0;
  for (let mk = ptr(roots, ROOTS.MARKS); mk !== nil; mk = ptr(mk, MARK.PARENT)) {
    if (++steps > bound) return imageError('marks', 'the marks do not end (a cycle)');
    if (!shaped(mk, CLASS.Mark, MARK.SIZE)) return imageError('marks', `a mark (${mk}) is not a Mark of ${MARK.SIZE} slots`);
    const name = ptr(mk, MARK.NAME);
    if (!isSymbol(name)) return imageError('marks', 'a mark has no name');
    const label = `mark '${text(name)}'`;
    const count = num(mk, MARK.CLASS_COUNT);
    const heads = ptr(mk, MARK.HEADS);
    if (count === null || count > nextClass) return imageError('marks', `${label} records a class count of ${count}`);
    if (!shaped(heads, CLASS.Array, count, false)) return imageError('marks', `${label}'s heads are not an Array of ${count}`);
    for (let i = 1; i < count; i++) {
      const failed = chain(ptr(heads, i), () => `${label}, class ${i}`);
      if (failed) return imageError('marks', failed.message);
    }
    const failedG = bindingChain(ptr(mk, MARK.GLOBALS), `${label}'s globals`);
    if (failedG) return imageError('marks', failedG.message);
    const entry = ptr(mk, MARK.LOG);
    if (!shaped(entry, CLASS.LogEntry, LOG.SIZE)) return imageError('marks', `${label} has no log entry`);
    const failedL = logChain(entry);
    if (failedL) return imageError('marks', failedL.message);
    marks.push(text(name));
  }

  // Symbols: byte objects, one per text (read as the symbol table reads them, which keeps them).
  const seen = new Map<string, number>();
  const symbols: number[] = [];
  const symbolTexts: string[] = [];
  for (const h of facts.symbols) {
    const p = (h + 1) * 8;
    const t = textOf(m, p);
    const other = seen.get(t);
    if (other !== undefined) return imageError('symbols', `two symbols have the text '${t}' (at ${other} and ${p})`);
    seen.set(t, p);
    symbols.push(p);
    symbolTexts.push(t);
  }
  return { nil, marks, behaviours, methods, globals, logEntries, symbols, symbolTexts };
}
