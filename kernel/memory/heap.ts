/*
 * Object memory: the heap's spaces, allocation, the host's roots, and the allocation service.
 * The collections themselves, as lists of named phases, are in gc.ts.
 *
 * Memory, in cell indexes (every boundary after low memory is a multiple of 64 cells, one
 * card of the write barrier):
 *
 *   0      fixedLo        fixedTop  fixedHi=oldLo    oldTop      oldEnd=nurseryLo  nurseryTop  nurseryEnd
 *   +------+--------------+---------+----------------+-----------+-----------------+-----------+
 *   | low  | fixed space: | (bump   | old space:     | (free:    | nursery: new    | (free)    |
 *   |      | objects and  |  room)  | promoted and   | promotion | objects, packed |           |
 *   |      | free chunks  |         | large, packed  | target)   |                 |           |
 *   +------+--------------+---------+----------------+-----------+-----------------+-----------+
 *    raw    never moves: code,       moves in major collections   moves in every collection;
 *    scratch stacks, pinned objects; (sliding compaction)         nurseryEnd = cellCount
 *           mark-sweep, free lists
 *
 * Allocation is a bump of nurseryTop (objects larger than largeObjectCells bump oldTop
 * instead); pinned objects come from the fixed space's free chunks, or its bump room.
 * When the nursery is full, a minor collection copies what is reachable into old space
 * (promotion on first survival) and empties the nursery; when old space cannot take a full
 * nursery, a major collection compacts old space and the nursery together and sweeps the
 * fixed space. After a major collection memory grows (WebAssembly.Memory.grow) until old
 * space is at most 1/growthFactor full and has room for promotionRoom nurseries, up to
 * maxCells; the nursery always sits at the top of memory, so growing gives old space the
 * room the nursery leaves. The fixed space grows too, when it is full after a major
 * collection: that collection slides old space up to make room (fixed objects never move).
 *
 * A free chunk of the fixed space is an object-shaped gap, so the space can be walked from
 * header to header:
 *
 *          +------------------------------------------+
 *   h      | header (tag HDR): class 0 | format FREE | slots n |
 *          +------------------------------------------+
 *   h+1    | n cells, tags NUM, contents meaningless  |
 *   ...    |                                          |
 *          +------------------------------------------+
 *
 * Roots: the 16 registers, the current stack object (everything below rsp is dead and is made
 * numbers at each collection), low memory, the RootSet of host-held references, and the code
 * of the running host services and of a stopped run; every object keeps its behaviour alive
 * (hooks.behaviourOf). The collector is precise by tag: PTR values are references to move
 * and update; CODE and STACK values keep the fixed object they point into alive; NUM, HDR
 * and POISON values are never references.
 *
 * Between collections every PTR anywhere in memory points at an object (live, or dead but not
 * yet collected); after a collection every cell outside live objects and low memory is a
 * number, so no stale pointer survives one, even where only the Memory capability reaches.
 *
 * Host code holding a raw address across anything that allocates holds garbage: keep it in
 * the RootSet instead. Stress mode (heap.stress) collects before every allocation to flush
 * out such code in tests.
 */
import {
  ALLOCATE_FIXED, CARD_POINTER, CARD_SHIFT, CellStore, NURSERY_STATE, SERVICE_ALLOCATE, IDENTITY_HASH_MASK, IDENTITY_HASH_SHIFT, CODE_LITERALS, FORMAT_BYTES, FORMAT_CODE, FORMAT_FREE, FORMAT_POINTERS, FORMAT_WORDS,
  MAX_SLOTS, TAG_HDR, TAG_NUM, TAG_PTR, TAG_STACK,
} from '../machine/cells.ts';
import type { HostService, Machine } from '../machine/machine.ts';
import { collectMajor, collectMinor } from './gc.ts';

/** The heap made over machine `m` (new Heap(m, ...)); an error when there is none. */
export function heapOf(m: Machine): Heap {
  const h = m.objectMemory;
  if (!(h instanceof Heap)) throw new Error('this machine has no heap: make one over it with new Heap(machine)');
  return h;
}

/**
 * `syscall` with r11 = SERVICE_ALLOCATE: rcx class index, rdx slots (bytes for format 2), r8
 * format -> rax. The heap registers it on its machine unless that number is taken. (Named in
 * cells.ts, where translated code's fast path reads it.)
 */
export { ALLOCATE_FIXED, SERVICE_ALLOCATE };

export interface HeapOptions {
  /** Cells of the nursery (default: a quarter of the memory after the fixed space, at most 2^18). */
  readonly nurseryCells?: number;
  /** The ceiling memory may grow to, in cells (default and most: 2^28, 2 GiB of cells). */
  readonly maxCells?: number;
  /** Objects of more cells than this (header included) are made in old space (default: nursery/8). */
  readonly largeObjectCells?: number;
  /** After a major collection, old space is grown to hold growthFactor times its live cells (default 2). */
  readonly growthFactor?: number;
  /**
   * After a major collection, old space also has room for this many full nurseries beyond its
   * live cells (default 4), so the minor collections after it promote into that room before the
   * next major one. (With room for one, a program whose old space holds little, NBody, made
   * nearly every minor collection a major one: 28 of 29.)
   */
  readonly promotionRoom?: number;
  /** Collect before every allocation (tests). */
  readonly stress?: boolean;
}

export interface GcPhaseTime {
  readonly name: string;
  readonly ms: number;
}

export interface GcReport {
  /** What ran: a requested minor collection becomes a major one when old space is too full. */
  readonly kind: 'minor' | 'major';
  /** The pause, and each phase's part of it, in order. */
  readonly ms: number;
  readonly phases: readonly GcPhaseTime[];
  /** Cells copied out of the nursery (minor), or live cells of old space and nursery (major). */
  readonly survivingCells: number;
  /** Cells of old space in use after the collection. */
  readonly oldCells: number;
  /** Fixed-space cells freed, and code objects among the freed objects (major). */
  readonly freedFixedCells: number;
  readonly freedCodeObjects: number;
  /** Cells of memory after the collection (it may have grown). */
  readonly memoryCells: number;
}

export interface GcStats {
  minorCollections: number;
  majorCollections: number;
  /** Objects and cells (headers included) allocated, in every space. */
  objectsAllocated: number;
  cellsAllocated: number;
  /** Cells copied from the nursery to old space by minor collections. */
  promotedCells: number;
  totalPauseMs: number;
  longestPauseMs: number;
  longestMinorMs: number;
  longestMajorMs: number;
  /** Times memory grew. */
  grows: number;
  /** Per-phase milliseconds of the last collection. */
  lastPhases: Record<string, number>;
  lastKind: 'minor' | 'major' | null;
}

export interface HeapHooks {
  /** The behaviour object (in the fixed space) of a class index, or -1; marking follows it. */
  behaviourOf?: (classIndex: number) => number;
  /**
   * A fixed-space object (address of slot 0) is being freed, during a major collection. It
   * must not allocate, and must not follow the object's pointers (objects are moving).
   */
  onFreeFixed?: (address: number, headerBits: bigint) => void;
  /** After every collection. */
  onCollect?: (report: GcReport) => void;
  /**
   * Weak references: the class index whose instances' pointer slots do not keep their objects
   * alive, and the address (of a fixed object) a major collection puts in place of one that
   * nothing else keeps (a minor collection keeps them, as strong).
   */
  weak?: { readonly classIndex: number; readonly cleared: number };
}

/** Space usage, in cells. */
export interface HeapUsage {
  readonly memoryCells: number;
  readonly fixedCells: number;
  readonly fixedUsed: number;
  readonly fixedFree: number;
  readonly oldCells: number;
  readonly oldUsed: number;
  readonly nurseryCells: number;
  readonly nurseryUsed: number;
}

const RELEASED = 255;

/**
 * References held by the host, as (value, tag) pairs. PTR entries are updated when their
 * objects move; CODE and STACK entries keep their fixed objects alive; others are kept as
 * they are. An index stays valid until it is released.
 */
export class RootSet {
  private readonly values: bigint[] = [];
  private readonly tagsOf: number[] = [];
  private readonly released: number[] = [];
  private live = 0;

  /** Hold `value` (tagged `tag`); returns its index. */
  add(value: bigint, tag: number): number {
    const i = this.released.pop() ?? this.values.length;
    this.values[i] = value;
    this.tagsOf[i] = tag;
    this.live++;
    return i;
  }

  /** Hold a pointer to the object at `address`. */
  addPointer(address: number): number { return this.add(BigInt(address), TAG_PTR); }

  value(i: number): bigint { this.check(i); return this.values[i]; }
  tag(i: number): number { this.check(i); return this.tagsOf[i]; }
  /** The value as an address (for PTR entries). */
  address(i: number): number { this.check(i); return Number(this.values[i]); }

  set(i: number, value: bigint, tag: number): void {
    this.check(i);
    this.values[i] = value;
    this.tagsOf[i] = tag;
  }

  release(i: number): void {
    this.check(i);
    this.values[i] = 0n;
    this.tagsOf[i] = RELEASED;
    this.released.push(i);
    this.live--;
  }

  /** Number of entries held. */
  get size(): number { return this.live; }

  /** Collector's part: every held entry as (index, value, tag); `update` replaces a PTR value. */
  forEach(fn: (i: number, value: bigint, tag: number) => void): void {
    for (let i = 0; i < this.values.length; i++) if (this.tagsOf[i] !== RELEASED) fn(i, this.values[i], this.tagsOf[i]);
  }

  /** Collector's part: replace entry i's value, keeping its tag. */
  update(i: number, value: number): void { this.values[i] = BigInt(value); }

  private check(i: number): void {
    if (!(i >= 0 && i < this.values.length) || this.tagsOf[i] === RELEASED) throw new RangeError(`no root ${i}`);
  }
}

/** Smallest fixed chunks kept on exact-size free lists; bigger ones go on one first-fit list. */
const SMALL_CHUNK = 64;

/**
 * Cells of the fixed space taken at a time for code objects (see Heap.codeChunk): 16 KB of
 * cells, whose entries in the code maps are 2 pages.
 */
const CODE_ARENA = 2048;

/** Round up to a multiple of 64 cells. */
function align64(n: number): number { return Math.ceil(n / 64) * 64; }

export class Heap {
  readonly machine: Machine;
  readonly roots = new RootSet();
  hooks: HeapHooks = {};
  /** Collect before every allocation, alternately minor and major. */
  get stress(): boolean { return this.stressing; }
  set stress(on: boolean) { this.stressing = on; this.syncFast(); }
  private stressing = false;
  /**
   * The counts of objects and cells allocated: the host's own, plus those translated code
   * made, which it counts in STATE (cells.ts NURSERY_STATE).
   */
  readonly stats: GcStats = (() => {
    const S64 = (): BigInt64Array => this.machine.store.state64;
    const heap = this;
    return {
      minorCollections: 0, majorCollections: 0, promotedCells: 0,
      get objectsAllocated(): number { return heap.hostObjects + Number(S64()[NURSERY_STATE.OBJECTS]); },
      set objectsAllocated(n: number) { heap.hostObjects = n - Number(S64()[NURSERY_STATE.OBJECTS]); },
      get cellsAllocated(): number { return heap.hostCells + Number(S64()[NURSERY_STATE.CELLS]); },
      set cellsAllocated(n: number) { heap.hostCells = n - Number(S64()[NURSERY_STATE.CELLS]); },
      totalPauseMs: 0, longestPauseMs: 0, longestMinorMs: 0, longestMajorMs: 0, grows: 0, lastPhases: {}, lastKind: null,
    };
  })();
  /** Objects and cells the host allocated (stats adds translated code's). */
  private hostObjects = 0;
  private hostCells = 0;
  readonly maxCells: number;
  readonly growthFactor: number;
  readonly promotionRoom: number;
  /** Objects of more cells than this (header included) are made in old space. */
  readonly largeObjectCells: number;
  /** The nursery's size when memory allows it. */
  readonly nurseryCells: number;

  // The spaces (cell indexes; see the diagram above). The collector moves these.
  /** The fixed space's bump pointer (it comes down when the last object or stack is freed). */
  get fixedTop(): number { return this.fixedTopCell; }
  set fixedTop(cell: number) {
    this.fixedTopCell = cell;
    if (cell > this.fixedHigh) this.fixedHigh = cell;
  }
  private fixedTopCell = 0;
  /**
   * The highest fixedTop has been since the heap was made (or opened): no cell of the fixed
   * space above it was ever written (image/snapshot-memory.ts clears up to it, not to fixedHi).
   */
  fixedHigh = 0;
  oldLo: number;
  oldTop: number;
  oldEnd = 0;
  nurseryLo = 0;
  /** The nursery's bump pointer and end, in STATE (cells.ts NURSERY_STATE) for translated code. */
  get nurseryTop(): number { return this.machine.store.state32[NURSERY_STATE.TOP]; }
  set nurseryTop(cell: number) { this.machine.store.state32[NURSERY_STATE.TOP] = cell; }
  get nurseryEnd(): number { return this.machine.store.state32[NURSERY_STATE.END]; }
  set nurseryEnd(cell: number) { this.machine.store.state32[NURSERY_STATE.END] = cell; }

  /** Free chunks of the fixed space (header cells): exact lists by size, and the rest. */
  freeSmall: number[][] = Array.from({ length: SMALL_CHUNK + 1 }, () => []);
  freeLarge: number[] = [];
  /** Cells in free chunks of the fixed space (the code arena's among them). */
  fixedFree = 0;
  /**
   * The rest of the chunk new code objects are placed in, a free chunk on no list (header
   * cell, cells), or -1: see codeChunk.
   */
  private codeArena = -1;
  private codeArenaCells = 0;
  /** Header cells of the stack objects, so that STACK values find theirs. */
  readonly stacks: number[] = [];

  private fillLo = 0;
  private fillHi = 0;
  private fillValue = { value: 0n, tag: TAG_NUM };
  private stressTurn = 0;
  /**
   * In stress mode every allocation collects: a minor collection, and a major one every
   * `stressMajorEvery` allocations (2: every other one). A large heap (a booted system) makes
   * majors costly, so a test may space them out and still move every young object each time.
   */
  stressMajorEvery = 2;
  /** Set while a collection runs: allocation then is a bug. */
  get collecting(): boolean { return this.inCollection; }
  set collecting(on: boolean) { this.inCollection = on; this.syncFast(); }
  private inCollection = false;
  /** Whether the ALLOCATE service is this module's (translated code then allocates as it does). */
  private ownsService = false;

  /** May translated code take the allocation fast path now (NURSERY_STATE.FAST)? */
  private syncFast(): void {
    this.machine.store.state32[NURSERY_STATE.FAST] = this.ownsService && !this.stressing && !this.inCollection ? 1 : 0;
  }

  constructor(machine: Machine, options: HeapOptions = {}) {
    this.machine = machine;
    const store = machine.store;
    this.maxCells = Math.min(options.maxCells ?? CellStore.MAX_CELLS, CellStore.MAX_CELLS);
    this.growthFactor = Math.max(1.25, options.growthFactor ?? 2);
    this.promotionRoom = Math.max(1, options.promotionRoom ?? 4);
    const S32 = store.state32;
    S32[NURSERY_STATE.TOP] = 0;
    S32[NURSERY_STATE.END] = 0;
    S32[NURSERY_STATE.HASH] = 0x2545f491;
    store.state64[NURSERY_STATE.OBJECTS] = 0n;
    store.state64[NURSERY_STATE.CELLS] = 0n;
    this.stress = options.stress ?? false;
    machine.attachHeap(this);
    this.fixedTop = machine.fixedBoot;
    this.stacks.push((machine.stackLo >> 3) - 1);
    this.oldLo = machine.fixedHi;
    this.oldTop = this.oldLo;
    const avail = store.cellCount - this.oldLo;
    this.nurseryCells = Math.max(64, align64(options.nurseryCells ?? Math.min(1 << 18, Math.floor(Math.max(avail, 0) / 4))));
    const least = this.oldLo + 2 * this.nurseryCells;
    if (least > this.maxCells) throw new RangeError(`memory ceiling of ${this.maxCells} cells is too small for the fixed space and nursery`);
    if (store.cellCount < least && !store.grow(least)) throw new RangeError('cannot make memory large enough for the heap');
    this.largeObjectCells = Math.max(16, options.largeObjectCells ?? this.nurseryCells >> 3);
    S32[NURSERY_STATE.LARGE] = this.largeObjectCells;
    this.fill = this.fillValue;
    this.layout();
    if (!machine.services[SERVICE_ALLOCATE]) machine.services[SERVICE_ALLOCATE] = allocateService;
    this.ownsService = machine.services[SERVICE_ALLOCATE] === allocateService;
    this.syncFast();
  }

  // ---- allocation -----------------------------------------------------------------------

  /**
   * A new object of `slots` slots in the moving spaces (the nursery, or old space when
   * large), pointer slots (format POINTERS) holding `fill` tagged `fillTag`, others 0.
   * Returns the address of slot 0, or -1 when memory is exhausted even after collecting
   * and growing. It may collect: every address the host holds outside the RootSet is stale
   * afterwards (the fill itself is followed if its object moves).
   */
  allocate(slots: number, format: number, classIndex: number, fill: bigint, fillTag: number): number {
    checkRequest(slots, format, classIndex);
    const pointers = format === FORMAT_POINTERS;
    return this.allocateMoving(slots, format, 0, classIndex, pointers ? fill : 0n, pointers ? fillTag : TAG_NUM);
  }

  /** A new BYTES object of `byteCount` bytes (0), in the moving spaces; as allocate. */
  allocateBytes(byteCount: number, classIndex: number): number {
    const slots = Math.ceil(byteCount / 8);
    checkRequest(slots, FORMAT_BYTES, classIndex);
    return this.allocateMoving(slots, FORMAT_BYTES, slots * 8 - byteCount, classIndex, 0n, TAG_NUM);
  }

  /** As allocate, in the fixed space: the object never moves. It may collect. */
  allocateFixed(slots: number, format: number, classIndex: number, fill: bigint, fillTag: number): number {
    checkRequest(slots, format, classIndex);
    const pointers = format === FORMAT_POINTERS;
    const held = pointers && fillTag === TAG_PTR ? this.roots.add(fill, TAG_PTR) : -1;
    let h: number;
    try {
      h = this.fixedChunk(slots + 1);
    } finally {
      if (held >= 0) { fill = this.roots.value(held); this.roots.release(held); }
    }
    if (h < 0) return -1;
    this.initObject(h, slots, format, 0, classIndex, pointers ? fill : 0n, pointers ? fillTag : TAG_NUM);
    return (h + 1) * 8;
  }

  /**
   * A code object holding `bytes`, in the fixed space, with its code cache; -1 when full. It
   * may collect. With `literals` > 0 it ends in a literal area of that many cells (nil until
   * writeLiterals fills them) and their count (cells.ts CODE_LITERALS).
   */
  allocateCode(bytes: Uint8Array, classIndex: number, literals = 0): number {
    const codeSlots = Math.max(1, Math.ceil(bytes.length / 8));
    const slots = codeSlots + (literals > 0 ? literals + 1 : 0);
    checkRequest(slots, FORMAT_CODE, classIndex);
    const h = this.codeChunk(slots + 1);
    if (h < 0) return -1;
    this.initObject(h, slots, FORMAT_CODE, codeSlots * 8 - bytes.length, classIndex, 0n, TAG_NUM);
    const st = this.machine.store;
    if (literals > 0) {
      st.cells32[2 * h + 1] |= CODE_LITERALS << 7;
      const first = h + 1 + codeSlots;
      st.cells.fill(this.fill.value, first, first + literals);
      st.tags.fill(this.fill.tag, first, first + literals);
      if (this.fill.tag === TAG_PTR) this.markCards(first, first + literals);
      st.cells[h + slots] = BigInt(literals);
    }
    st.bytes.set(bytes, (h + 1) * 8);
    this.machine.registerCode(h, slots, bytes.length);
    return (h + 1) * 8;
  }

  /**
   * A stack object of `cells` cells in the fixed space (STACK values find it); -1 when full.
   * It may collect. A stack can be large (kernel/memory/stack.ts grows it to millions of
   * cells), so only its tags are set (numbers, so nothing in it is a reference): its cells
   * are what the chunk held, as the dead part of a stack always is. And when no free chunk can
   * hold it, the fixed space grows at once, without first collecting in the hope of one.
   */
  allocateStack(cells: number): number {
    checkRequest(cells, FORMAT_WORDS, 0);
    if (this.collecting) throw new Error('allocation during a collection (from a heap hook?)');
    if (this.stress) this.stressCollect();
    let h = this.takeFixed(cells + 1);
    if (h < 0) {
      this.runMajor(0, align64(Math.max(cells + 1, this.machine.fixedHi - this.machine.fixedLo)));
      h = this.takeFixed(cells + 1);
    }
    if (h < 0) return -1;
    const st = this.machine.store;
    st.cells32[2 * h] = cells;
    st.cells32[2 * h + 1] = FORMAT_WORDS;
    st.tags[h] = TAG_HDR;
    st.tags.fill(TAG_NUM, h + 1, h + 1 + cells);
    this.machine.markWritten(h, h + 1 + cells);
    this.hostObjects++;
    this.hostCells += cells + 1;
    this.stacks.push(h);
    return (h + 1) * 8;
  }

  /**
   * Make the stack object with header cell `h` `cells` cells long, in place: it must be the
   * last object of the fixed space (the fixed space grows if need be; a major collection may
   * run). Its new cells are numbers. False, changing nothing, when it is not the last object
   * or memory cannot grow. The machine's stack bounds are Machine.setStack's to change.
   */
  extendStack(h: number, cells: number): boolean {
    const st = this.machine.store;
    const size = (st.cells32[2 * h] >>> 0) + 1;
    if (cells < size - 1 || h + size !== this.fixedTop || this.stacks.indexOf(h) < 0) return false;
    const end = h + 1 + cells;
    if (end > this.machine.fixedHi) {
      this.runMajor(0, align64(end - this.machine.fixedHi));
      if (h + size !== this.fixedTop || end > this.machine.fixedHi) return false;
    }
    this.machine.store.tags.fill(TAG_NUM, h + size, end);
    st.cells32[2 * h] = cells;
    this.machine.markWritten(h, end);
    this.fixedTop = end;
    this.hostCells += cells + 1 - size;
    return true;
  }

  /**
   * Make the stack object with header cell `h` `cells` cells long by giving up its lowest
   * cells (the dead end of a stack, which grows down): its header moves up, and what it gave
   * up becomes a free chunk. Returns the new header cell. The machine's bounds must already
   * exclude what is given up (Machine.setStack first).
   */
  shrinkStack(h: number, cells: number): number {
    const i = this.stacks.indexOf(h);
    const st = this.machine.store;
    const size = (st.cells32[2 * h] >>> 0) + 1;
    if (i < 0 || cells + 1 > size) throw new Error(`cannot make the stack at cell ${h} ${cells} cells long`);
    const freed = size - 1 - cells;
    if (freed === 0) return h;
    const header = h + freed;
    st.tags.fill(TAG_NUM, h, header);
    st.cells32[2 * header] = cells;
    st.cells32[2 * header + 1] = FORMAT_WORDS;
    st.tags[header] = TAG_HDR;
    this.machine.markWritten(h, header + 1);
    this.stacks[i] = header;
    this.addFreeChunk(h, freed);
    return header;
  }

  /**
   * The stack object with header cell `h` is no longer used by anything (no STACK value points
   * into it): its cells go back to the fixed space at once, without waiting for a collection.
   */
  releaseStack(h: number): void {
    const i = this.stacks.indexOf(h);
    if (i < 0) throw new Error(`cell ${h} is not the header of a stack object`);
    this.stacks.splice(i, 1);
    const st = this.machine.store;
    const size = (st.cells32[2 * h] >>> 0) + 1;
    st.tags.fill(TAG_NUM, h, h + size);
    this.machine.markWritten(h, h + size);
    if (h + size === this.fixedTop) this.fixedTop = h;
    else this.addFreeChunk(h, size);
  }

  /** Machine's part: the host's roots that are stack addresses in [lo, hi] move with the stack. */
  stackMoved(lo: number, hi: number, delta: number, newLo: number, newHi: number): void {
    this.roots.forEach((i, v, tag) => {
      if (tag !== TAG_STACK || v < BigInt(lo) || v > BigInt(hi)) return;
      const moved = v + BigInt(delta);
      this.roots.set(i, moved, moved >= BigInt(newLo) && moved <= BigInt(newHi) ? TAG_STACK : TAG_NUM);
    });
  }

  /**
   * What the allocation service fills pointer slots with (default the number 0; the object
   * model sets nil). A pointer fill must point into the fixed space.
   */
  get fill(): { readonly value: bigint; readonly tag: number } { return this.fillValue; }
  set fill(f: { readonly value: bigint; readonly tag: number }) {
    const value = BigInt.asIntN(64, f.value);
    this.fillValue = { value, tag: f.tag };
    this.fillLo = Number(BigInt.asIntN(32, value));
    this.fillHi = Number(BigInt.asIntN(32, value >> 32n));
    const store = this.machine.store;
    store.state64[NURSERY_STATE.FILL] = value;
    store.state32[NURSERY_STATE.FILL_TAG] = f.tag;
  }

  /** The allocation service's way in (machine code): pointer slots get the fill. */
  allocateForService(slots: number, format: number, pad: number, classIndex: number): number {
    if (format === FORMAT_POINTERS) return this.allocateMovingHalves(slots, format, pad, classIndex, this.fillLo, this.fillHi, this.fillValue.tag);
    return this.allocateMovingHalves(slots, format, pad, classIndex, 0, 0, TAG_NUM);
  }

  private allocateMoving(slots: number, format: number, pad: number, classIndex: number, fill: bigint, fillTag: number): number {
    if (fill === 0n) return this.allocateMovingHalves(slots, format, pad, classIndex, 0, 0, fillTag);
    return this.allocateMovingHalves(slots, format, pad, classIndex,
      Number(BigInt.asIntN(32, fill)), Number(BigInt.asIntN(32, fill >> 32n)), fillTag);
  }

  /** The allocator's fast path: bump the nursery, write the header and the slots. */
  private allocateMovingHalves(slots: number, format: number, pad: number, classIndex: number, lo: number, hi: number, tag: number): number {
    const size = slots + 1;
    let h = this.nurseryTop;
    if (size <= this.largeObjectCells && h + size <= this.nurseryEnd && !this.stress && !this.collecting) {
      this.nurseryTop = h + size;
    } else {
      // A collection may run: a pointer fill must follow its object.
      const held = tag === TAG_PTR ? this.roots.add(BigInt(lo), TAG_PTR) : -1;
      try {
        h = this.allocateSlow(size);
      } finally {
        if (held >= 0) { lo = this.roots.address(held); this.roots.release(held); }
      }
      if (h < 0) return -1;
    }
    const st = this.machine.store;
    const C32 = st.cells32, T = st.tags;
    C32[2 * h] = slots;
    C32[2 * h + 1] = (classIndex << 15) | (format <= FORMAT_WORDS ? this.identityHashBits() : pad << 4) | format;
    T[h] = TAG_HDR;
    const end = h + size;
    if (slots <= 16) {
      for (let c = h + 1; c < end; c++) { C32[2 * c] = lo; C32[2 * c + 1] = hi; T[c] = tag; }
    } else {
      st.cells.fill(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0)), h + 1, end);
      T.fill(tag, h + 1, end);
    }
    if (tag === TAG_PTR && h < this.nurseryLo) this.markCards(h + 1, end);
    this.hostObjects++;
    this.hostCells += size;
    return (h + 1) * 8;
  }

  /** The nursery cannot take `size` cells (or they are too many for it), or stress: header cell or -1. */
  private allocateSlow(size: number): number {
    if (this.collecting) throw new Error('allocation during a collection (from a heap hook?)');
    if (this.stress) {
      this.stressCollect();
      const h = this.nurseryTop;
      if (size <= this.largeObjectCells && h + size <= this.nurseryEnd) { this.nurseryTop = h + size; return h; }
    }
    if (size <= this.largeObjectCells) {
      this.collectForNursery();
      const h = this.nurseryTop;
      if (h + size <= this.nurseryEnd) { this.nurseryTop = h + size; return h; }
    }
    return this.allocateOld(size);
  }

  /** `size` cells at the top of old space, collecting and growing if need be; header cell or -1. */
  private allocateOld(size: number): number {
    if (size > this.maxCells) return -1; // no collection can make that room
    if (this.oldTop + size > this.oldEnd) {
      this.runMajor(size, 0);
      if (this.oldTop + size > this.oldEnd) return -1;
    }
    const h = this.oldTop;
    this.oldTop = h + size;
    return h;
  }

  /** `size` cells of the fixed space: a free chunk, the bump room, or after collecting and growing. */
  private fixedChunk(size: number): number {
    if (this.collecting) throw new Error('allocation during a collection (from a heap hook?)');
    if (this.stress) this.stressCollect();
    let h = this.takeFixed(size);
    if (h >= 0) return h;
    this.runMajor(0, 0);
    h = this.takeFixed(size);
    if (h >= 0) return h;
    const grow = align64(Math.max(size, this.machine.fixedHi - this.machine.fixedLo));
    this.runMajor(0, grow);
    return this.takeFixed(size);
  }

  /**
   * `size` cells of the fixed space for a code object. Code objects are kept together, in
   * chunks of CODE_ARENA cells taken for them, rather than each where the next fixed object
   * would go: the machine's code maps have an entry for every cell of the fixed space, and
   * opening an image fills the entries of every code object (Machine.registerCode). Scattered
   * among the method sources, symbols and behaviours, the base image's 2,673 code objects
   * touched 976 pages of the maps, each a page fault of ~20 us on a machine where those are
   * slow (issue 12, item 4); kept together, 252. A free chunk of exactly the size comes
   * first (freed code's room is reused), then the arena, then a new arena; failing those, any
   * room, as for other fixed objects (which may collect and grow).
   */
  private codeChunk(size: number): number {
    if (this.collecting) throw new Error('allocation during a collection (from a heap hook?)');
    if (this.stress) this.stressCollect();
    if (size <= SMALL_CHUNK && this.freeSmall[size].length > 0) {
      this.fixedFree -= size;
      return this.freeSmall[size].pop()!;
    }
    if (this.codeArenaCells < size) this.newCodeArena(size);
    if (this.codeArenaCells >= size) {
      const h = this.codeArena, rest = this.codeArenaCells - size;
      this.fixedFree -= size;
      if (rest > 0) this.freeHeader(h + size, rest);
      this.codeArena = rest > 0 ? h + size : -1;
      this.codeArenaCells = rest;
      return h;
    }
    return this.fixedChunk(size);
  }

  /**
   * A new code arena, of CODE_ARENA cells (a sixteenth of a small fixed space) or what is left
   * of the first large free chunk that holds `size` cells, else of the bump room; none when
   * neither has room (codeChunk then takes room as for any fixed object).
   */
  private newCodeArena(size: number): void {
    this.dropCodeArena();
    const want = Math.max(64, Math.min(CODE_ARENA, align64((this.machine.fixedHi - this.machine.fixedLo) >> 4)));
    if (size >= want) return;
    const large = this.freeLarge;
    let h = -1, cells = 0;
    for (let i = 0; i < large.length; i++) {
      const s = this.chunkSize(large[i]);
      if (s < size) continue;
      h = large[i];
      large[i] = large[large.length - 1];
      large.pop();
      cells = Math.min(s, want);
      if (s - cells <= SMALL_CHUNK) cells = s;
      this.fixedFree -= s - cells;
      if (s > cells) this.addFreeChunk(h + cells, s - cells);
      break;
    }
    if (h < 0) {
      if (this.fixedTop + want > this.machine.fixedHi) return;
      h = this.fixedTop;
      this.fixedTop += want;
      cells = want;
      this.fixedFree += want;
    }
    this.codeArena = h;
    this.codeArenaCells = cells;
  }

  /** The code arena's rest goes back on the free lists (as a chunk other objects may take). */
  private dropCodeArena(): void {
    if (this.codeArena < 0) return;
    this.fixedFree -= this.codeArenaCells;
    this.addFreeChunk(this.codeArena, this.codeArenaCells);
    this.codeArena = -1;
    this.codeArenaCells = 0;
  }

  /**
   * Make cells [h, h+n) a free chunk, on no list. Its cells' tags must already be numbers. All
   * its cards are marked written (Machine.markWritten): the tags were set just before.
   */
  private freeHeader(h: number, n: number): void {
    const st = this.machine.store;
    st.cells32[2 * h] = n - 1;
    st.cells32[2 * h + 1] = FORMAT_FREE;
    st.tags[h] = TAG_HDR;
    this.machine.markWritten(h, h + n);
  }

  /** A free chunk or bump room of exactly `size` cells, split off; -1 if there is none. */
  private takeFixed(size: number): number {
    if (size <= SMALL_CHUNK) {
      const exact = this.freeSmall[size];
      if (exact.length > 0) { this.fixedFree -= size; return exact.pop()!; }
      for (let s = size + 1; s <= SMALL_CHUNK; s++) {
        const list = this.freeSmall[s];
        if (list.length > 0) return this.split(list.pop()!, s, size);
      }
    }
    const large = this.freeLarge;
    for (let i = 0; i < large.length; i++) {
      const h = large[i];
      const s = this.chunkSize(h);
      if (s >= size) {
        large[i] = large[large.length - 1];
        large.pop();
        return this.split(h, s, size);
      }
    }
    const h = this.fixedTop;
    if (h + size <= this.machine.fixedHi) { this.fixedTop = h + size; return h; }
    return -1;
  }

  private chunkSize(h: number): number { return (this.machine.store.cells32[2 * h] >>> 0) + 1; }

  /** Take `size` cells from the front of the free chunk at h (of `chunk` cells); file the rest. */
  private split(h: number, chunk: number, size: number): number {
    this.fixedFree -= chunk;
    if (chunk > size) this.addFreeChunk(h + size, chunk - size);
    return h;
  }

  /** Make cells [h, h+n) a free chunk and file it. Its cells' tags must already be numbers. */
  addFreeChunk(h: number, n: number): void {
    this.freeHeader(h, n);
    if (n <= SMALL_CHUNK) this.freeSmall[n].push(h); else this.freeLarge.push(h);
    this.fixedFree += n;
  }

  /** Each free chunk of the fixed space: its header cell and its cells (image/snapshot.ts). */
  forEachFreeChunk(fn: (header: number, cells: number) => void): void {
    this.freeSmall.forEach((list, n) => { for (const h of list) fn(h, n); });
    for (const h of this.freeLarge) fn(h, this.chunkSize(h));
    if (this.codeArena >= 0) fn(this.codeArena, this.codeArenaCells);
  }

  /** Forget every free chunk, the code arena's too (the sweep files them again). */
  clearFreeLists(): void {
    for (const l of this.freeSmall) l.length = 0;
    this.freeLarge.length = 0;
    this.fixedFree = 0;
    this.codeArena = -1;
    this.codeArenaCells = 0;
  }

  private initObject(h: number, slots: number, format: number, pad: number, classIndex: number, fill: bigint, fillTag: number): void {
    const st = this.machine.store;
    st.cells32[2 * h] = slots;
    st.cells32[2 * h + 1] = (classIndex << 15) | (format <= FORMAT_WORDS ? this.identityHashBits() : pad << 4) | format;
    st.tags[h] = TAG_HDR;
    st.cells.fill(fill, h + 1, h + 1 + slots);
    st.tags.fill(fillTag, h + 1, h + 1 + slots);
    if (fillTag === TAG_PTR) this.markCards(h + 1, h + 1 + slots);
    // (A new object in the fixed space: written since the last snapshot, Machine.hostWrites.)
    if (h < this.machine.fixedHi) this.machine.markWritten(h, h + 1 + slots);
    this.hostObjects++;
    this.hostCells += slots + 1;
  }

  /**
   * The identity hash of a new pointers or words object: 11 bits in the header's pad and flags
   * (bits 36..46 of the header cell), which only byte and code objects use otherwise. It moves
   * with the object and is saved in images; the library reads it through the object's own
   * pointer (Object>>identityHash). The top bits of a linear congruential sequence.
   */
  private identityHashBits(): number {
    const S32 = this.machine.store.state32;
    const h = (Math.imul(S32[NURSERY_STATE.HASH], 1664525) + 1013904223) | 0;
    S32[NURSERY_STATE.HASH] = h;
    return ((h >>> 21) & IDENTITY_HASH_MASK) << (IDENTITY_HASH_SHIFT - 32);
  }

  /** Set the write barrier's bit (CARD_POINTER) in the cards of cells [lo, hi), keeping CARD_WRITTEN. */
  markCards(lo: number, hi: number): void {
    const K = this.machine.store.cards;
    for (let k = lo >> CARD_SHIFT, last = (hi - 1) >> CARD_SHIFT; k <= last; k++) K[k] |= CARD_POINTER;
  }

  /** Store a value into a cell from the host, with the write barrier (as Machine.setCell). */
  write(address: number, value: bigint, tag: number): void { this.machine.setCell(address, value, tag); }

  // ---- collecting -----------------------------------------------------------------------

  /** Run a collection now. A minor one becomes major when old space cannot take the nursery. */
  collect(kind: 'minor' | 'major'): GcReport {
    return kind === 'minor' ? this.collectForNursery() : this.runMajor(0, 0);
  }

  private collectForNursery(): GcReport {
    if (this.oldEnd - this.oldTop >= this.nurseryTop - this.nurseryLo) return this.finishReport(collectMinor(this));
    return this.runMajor(0, 0);
  }

  /**
   * A major collection, then growth: `need` more cells wanted in old space, `fixedGrowth`
   * more cells of fixed space (made by sliding old space up during the collection).
   */
  private runMajor(need: number, fixedGrowth: number): GcReport {
    if (fixedGrowth > 0) {
      // Room for everything that may survive, shifted up; grow first if memory lacks it.
      const worst = this.oldLo + fixedGrowth + (this.oldTop - this.oldLo) + (this.nurseryTop - this.nurseryLo) + this.nurseryCells;
      if (worst > this.machine.store.cellCount && !this.growMemory(worst)) fixedGrowth = 0;
    }
    const report = collectMajor(this, fixedGrowth);
    this.growAfterMajor(need);
    return this.finishReport({ ...report, memoryCells: this.machine.store.cellCount });
  }

  private finishReport(report: GcReport): GcReport {
    const s = this.stats;
    s.totalPauseMs += report.ms;
    if (report.ms > s.longestPauseMs) s.longestPauseMs = report.ms;
    if (report.kind === 'minor') {
      s.minorCollections++;
      s.promotedCells += report.survivingCells;
      if (report.ms > s.longestMinorMs) s.longestMinorMs = report.ms;
    } else {
      s.majorCollections++;
      if (report.ms > s.longestMajorMs) s.longestMajorMs = report.ms;
    }
    s.lastKind = report.kind;
    s.lastPhases = Object.fromEntries(report.phases.map((p) => [p.name, p.ms]));
    this.hooks.onCollect?.(report);
    return report;
  }

  private stressCollect(): void {
    this.collect(++this.stressTurn % this.stressMajorEvery === 0 ? 'major' : 'minor');
  }

  /** Growth policy: old space at most 1/growthFactor full, with room for promotionRoom full nurseries and `need`. */
  private growAfterMajor(need: number): void {
    const live = this.oldTop - this.oldLo;
    // A request that no growth can meet (more than the ceiling leaves) grows nothing for it:
    // memory is not taken to the ceiling only to answer out of memory.
    if (this.oldLo + live + need + this.nurseryCells > this.maxCells) need = 0;
    const wantOld = Math.max(Math.ceil(live * this.growthFactor), live + need + this.promotionRoom * this.nurseryCells);
    const want = align64(this.oldLo + wantOld + this.nurseryCells);
    if (want > this.machine.store.cellCount) {
      const target = Math.min(this.maxCells, want);
      // When the ceiling is near, take what there is, as long as it helps the request.
      if (target > this.machine.store.cellCount) this.growMemory(target);
    }
  }

  /** Grow memory to `cells` (at most maxCells); the nursery must be empty when called for layout. */
  private growMemory(cells: number): boolean {
    const target = Math.min(this.maxCells, cells);
    if (target <= this.machine.store.cellCount) return false;
    if (!this.machine.store.grow(target)) return false;
    this.stats.grows++;
    if (this.nurseryTop === this.nurseryLo) this.layout();
    return true;
  }

  /** Put the (empty) nursery at the top of memory; old space gets everything below it. */
  layout(): void {
    const n = this.machine.store.cellCount;
    let lo = Math.floor((n - this.nurseryCells) / 64) * 64;
    const floor = align64(this.oldTop);
    if (lo < floor) lo = Math.min(floor, n);
    this.oldEnd = lo;
    this.nurseryLo = lo;
    this.nurseryTop = lo;
    this.nurseryEnd = n;
  }

  // ---- looking at the heap --------------------------------------------------------------

  /**
   * Call `fn` with the address and class index of every object (not free chunks) in the fixed
   * space, old space and the nursery, in address order. `fn` must not allocate (the walk
   * would not see a moved object).
   */
  forEachObject(fn: (address: number, classIndex: number) => void): void {
    const m = this.machine;
    const C32 = m.store.cells32;
    const walk = (lo: number, hi: number): void => {
      for (let h = lo; h < hi; h += 1 + (C32[2 * h] >>> 0)) {
        if ((C32[2 * h + 1] & 0xf) !== FORMAT_FREE) fn((h + 1) * 8, C32[2 * h + 1] >>> 15);
      }
    };
    walk(m.fixedLo, this.fixedTop);
    walk(this.oldLo, this.oldTop);
    walk(this.nurseryLo, this.nurseryTop);
  }

  usage(): HeapUsage {
    const m = this.machine;
    return {
      memoryCells: m.store.cellCount,
      fixedCells: m.fixedHi - m.fixedLo,
      fixedUsed: this.fixedTop - m.fixedLo - this.fixedFree,
      fixedFree: this.fixedFree + (m.fixedHi - this.fixedTop),
      oldCells: this.oldEnd - this.oldLo,
      oldUsed: this.oldTop - this.oldLo,
      nurseryCells: this.nurseryEnd - this.nurseryLo,
      nurseryUsed: this.nurseryTop - this.nurseryLo,
    };
  }

  /** Is cell index h the header of an object in the nursery? */
  inNursery(address: number): boolean {
    const h = (address >> 3) - 1;
    return h >= this.nurseryLo && h < this.nurseryTop;
  }

  /**
   * Make every reference to an object in `map` (address -> address) a reference to the one
   * it maps to: registers, every cell of memory and the host's roots, with the write barrier.
   * Nothing is allocated; the objects mapped from are garbage afterwards (become: forward).
   */
  forwardPointers(map: ReadonlyMap<number, number>): void {
    if (map.size === 0) return;
    const st = this.machine.store;
    let lo = Infinity, hi = -Infinity;
    for (const a of map.keys()) { if (a < lo) lo = a; if (a > hi) hi = a; }
    const S32 = st.state32, RT = st.regTags;
    for (let r = 0; r < 16; r++) {
      if (RT[r] !== TAG_PTR || S32[2 * r + 1] !== 0) continue;
      const to = map.get(S32[2 * r]);
      if (to !== undefined) S32[2 * r] = to;
    }
    const T = st.tags, C32 = st.cells32, K = st.cards;
    for (let c = T.indexOf(TAG_PTR); c >= 0; c = T.indexOf(TAG_PTR, c + 1)) {
      const v = C32[2 * c];
      if (v < lo || v > hi || C32[2 * c + 1] !== 0) continue;
      const to = map.get(v);
      if (to !== undefined) { C32[2 * c] = to; K[c >> CARD_SHIFT] |= CARD_POINTER; this.machine.markWritten(c, c + 1); }
    }
    this.roots.forEach((i, v, tag) => {
      if (tag !== TAG_PTR) return;
      const to = map.get(Number(v));
      if (to !== undefined) this.roots.update(i, to);
    });
  }

  /**
   * Make every reference to the object at `from` the number `value` (becomeForward: a
   * SmallInteger): registers, every cell of memory and the host's roots. The object is garbage
   * afterwards.
   */
  forwardPointerToNumber(from: number, value: bigint): void {
    const st = this.machine.store;
    const S32 = st.state32, RT = st.regTags;
    for (let r = 0; r < 16; r++) {
      if (RT[r] !== TAG_PTR || S32[2 * r + 1] !== 0 || S32[2 * r] !== from) continue;
      st.state64[r] = value;
      RT[r] = TAG_NUM;
    }
    const T = st.tags, C32 = st.cells32;
    const lo = Number(BigInt.asUintN(32, value)) | 0, hi = Number(BigInt.asIntN(64, value) >> 32n) | 0;
    for (let c = T.indexOf(TAG_PTR); c >= 0; c = T.indexOf(TAG_PTR, c + 1)) {
      if (C32[2 * c] !== from || C32[2 * c + 1] !== 0) continue;
      C32[2 * c] = lo; C32[2 * c + 1] = hi; T[c] = TAG_NUM;
      this.machine.markWritten(c, c + 1);
    }
    this.roots.forEach((i, v, tag) => {
      if (tag === TAG_PTR && Number(v) === from) this.roots.set(i, value, TAG_NUM);
    });
  }

  /** The stack object (header cell) containing byte address `a`, or -1. */
  stackContaining(a: number): number {
    const cells32 = this.machine.store.cells32;
    const c = a >> 3;
    for (const h of this.stacks) {
      if (c > h && c <= h + 1 + (cells32[2 * h] >>> 0)) return h;
    }
    return -1;
  }
}

function checkRequest(slots: number, format: number, classIndex: number): void {
  if (!Number.isInteger(slots) || slots < 0 || slots > MAX_SLOTS) throw new RangeError(`cannot allocate ${slots} slots`);
  if (!Number.isInteger(format) || format < 0 || format > 14) throw new RangeError(`no object format ${format}`);
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex > 0x1ffff) throw new RangeError(`class index ${classIndex} is not in 0 .. 131071`);
}

// ---- host services ----------------------------------------------------------------------

/**
 * SERVICE_ALLOCATE. In: rcx class index, rdx slot count (a byte count for bytes), r8 format
 * (0 pointers, 1 words, 2 bytes). Out: rax a pointer to the new object; pointer slots hold
 * the heap's pointer fill, others 0. Other registers are unchanged (pointers among them are
 * updated if a collection moved their objects).
 */
const allocateService: HostService = (m) => {
  const S32 = m.store.state32;
  const clsLo = S32[2], clsHi = S32[3], nLo = S32[4], nHi = S32[5], fLo = S32[16], fHi = S32[17];
  if (clsHi !== 0 || clsLo < 0 || clsLo > 0x1ffff) return `allocate: the class index in rcx (${m.register(1)}) is not in 0 .. 131071`;
  const fixed = fHi === 0 && (fLo & ALLOCATE_FIXED) !== 0 && (fLo & ~ALLOCATE_FIXED) < FORMAT_BYTES;
  if (fixed) return allocateFixedForService(m, fLo & ~ALLOCATE_FIXED, nLo, nHi, clsLo);
  if (fHi !== 0 || fLo < 0 || fLo > 2) return `allocate: the format in r8 (${m.register(8)}) is not 0 (pointers), 1 (words) or 2 (bytes), or 8 or 9 (pointers or words in the fixed space)`;
  if (nHi < 0) return `allocate: the size in rdx (${m.register(2)}) is negative`;
  // What no memory can hold, as what memory cannot hold now, is an OutOfMemory fault: the
  // library signals it as an exception the program can catch (kernel/objects/faults.ts).
  if (nHi !== 0 || nLo < 0) { m.refusal = 'OutOfMemory'; return `out of memory: an object of ${m.register(2)} ${fLo === FORMAT_BYTES ? 'bytes' : 'slots'} is larger than the largest (${MAX_SLOTS} slots)`; }
  let slots = nLo, pad = 0;
  if (fLo === FORMAT_BYTES) { slots = Math.ceil(nLo / 8); pad = slots * 8 - nLo; }
  if (slots > MAX_SLOTS) { m.refusal = 'OutOfMemory'; return `out of memory: an object of ${slots} slots is larger than the largest (${MAX_SLOTS} slots)`; }
  const heap = heapOf(m);
  const p = heap.allocateForService(slots, fLo, pad, clsLo);
  if (p < 0) {
    m.refusal = 'OutOfMemory';
    return `out of memory: no room for an object of ${slots} slots (memory is ${m.store.cellCount} cells, the ceiling is ${heap.maxCells})`;
  }
  const st = m.store; // a collection may have grown memory: fresh views
  st.state32[0] = p;
  st.state32[1] = 0;
  st.regTags[0] = TAG_PTR;
  return null;
};

/** SERVICE_ALLOCATE with ALLOCATE_FIXED: the object in the fixed space, its pointer slots the fill. */
function allocateFixedForService(m: Machine, format: number, nLo: number, nHi: number, classIndex: number): string | null {
  if (nHi !== 0 || nLo < 0 || nLo > MAX_SLOTS) { m.refusal = 'OutOfMemory'; return `out of memory: an object of ${m.register(2)} slots is larger than the largest (${MAX_SLOTS} slots)`; }
  const heap = heapOf(m);
  const fill = format === FORMAT_POINTERS ? heap.fill : { value: 0n, tag: TAG_NUM };
  const p = heap.allocateFixed(nLo, format, classIndex, fill.value, fill.tag);
  if (p < 0) {
    m.refusal = 'OutOfMemory';
    return `out of memory: no room in the fixed space for an object of ${nLo} slots`;
  }
  const st = m.store;
  st.state32[0] = p;
  st.state32[1] = 0;
  st.regTags[0] = TAG_PTR;
  return null;
}

/**
 * A collection service, for the object model to register under a number of its choosing:
 * rcx 0 for a minor collection, 1 for a major one; registers are updated, rax passes through.
 */
export const collectService: HostService = (m) => {
  const kind = m.register(1);
  if (kind !== 0n && kind !== 1n) return `collect: rcx (${kind}) is not 0 (minor) or 1 (major)`;
  heapOf(m).collect(kind === 0n ? 'minor' : 'major');
  return null;
};

