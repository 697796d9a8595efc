/*
 * Tagged cells: the machine's memory.
 *
 * Memory is an array of 64-bit cells. Each cell has a tag kept outside its 64 bits, so a
 * number can hold any 64-bit value and still never be mistaken for a pointer. Registers
 * carry the same tags. Machine addresses are byte addresses: cell i is at address 8*i, so
 * the seed's `mov rax, [rdi*8]` reads cell rdi.
 *
 *   tag      meaning                                     produced by
 *   ------   -----------------------------------------   ------------------------------------
 *   NUM      a 64-bit number                             any arithmetic, logic, immediate
 *   PTR      the address of an object's first slot       the allocator; copied by mov/push/pop
 *   HDR      an object header (never written by code)    the allocator
 *   CODE     an address inside a code object             `call` (the return address)
 *   STACK    an address inside the current stack         rsp, and copies of it
 *   POISON   a cell of an object sent to another actor   the actor transfer
 *
 * An object is a header cell followed by its slots; a pointer is the address of slot 0:
 *
 *          +------------------------------------------+
 *   p-8    | header (tag HDR)                         |
 *          +------------------------------------------+
 *   p      | slot 0                                   |  <- pointer value p (tag PTR)
 *   p+8    | slot 1                                   |
 *          | ...                                      |
 *   p+8n-8 | slot n-1                                 |
 *          +------------------------------------------+
 *
 * The header cell's 64 bits (the low half is all a bounds check reads):
 *
 *    63           47 46       39 38  36 35  32 31                              0
 *   +---------------+-----------+------+------+---------------------------------+
 *   |  class index  |   flags   | pad  |format|      slot count (cells)         |
 *   |   (17 bits)   |  (8 bits) | (3)  | (4)  |          (32 bits)              |
 *   +---------------+-----------+------+------+---------------------------------+
 *
 *   format: POINTERS (slots may hold anything), WORDS (raw numbers), BYTES, CODE (bytes the
 *   machine may execute), and FREE: not an object but a free chunk of the fixed space (class
 *   index 0), so that space can be walked from header to header (kernel/memory/heap.ts).
 *   pad: unused bytes in the last cell of a BYTES object, or of a CODE object's code.
 *   flags: CODE_LITERALS on a code object with a literal area (below).
 *
 *   A code object may end in a literal area: cells that hold the objects its code names
 *   (nil, the kernel's roots, a method's literals), read `[rip+disp32]`, so that code reaches
 *   objects through pointers it holds and never through a fixed address. The collector sees
 *   them as it sees any cell (by tag) and updates them when their objects move. The last cell
 *   is their count n (a number); the n cells before it are the literals; the code's bytes are
 *   the cells before those, less the pad:
 *
 *     | code bytes (pad) | literal 0 | ... | literal n-1 | n |
 *
 *   Formats describe what an object is for, not what its cells may hold: any cell's tag says
 *   what it holds (a program may store a pointer into a WORDS object), and the collector
 *   reads tags, never formats, to find pointers.
 *
 * The whole store is one WebAssembly.Memory, which the WebAssembly tier (kernel/machine/wasm)
 * shares:
 *
 *   byte 0            STATE: registers, their tags, the lazy flags, and what translated code
 *                     reads of the machine's layout (see STATE below)
 *   byte 4096         CELLS: cell i at 4096 + 8*i, little-endian
 *   byte 4096 + 8*N   TAGS:  tag of cell i at 4096 + 8*N + i
 *   cardsOffset(N)    CARDS: one byte per CARD_CELLS cells, set when a pointer is stored into
 *                     one of them (the write barrier; read by the minor collector)
 *   mapsOffset(N)     MAPS:  two int32 per fixed-space cell as far as code reaches (F of
 *                     them): the code object holding the cell (its first slot's cell, or 0),
 *                     then 1 + the index of the code cache whose code object starts there
 *                     (or 0); the machine keeps them (Machine.codeStartOf, cacheIndexOf) and
 *                     translated code reads them to find a call's target and to notice
 *                     stores into code
 *
 * Memory grows (CellStore.grow): the cells region gets longer, so the tags, cards and maps
 * move up and every typed-array view is made again; the fixed space grows (growMaps) and the
 * maps get longer. Whoever keeps a view (the interpreter's run loop, translated code) takes it
 * again after anything that can allocate (a host service). The STATE fields that say where
 * each region is are written with the views. */

export const TAG_NUM = 0;
export const TAG_PTR = 1;
export const TAG_HDR = 2;
export const TAG_CODE = 3;
export const TAG_STACK = 4;
export const TAG_POISON = 5;
export const TAG_NAMES: readonly string[] = Object.freeze(['number', 'pointer', 'header', 'code', 'stack', 'poison']);

/**
 * A pointers or words object's identity hash: 11 bits the allocator gives it, in the pad and
 * flags bits of its header (bits 36..46), which only byte and code objects use otherwise.
 */
export const IDENTITY_HASH_SHIFT = 36;
export const IDENTITY_HASH_MASK = 0x7ff;

export const FORMAT_POINTERS = 0;
export const FORMAT_WORDS = 1;
export const FORMAT_BYTES = 2;
/** Added to the allocation service's format (r8): the object is made in the fixed space, where it never moves (pointers or words). */
export const ALLOCATE_FIXED = 8;
export const FORMAT_CODE = 3;
/** A free chunk of the fixed space: a header (class 0) and slot count, its cells unused. */
export const FORMAT_FREE = 15;
export const FORMAT_NAMES: readonly string[] = Object.freeze(['pointers', 'words', 'bytes', 'code']);

/** The header flag of a code object that ends in a literal area (the flags are bits 7..14 of the high half). */
export const CODE_LITERALS = 1;

/**
 * The bytes of code in a code object with `slots` slots, given its header's high half and the
 * cells (as 32-bit halves) of memory: its literal area, when it has one, is not code. -1 when
 * the literal count is not sane.
 */
export function codeByteLength(cells32: Int32Array, h: number, slots: number, high: number): number {
  const pad = (high >>> 4) & 7;
  if ((((high >>> 7) & 0xff) & CODE_LITERALS) === 0) return slots * 8 - pad;
  const count = cells32[2 * (h + slots)];
  if (cells32[2 * (h + slots) + 1] !== 0 || count < 0 || count + 2 > slots) return -1;
  return (slots - 1 - count) * 8 - pad;
}

/** Cells per card of the write barrier's card table (card of cell c: c >> CARD_SHIFT). */
export const CARD_SHIFT = 6;
export const CARD_CELLS = 1 << CARD_SHIFT;
/**
 * A card's bits: CARD_POINTER, set by the write barrier (a pointer was stored in the card since
 * the last minor collection, which reads and clears it), and CARD_WRITTEN, set by every store
 * of the machine into the fixed space outside the stack it runs on (interpreter, translated
 * code, Machine.setCell): a cell of the card was written since the last snapshot
 * (image/snapshot.ts takeSnapshot clears it, and sends a later snapshot of the same heap as
 * only the cards written since, while nothing else wrote: Machine.hostWrites).
 */
export const CARD_POINTER = 1;
export const CARD_WRITTEN = 2;

/** Largest object, in slots: memory never exceeds 2 GiB, so 2^28 cells. */
export const MAX_SLOTS = 2 ** 28;

export interface Header {
  readonly slots: number;
  readonly format: number;
  readonly pad: number;
  readonly flags: number;
  readonly classIndex: number;
}

/** High 32 bits of a header. */
export function headerHigh(h: Omit<Header, 'slots'>): number {
  return ((h.classIndex & 0x1ffff) << 15 | (h.flags & 0xff) << 7 | (h.pad & 7) << 4 | (h.format & 0xf)) | 0;
}

/** The 64 bits of a header cell. */
export function encodeHeader(h: Header): bigint {
  return BigInt.asIntN(64, (BigInt(headerHigh(h) >>> 0) << 32n) | BigInt(h.slots >>> 0));
}

export function decodeHeader(bits: bigint): Header {
  const lo = Number(BigInt.asUintN(32, bits));
  const hi = Number(BigInt.asUintN(32, bits >> 32n));
  return { slots: lo, format: headerFormat(hi), pad: (hi >>> 4) & 7, flags: (hi >>> 7) & 0xff, classIndex: hi >>> 15 };
}

/** Format from the high 32 bits of a header. */
export function headerFormat(hi: number): number { return hi & 0xf; }

export const STATE_BYTES = 4096;
const PAGE = 65536;
/** WebAssembly memories hold at most 65536 pages (4 GiB). */
const MAX_PAGES = 65536;

/** Bytes of the card table for `cells` cells (a multiple of 8, so it can be read by words). */
export function cardBytes(cells: number): number {
  return Math.ceil(Math.ceil(cells / CARD_CELLS) / 8) * 8;
}

/** Byte offset of the card table in memory, for a store of `cells` cells (8-aligned). */
export function cardsOffset(cells: number): number {
  return Math.ceil((STATE_BYTES + cells * 9) / 8) * 8;
}

/** Byte offset of the code maps, for a store of `cells` cells (8-aligned). */
export function mapsOffset(cells: number): number {
  return cardsOffset(cells) + cardBytes(cells);
}

function bytesFor(cells: number, mapCells: number): number {
  return mapsOffset(cells) + 8 * mapCells;
}

/** Offsets in the STATE region, in units of the view that reads them. */
export const STATE = Object.freeze({
  /** Registers: S64[r], halves S32[2r] (low) and S32[2r+1] (high). */
  REGS: 0,
  /** Register tags: S8[REG_TAGS + r]. */
  REG_TAGS: 128,
  /** Lazy flags: operands and result of the last flag-setting operation (S64 index). */
  FLAG_A: 20, FLAG_B: 21, FLAG_RES: 22,
  /** The same in S32 halves. */
  FLAG_A32: 40, FLAG_B32: 42, FLAG_RES32: 44,
  /** S32 indexes: flag kind, eagerly computed CF and OF, explicit flag bits. */
  FLAG_KIND: 48, FLAG_CF: 49, FLAG_OF: 50, FLAG_BITS: 51,
  /**
   * S32 indexes read and written by translated code (kernel/machine/wasm): the instructions it
   * may still execute (BUDGET), where control goes after it returns (TARGET and its tag, or
   * NEXT_CODE/NEXT_OFF/NEXT_MODE), and the machine's layout: where tags, cards and the code
   * maps are (byte offsets in the WebAssembly memory), the fixed space's cells, the stack's
   * byte bounds, and the bound of an access through the Memory capability. Bytes 256..1023
   * are the translator's; 1024..1279 are kept for the xmm registers.
   */
  BUDGET: 64, TARGET: 65, TARGET_TAG: 66, NEXT_CODE: 67, NEXT_OFF: 68, NEXT_MODE: 69,
  TAGS_BASE: 70, CARDS_BASE: 71, CODE_START_BASE: 72, CACHE_INDEX_BASE: 73,
  FIXED_LO: 74, FIXED_HI: 75, STACK_LO: 76, STACK_HI: 77, MEMORY_BOUND: 78, MAP_CELLS: 79,
});

/**
 * The xmm registers, in the STATE bytes kept for them (1024..1279): xmm r's low 64 bits are
 * S64[XMM_STATE + 2r] (and, as a double, F64[XMM_STATE + 2r]), its high 64 bits S64[XMM_STATE + 2r + 1].
 * (Not a STATE field: the image's layout fingerprint hashes STATE, and images hold no registers.)
 */
export const XMM_STATE = 128;

/** The allocation service's number (r11 at `syscall`; kernel/memory/heap.ts installs it). */
export const SERVICE_ALLOCATE = 0;

/**
 * The allocator's fast path, in STATE bytes 1280..1327 (not STATE fields, as XMM_STATE is
 * not): the heap (kernel/memory/heap.ts) keeps here what a nursery allocation reads and
 * changes, so that translated code (kernel/machine/wasm) can make an object without entering
 * the host, exactly as the ALLOCATE service's fast path does:
 *
 *   S32[TOP]    the nursery's bump pointer (cell index)   S32[END]   the nursery's end
 *   S32[FAST]   1 while the fast path may be taken (not stressed, not collecting, the
 *               heap's own ALLOCATE service installed)
 *   S32[LARGE]  objects of more cells than this go to old space (the host's way)
 *   S32[HASH]   the identity hash sequence's state     S32[FILL_TAG]  S64[FILL]: pointer slots' fill
 *   S64[OBJECTS], S64[CELLS]   objects and cells translated code allocated (the heap's
 *               GcStats add them to the host's own counts)
 */
export const NURSERY_STATE = Object.freeze({
  TOP: 320, END: 321, FAST: 322, LARGE: 323, HASH: 324, FILL_TAG: 325,
  FILL: 163,
  OBJECTS: 164, CELLS: 165,
});

/**
 * The machine's memory: cells, tags, the card table and the register state, in one
 * WebAssembly.Memory, seen through typed-array views. Views are re-made when memory grows.
 */
export class CellStore {
  readonly memory: WebAssembly.Memory;
  /** Number of cells; grows with grow(). */
  cellCount: number;
  /** Number of fixed-space cells the code maps cover; grows with growMaps(). */
  mapCells: number;
  /** Cell values. */
  cells!: BigInt64Array;
  /** Cell values as 32-bit halves (cell i: [2i] low, [2i+1] high). */
  cells32!: Int32Array;
  /** Cell bytes, by machine byte address. */
  bytes!: Uint8Array;
  /** Cell tags. */
  tags!: Uint8Array;
  /** The STATE region. */
  state64!: BigInt64Array;
  state32!: Int32Array;
  state8!: Uint8Array;
  /** The STATE region as doubles (the xmm registers, XMM_STATE). */
  stateF64!: Float64Array;
  /** Register tags (the REG_TAGS part of STATE). */
  regTags!: Uint8Array;
  /** The card table, by bytes and by 32-bit words (four cards a word). */
  cards!: Uint8Array;
  cards32!: Uint32Array;
  /** The code maps (see the header): by fixed-space cell, its code object's first cell; that cell's cache index. */
  codeStart!: Int32Array;
  cacheIndex!: Int32Array;
  /** Times the views were made again (tests check that memory really grew). */
  generation = 0;
  /**
   * Bytes of low memory: the bound of an access through the Memory capability (no base
   * register, or a number as the base). Only these raw cells, which belong to no object, can
   * be reached by a number; every object is reached through a pointer. The machine sets it.
   */
  lowBytes = 0;

  /**
   * `memory`, when given, is used instead of a new one: it must read 0 throughout (as a new
   * one does) and is grown if it is too small (see preparedMemory).
   */
  constructor(cellCount: number, mapCells = 0, memory?: WebAssembly.Memory) {
    this.cellCount = cellCount;
    this.mapCells = mapCells;
    const pages = Math.ceil(bytesFor(cellCount, mapCells) / PAGE);
    if (pages > MAX_PAGES) throw new RangeError(`memory of ${cellCount} cells is larger than 4 GiB`);
    this.memory = memory ?? new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES });
    if (memory && !this.reserve(pages * PAGE)) throw new RangeError(`memory of ${cellCount} cells cannot be had`);
    this.refreshViews();
  }

  /**
   * A memory for a store of `cellCount` cells and `mapCells` map cells, every page of it
   * written once, so that the operating system has given it all: the first write to a page
   * faults, and where that is slow (tens of microseconds a page on some machines) filling a
   * fresh memory of megabytes takes a tenth of a second. An actor's worker prepares one while
   * it waits (src/system/actor-worker.ts). `reuse`, a memory of an earlier machine, is
   * cleared and taken instead of a new one.
   */
  static preparedMemory(cellCount: number, mapCells: number, reuse?: WebAssembly.Memory): WebAssembly.Memory {
    const pages = Math.min(MAX_PAGES, Math.ceil(bytesFor(cellCount, mapCells) / PAGE));
    if (reuse) {
      new Uint8Array(reuse.buffer).fill(0);
      return reuse;
    }
    const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES });
    const u8 = new Uint8Array(memory.buffer);
    for (let i = 0; i < u8.length; i += 4096) u8[i] = 0;
    return memory;
  }

  /**
   * The most cells memory can ever hold: 220 Mi cells (1.7 GiB), so that the cells, their
   * tags (9 bytes a cell), the cards and the code maps all lie below 2^31 bytes, where every
   * offset the machine and the translator keep in 32 bits stays positive (at 2^28 cells the
   * card table's offset went negative). An allocation beyond it is an OutOfMemory error.
   */
  static readonly MAX_CELLS = 220 * 2 ** 20;

  /** The most bytes the WebAssembly memory may span (every offset fits a signed 32-bit word). */
  static readonly MAX_BYTES = 2 ** 31 - PAGE;

  /** Make the WebAssembly memory at least `bytes` long; false if it cannot grow that far. */
  private reserve(bytes: number): boolean {
    const have = this.memory.buffer.byteLength / PAGE;
    const need = Math.ceil(bytes / PAGE);
    if (need <= have) return true;
    if (need > MAX_PAGES || bytes > CellStore.MAX_BYTES) return false;
    try { this.memory.grow(need - have); } catch { return false; }
    return true;
  }

  /**
   * Grow memory to `cellCount` cells: the new cells are numbers (0), the tags, cards and maps
   * move up behind the longer cells region, and every view is made again. Returns false,
   * changing nothing, when the WebAssembly memory cannot grow that far.
   */
  grow(cellCount: number): boolean {
    const old = this.cellCount;
    if (cellCount <= old) return true;
    if (cellCount > CellStore.MAX_CELLS) return false;
    if (!this.reserve(bytesFor(cellCount, this.mapCells))) return false;
    const u8 = new Uint8Array(this.memory.buffer);
    // Everything moves up, so move the highest region first: maps, cards, then tags.
    const oldMaps = mapsOffset(old), newMaps = mapsOffset(cellCount);
    u8.copyWithin(newMaps, oldMaps, oldMaps + 8 * this.mapCells);
    const oldCards = cardsOffset(old), newCards = cardsOffset(cellCount);
    const oldEnd = oldMaps + 8 * this.mapCells;
    u8.copyWithin(newCards, oldCards, oldCards + cardBytes(old));
    const oldTags = STATE_BYTES + old * 8, newTags = STATE_BYTES + cellCount * 8;
    u8.copyWithin(newTags, oldTags, oldTags + old);
    // What is new must read 0: the new cells, the new tags and the new cards. Memory that
    // WebAssembly.Memory.grow added is 0 already, so only bytes the old layout used are
    // cleared (touching fresh pages would fault them in for nothing: a big grow is slow then).
    const clear = (from: number, to: number): void => { if (from < oldEnd) u8.fill(0, from, Math.min(to, oldEnd)); };
    clear(oldTags, newTags);
    clear(newTags + old, newTags + cellCount);
    clear(newCards + cardBytes(old), newCards + cardBytes(cellCount));
    this.cellCount = cellCount;
    this.refreshViews();
    return true;
  }

  /** Make the code maps cover `mapCells` fixed-space cells (new entries 0: no code there). */
  growMaps(mapCells: number): boolean {
    const old = this.mapCells;
    if (mapCells <= old) return true;
    if (!this.reserve(bytesFor(this.cellCount, mapCells))) return false;
    const base = mapsOffset(this.cellCount);
    const i32 = new Int32Array(this.memory.buffer, base, 2 * mapCells);
    i32.copyWithin(mapCells, old, 2 * old); // the cache indexes move up first
    i32.fill(0, old, mapCells);
    i32.fill(0, mapCells + old, 2 * mapCells);
    this.mapCells = mapCells;
    this.refreshViews();
    return true;
  }

  refreshViews(): void {
    const buf = this.memory.buffer;
    const n = this.cellCount;
    this.state64 = new BigInt64Array(buf, 0, STATE_BYTES / 8);
    this.state32 = new Int32Array(buf, 0, STATE_BYTES / 4);
    this.state8 = new Uint8Array(buf, 0, STATE_BYTES);
    this.stateF64 = new Float64Array(buf, 0, STATE_BYTES / 8);
    this.regTags = new Uint8Array(buf, STATE.REG_TAGS, 16);
    this.cells = new BigInt64Array(buf, STATE_BYTES, n);
    this.cells32 = new Int32Array(buf, STATE_BYTES, n * 2);
    this.bytes = new Uint8Array(buf, STATE_BYTES, n * 8);
    this.tags = new Uint8Array(buf, STATE_BYTES + n * 8, n);
    this.cards = new Uint8Array(buf, cardsOffset(n), cardBytes(n));
    this.cards32 = new Uint32Array(buf, cardsOffset(n), cardBytes(n) / 4);
    const maps = mapsOffset(n);
    this.codeStart = new Int32Array(buf, maps, this.mapCells);
    this.cacheIndex = new Int32Array(buf, maps + 4 * this.mapCells, this.mapCells);
    const s = this.state32;
    s[STATE.TAGS_BASE] = STATE_BYTES + n * 8;
    s[STATE.CARDS_BASE] = cardsOffset(n);
    s[STATE.CODE_START_BASE] = maps;
    s[STATE.CACHE_INDEX_BASE] = maps + 4 * this.mapCells;
    s[STATE.MAP_CELLS] = this.mapCells;
    s[STATE.MEMORY_BOUND] = this.lowBytes;
    this.generation++;
  }

  /** Size of memory in bytes. */
  get byteSize(): number { return this.cellCount * 8; }

  /** Make the first `cells` cells low memory, the reach of the Memory capability. */
  setLowCells(cells: number): void {
    this.lowBytes = cells * 8;
    this.state32[STATE.MEMORY_BOUND] = this.lowBytes;
  }
}
