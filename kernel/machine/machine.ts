/*
 * The machine: sixteen tagged registers, lazy flags, tagged memory, a stack object, a fixed
 * space for code, and the rules that keep every program inside them. The run loop that
 * executes instructions is in interpreter.ts; this module holds the state and the checks.
 * Object memory (allocation and the garbage collector) is kernel/memory/heap.ts, a layer
 * above this one: the heap takes the machine (`new Heap(machine, options)`), attaches itself
 * as the machine's ObjectMemory, and lays out memory after low memory:
 *
 *   0           lowCells = fixedLo       fixedHi = oldLo                          cellCount
 *   +-----------+------------------------+---------------------------+-------------+
 *   | low       | fixed space: code      | old space: objects that   | nursery:    |
 *   | memory:   | objects, stacks, pinned| survived the nursery, and | new objects |
 *   | raw       | objects; never moved,  | large ones; compacted by  | (moving)    |
 *   | scratch   | so return addresses and| the major collection      |             |
 *   |           | decoded code stay valid|                           |             |
 *   +-----------+------------------------+---------------------------+-------------+
 *
 * The machine itself knows only the fixed space's bounds: codeStartOf maps each of its cells
 * to the code object holding it, and stores into it may hit decoded code. It makes the first
 * two fixed objects itself, at fixedLo: its stack object and the exit stub (a code object);
 * the heap allocates after them (fixedBoot).
 *
 * Access rules (DESIGN.md section 2), checked on every access:
 *   [base + index*scale + disp]
 *     base holds a PTR    -> inside that object's slots (length from its header), or, for a
 *                            read, its header cell at [p-8] (read as a number)
 *     base holds a STACK  -> inside the current stack object
 *     base holds a CODE   -> inside the code object it points into; rip likewise
 *     base is a number, or there is no base -> inside low memory (the Memory capability):
 *                            raw cells that belong to no object; no number reaches an object
 *   8-byte accesses must be cell-aligned; header cells are never written by a program;
 *   poisoned cells fault on any access; rsp always lies within the stack object;
 *   jmp/call/ret reach only code objects.
 *
 * The write barrier: every store of a PTR-tagged value into a cell sets that cell's card
 * (cells.ts, CARD_SHIFT), by the interpreter and by setCell. Host code that stores pointers
 * must go through setCell (or the Heap), never straight into the typed arrays.
 */
import {
  CARD_SHIFT, CARD_WRITTEN, CellStore, FORMAT_CODE, FORMAT_WORDS, STATE, TAG_CODE, TAG_HDR, TAG_NUM, TAG_POISON, TAG_PTR, TAG_STACK,
  XMM_STATE, headerFormat,
} from './cells.ts';
import { describeFault, type Fault, type FaultKind } from './faults.ts';
import { readFlags, writeFlags, type FlagValues } from './flags.ts';
import { CodeCache, compileInsn, faultInsn, Insn, makeFault, OP } from './insn.ts';
import { enterService, run, runNested, stepOne } from './interpreter.ts';
import { NEXT_AT } from './wasm/translate.ts';
import { Tier, tierFromEnvironment, type TierMode } from './wasm/tier.ts';
import { decode } from './x86/decoder.ts';
import { REG64, RIP } from './x86/table.ts';

export interface MachineOptions {
  /** Cells of memory to begin with (memory grows as the heap needs: kernel/memory/heap.ts). */
  readonly cells?: number;
  /** Cells of raw low memory before the fixed space. */
  readonly lowCells?: number;
  /** Cells of fixed space to begin with (code objects, stacks, pinned objects; it grows). */
  readonly fixedCells?: number;
  /** Cells in the stack object. */
  readonly stackCells?: number;
  /**
   * Host services, by number (r11 at `syscall`). A kernel service (such as the heap's
   * SERVICE_ALLOCATE) does not take a number already given here.
   */
  readonly services?: readonly HostService[];
  /** An interrupt word to watch (e.g. in a SharedArrayBuffer another thread can set). */
  readonly interrupt?: Int32Array;
  /**
   * Which tier runs code: the interpreter only, every code object translated to WebAssembly
   * at its first call, or hot ones translated (auto, the default; BEDROCK_TIER overrides it).
   */
  readonly tier?: TierMode;
  /** A memory to use instead of a new one (CellStore.preparedMemory): it must read 0 throughout. */
  readonly memory?: WebAssembly.Memory;
}

/**
 * A host service, entered by `syscall` with its number in r11. It reads and writes the
 * machine's registers and memory through the Machine's host API, and returns null, or a
 * message that becomes a Service fault.
 */
/**
 * A host service: null when it did its work, else why it refused (a Service fault, or the
 * kind the service put in Machine.refusal first, as the allocator says OutOfMemory).
 */
export type HostService = (m: Machine) => string | null;

export interface RunResult {
  /** null when the code returned to the host; otherwise why it stopped. */
  readonly fault: Fault | null;
  /** Instructions executed by this run. */
  readonly steps: number;
}

export interface RunOptions {
  /** Stop with a StepLimit fault before executing more than this many instructions. */
  readonly steps?: number;
}

export const DEFAULT_STEP_LIMIT = 100_000_000;

/**
 * What the machine asks of object memory: the heap (kernel/memory/heap.ts) attaches itself
 * with attachHeap when it is made over a machine. The machine itself never makes one.
 */
export interface ObjectMemory {
  /** A new object of `slots` cells in the moving spaces, filled with (fill, fillTag); its address, or -1. */
  allocate(slots: number, format: number, classIndex: number, fill: bigint, fillTag: number): number;
  /** A new code object in the fixed space holding `bytes`; its address, or -1. */
  allocateCode(bytes: Uint8Array, classIndex: number): number;
  /**
   * The stack moved (Machine.setStack): STACK values the heap holds outside memory in
   * [lo, hi] move by `delta` (and become numbers if that takes them out of [newLo, newHi]).
   */
  stackMoved(lo: number, hi: number, delta: number, newLo: number, newHi: number): void;
}

/** A fixed space of at least `cells` cells, rounded as the heap's layout needs (64-cell cards). */
export function fixedCellsFor(cells: number): number {
  return Math.max(64, Math.ceil(cells / 64) * 64);
}

/** The most numbers the code log keeps (a third as many registrations) before it gives up. */
const CODE_LOG_MAX = 3 * 4096;

const regNumber = new Map(REG64.map((n, i) => [n, i]));

export class Machine {
  readonly store: CellStore;
  readonly lowCells: number;
  /** The fixed space, as cell indexes [fixedLo, fixedHi). It grows (fixedHi moves up). */
  readonly fixedLo: number;
  private fixedEnd: number;
  private lowStack = 0;
  private highStack = 0;
  /** The machine's own stack object (the first fixed object), which it returns to when empty. */
  readonly homeStackLo: number;
  readonly homeStackHi: number;
  /**
   * Called with a fault the run loop reported (not StepLimit or Interrupted): answers where to
   * go on (the faulting instruction again, after the host fixed its cause, or other code it
   * arranged to run), or null to let the fault end the run. The kernel installs one that grows
   * the stack and turns faults into exceptions; a bare machine has none.
   */
  faultHandler: ((fault: Fault) => Insn | null) | null = null;
  /**
   * The code caches by index. A code object adopted from an image (adoptCode) has its header
   * cell here instead, and its byte length in pendingBytes, until something asks for its cache
   * (cacheAt): opening the base image adopts ~2,800 code objects, of which an evaluation runs a
   * few dozen, and making every cache cost a start ~200 pages of memory and their collection.
   */
  private readonly cacheList: (CodeCache | number | undefined)[] = [];
  private readonly pendingBytes: number[] = [];
  private readonly freeCacheIndexes: number[] = [];
  /**
   * Changes to the set of code objects: registered (registerCode, adoptCode) or forgotten. What
   * forEachCode lists is the same while this is (image/snapshot.ts keeps its list by it).
   */
  codeChanges = 0;
  /** Code objects forgotten (forgetCode: a major collection freed them). */
  codeForgets = 0;
  /**
   * The code objects registered since the log was last cleared (clearCodeLog), as forEachCode
   * gives them, (header cell, byte length, cache index) triples in the order they came, or
   * null once more than CODE_LOG_MAX numbers would have been kept: image/snapshot.ts lists a
   * spawner's code objects as the list it made last plus these, instead of all ~5,500 again
   * after every DoIt compiled.
   */
  private codeLog: number[] | null = [];
  /**
   * Counts what may have written the fixed space without marking the cards it wrote
   * (CARD_WRITTEN): a process's stack made or switched to (src/system/process-service.ts: the
   * stack left behind was written by pushes). The machine's stores mark theirs, and so does every host writer of the
   * fixed space: setCell and patchCode, the heap's allocations, frees and stacks (kernel/memory/heap.ts),
   * and the object model's direct writes (headers, code bytes, guards), through markWritten.
   * While it is the same, the fixed space outside the running stack differs from what it was
   * only in the cards so marked, and the collections say the rest (image/snapshot.ts sends a
   * spawn's snapshot as what changed since the last one, and checks the marks against a
   * comparison in its verifying mode).
   */
  hostWrites = 0;
  /** Host services by number; the kernel and the object model assign into it. */
  readonly services: (HostService | undefined)[] = [];
  /** First fixed-space cell after the machine's own objects (the stack and the exit stub). */
  readonly fixedBoot: number;
  private memory: ObjectMemory | undefined;
  /**
   * The syscall instructions whose services are running (innermost last). Their code
   * objects are roots: a collection inside a service must not free the code that called it.
   */
  readonly inService: Insn[] = [];
  readonly interrupt: Int32Array;
  /** Address of the host's return trampoline: a code object whose entry ends a run. */
  readonly exitStub: number;
  /** Set when a store hit decoded code: the run loop must re-fetch its next instruction. */
  resync = false;
  /** The fault being raised by an access check (read by the run loop). */
  pending: Fault | null = null;
  /** Where a stopped run resumes (after StepLimit or Interrupted), or null. */
  resumeAt: Insn | null = null;
  /**
   * Set by the host (a service) to end the run at its next check as if its step limit were
   * reached (resumable), so that the host gets its turn sooner; the next call or resume clears it.
   */
  stopSoon = false;
  /** Instructions executed since the machine was made. */
  totalSteps = 0;
  /** The translating tier (kernel/machine/wasm), or null when only the interpreter runs. */
  readonly tier: Tier | null;
  /** Calls into a code object before the tier takes it (Infinity without a tier). */
  readonly hotCalls: number;
  /** WebAssembly calls nested on the host's stack where the interpreter runs now. */
  depth = 0;
  /** A fault raised inside translated code or a nested run, on its way out to the outermost run. */
  nestedFault: Fault | null = null;
  /** The kind of fault a host service that refuses means (set by the service, read and cleared by the machine); Service when null. */
  refusal: FaultKind | null = null;
  /**
   * A watch on the outermost run (a debugger's single-stepping): asked before each instruction
   * but the first, it stops the run there (a StepLimit fault, resumable, with watchStopped set)
   * when it answers true. While one is set, only the interpreter runs (translated code is not
   * entered). Null: no watch, and no cost.
   */
  watch: ((next: Insn) => boolean) | null = null;
  /** Set when the watch stopped the run (the host clears it). */
  watchStopped = false;
  /** Where a nested interpreter run stopped when its budget ran out (STATE.NEXT_MODE = NEXT_INSN). */
  stoppedAt: Insn | null = null;

  /** A memory for a machine made with these options, prepared (CellStore.preparedMemory). */
  static preparedMemory(options: MachineOptions, reuse?: WebAssembly.Memory): WebAssembly.Memory {
    const stackCells = options.stackCells ?? 1 << 16;
    return CellStore.preparedMemory(options.cells ?? 1 << 20, fixedCellsFor(options.fixedCells ?? stackCells + (1 << 16)), reuse);
  }

  constructor(options: MachineOptions = {}) {
    const cells = options.cells ?? 1 << 20;
    this.lowCells = options.lowCells ?? 4096;
    const stackCells = options.stackCells ?? 1 << 16;
    const fixedCells = fixedCellsFor(options.fixedCells ?? stackCells + (1 << 16));
    if (this.lowCells < 0 || this.lowCells % 64 !== 0) throw new RangeError('low memory must be a multiple of 64 cells');
    if (fixedCells < stackCells + 3) throw new RangeError('the fixed space is too small for the stack');
    this.fixedLo = this.lowCells;
    this.fixedEnd = this.fixedLo + fixedCells;
    if (this.fixedEnd + 256 > cells) throw new RangeError('memory too small for its low memory and fixed space');
    this.store = new CellStore(cells, fixedCells, options.memory);
    this.store.setLowCells(this.lowCells);
    this.store.state32[STATE.FIXED_LO] = this.fixedLo;
    this.store.state32[STATE.FIXED_HI] = this.fixedEnd;
    this.interrupt = options.interrupt ?? new Int32Array(1);
    options.services?.forEach((s, i) => { this.services[i] = s; });
    // The stack object and the exit stub, the first objects of the fixed space.
    const st = this.store;
    const sh = this.fixedLo;
    st.cells32[2 * sh] = stackCells;
    st.cells32[2 * sh + 1] = FORMAT_WORDS;
    st.tags[sh] = TAG_HDR;
    this.stackLo = (sh + 1) * 8;
    this.stackHi = this.stackLo + stackCells * 8;
    this.homeStackLo = this.stackLo;
    this.homeStackHi = this.stackHi;
    this.setRegister(4, BigInt(this.stackHi), TAG_STACK);
    const eh = sh + 1 + stackCells;
    st.cells32[2 * eh] = 1;
    st.cells32[2 * eh + 1] = (7 << 4) | FORMAT_CODE;
    st.tags[eh] = TAG_HDR;
    st.bytes[(eh + 1) * 8] = 0xcc;
    this.fixedBoot = eh + 2;
    const exit = this.registerCode(eh, 1, 1);
    this.exitStub = exit.addr;
    const stub = new Insn(exit);
    stub.op = OP.EXIT;
    exit.insns[0] = stub;
    writeFlags(this.store.state32, { CF: 0, ZF: 0, SF: 0, OF: 0, PF: 0 });
    const mode = options.tier ?? tierFromEnvironment();
    this.tier = mode === 'interpret' ? null : new Tier(this, mode);
    this.hotCalls = this.tier ? this.tier.hotCalls : Infinity;
  }

  /** The fixed space, as cell indexes [fixedLo, fixedHi). It grows (fixedHi moves up). */
  get fixedHi(): number { return this.fixedEnd; }

  /**
   * Bounds of the current stack, as byte addresses: the slots of a stack object. They change
   * only through setStack, and are the source of truth; translated code reads them in STATE.
   */
  get stackLo(): number { return this.lowStack; }
  set stackLo(v: number) { this.lowStack = v; this.store.state32[STATE.STACK_LO] = v; }
  get stackHi(): number { return this.highStack; }
  set stackHi(v: number) { this.highStack = v; this.store.state32[STATE.STACK_HI] = v; }

  /**
   * For each fixed-space cell (index - fixedLo), the first-slot cell of the code object
   * holding it (its header cell too), or 0 (no first slot is cell 0). It covers the fixed
   * space as far as code objects reach (extendCodeMaps), not necessarily to fixedHi, and lives
   * in the machine's memory (cells.ts, MAPS), where translated code reads it.
   */
  get codeStartOf(): Int32Array { return this.store.codeStart; }
  /**
   * Code caches: for each fixed-space cell (index - fixedLo) that is a code object's first
   * slot, 1 + the index of its cache in cacheList, or 0. (A sparse JavaScript array indexed by
   * cell falls into V8's dictionary mode, and every indirect call paid a hash lookup.) The
   * index is also the code object's slot in the translating tier's function table.
   */
  private get cacheIndexOf(): Int32Array { return this.store.cacheIndex; }

  /** Object memory: the heap made over this machine (kernel/memory/heap.ts), if one was. */
  get objectMemory(): ObjectMemory | undefined { return this.memory; }

  /** Heap's part: `heap` is this machine's object memory (there can be only one). */
  attachHeap(heap: ObjectMemory): void {
    if (this.memory) throw new Error('this machine already has a heap');
    this.memory = heap;
  }

  private heapOrFail(): ObjectMemory {
    if (!this.memory) throw new Error('this machine has no heap: make one over it with new Heap(machine)');
    return this.memory;
  }

  // ---- registers and flags (host API) ----------------------------------------------------

  /** Register number of a name ('rax' .. 'r15'), or -1. */
  static registerNumber(name: string): number {
    return regNumber.get(name.toLowerCase()) ?? -1;
  }

  register(r: number): bigint { return this.store.state64[STATE.REGS + r]; }
  registerTag(r: number): number { return this.store.state8[STATE.REG_TAGS + r]; }

  /** Set a register from the host. rsp may only be given a stack address. */
  setRegister(r: number, value: bigint, tag = TAG_NUM): void {
    if (r === 4 && (tag !== TAG_STACK || value < BigInt(this.stackLo) || value > BigInt(this.stackHi))) {
      throw new RangeError('rsp can only hold an address in the stack');
    }
    this.store.state64[STATE.REGS + r] = value;
    this.store.state8[STATE.REG_TAGS + r] = tag;
  }

  /** xmm register r (0..15): its low and high 64 bits (the low half holds a scalar double). */
  xmm(r: number): [bigint, bigint] {
    return [this.store.state64[XMM_STATE + 2 * r], this.store.state64[XMM_STATE + 2 * r + 1]];
  }
  setXmm(r: number, low: bigint, high = 0n): void {
    this.store.state64[XMM_STATE + 2 * r] = BigInt.asIntN(64, low);
    this.store.state64[XMM_STATE + 2 * r + 1] = BigInt.asIntN(64, high);
  }

  flags(): FlagValues { return readFlags(this.store.state32); }
  setFlags(f: Partial<FlagValues>): void { writeFlags(this.store.state32, f); }

  // ---- memory (host API) ----------------------------------------------------------------

  cell(address: number): bigint { return this.store.cells[address >> 3]; }
  cellTag(address: number): number { return this.store.tags[address >> 3]; }

  /**
   * Write a cell from the host (the kernel's own services, tests). Storing a pointer sets the
   * cell's card (the write barrier); code caches follow stores into code.
   */
  setCell(address: number, value: bigint, tag = TAG_NUM): void {
    const c = address >> 3;
    this.store.cells[c] = value;
    this.store.tags[c] = tag;
    if (tag === TAG_PTR) this.store.cards[c >> CARD_SHIFT] = 1;
    if (c >= this.fixedLo && c < this.fixedHi) this.codeWritten(c);
  }

  /**
   * Allocate an object of `slots` cells (numbers, 0) in the heap; returns its address, or -1
   * when memory is exhausted. It may collect: see Heap.allocate.
   */
  allocate(slots: number, format = 0, classIndex = 0): number {
    return this.heapOrFail().allocate(slots, format, classIndex, 0n, TAG_NUM);
  }

  /** Put `bytes` in a new code object in the fixed space; returns its address, or -1. It may collect. */
  loadCode(bytes: Uint8Array, classIndex = 0): number {
    return this.heapOrFail().allocateCode(bytes, classIndex);
  }

  /**
   * Heap's part: a code object now occupies header cell `h` .. its last slot. `index`: the
   * cache index it must have (a snapshot's opener gives each code object the one it has in the
   * spawner, so that translations are the same, image/snapshot.ts; then adoptCodeIndexes).
   */
  registerCode(h: number, slots: number, byteLength: number, index = -1): CodeCache {
    const i = this.enterCode(h, slots, index);
    const cache = new CodeCache((h + 1) * 8, byteLength, slots);
    this.cacheList[i] = cache;
    this.logCode(h, byteLength, i);
    return cache;
  }

  /** Add a registration to the code log (while it is kept). */
  private logCode(h: number, byteLength: number, index: number): void {
    const log = this.codeLog;
    if (log === null) return;
    if (log.length >= CODE_LOG_MAX) { this.codeLog = null; return; }
    log.push(h, byteLength, index);
  }

  /** The code log (see codeLog), or null when it was not kept since it was last cleared. */
  get loggedCode(): readonly number[] | null { return this.codeLog; }

  /** Begin the code log again, empty (a full list was just made). */
  clearCodeLog(): void { this.codeLog = []; }

  /**
   * Opening an image's part: as registerCode, for a code object already in memory, but its cache
   * is made only when it is first asked for (see cacheList). Returns its cache index.
   */
  adoptCode(h: number, slots: number, byteLength: number, index = -1): number {
    const i = this.enterCode(h, slots, index);
    this.cacheList[i] = h;
    this.pendingBytes[i] = byteLength;
    this.logCode(h, byteLength, i);
    return i;
  }

  /**
   * adoptCode for each code object of `code`, pairs of (header cell, byte length), at and above
   * `from` (those below are the machine's own, registered already): opening an image's part,
   * from the record of its checks. The same as a call of adoptCode for each, in order, in one
   * loop that reads the maps and lists once: opening the base image adopts ~3,500 code objects,
   * before V8 optimizes anything, and a call each cost a start ~1 ms. With `stride` 3, triples
   * whose third is the cache index to give (a snapshot's, image/snapshot.ts; then adoptCodeIndexes).
   * `mapsInPlace`: the memory's code maps hold these code objects already, as this loop would
   * write them (an actor's worker opening the next snapshot of the same code, where the last
   * one left them: image/snapshot-memory.ts), and only the caches are listed.
   */
  adoptCodes(code: ArrayLike<number>, from: number, stride: 2 | 3 = 2, mapsInPlace = false): void {
    const lo = this.fixedLo, list = this.cacheList, bytes = this.pendingBytes, free = this.freeCacheIndexes, tier = this.tier;
    let C32 = this.store.cells32, starts = this.codeStartOf, indexes = this.cacheIndexOf, top = -1;
    if (mapsInPlace && stride !== 3) throw new RangeError('code maps in place need the cache indexes given');
    if (code.length > 0) this.codeChanges++;
    // (Thousands at once: the code log is not kept, and the next list is made whole.)
    if (code.length > 0) this.codeLog = null;
    for (let j = 0; j < code.length; j += stride) {
      const h = code[j];
      if (h < from) continue;
      if (mapsInPlace) {
        const i = code[j + 2];
        if (list[i] !== undefined) throw new RangeError(`cache index ${i} is taken`);
        list[i] = h;
        bytes[i] = code[j + 1];
        if (i > top) top = i;
        continue;
      }
      const first = h + 1, slots = C32[2 * h] >>> 0;
      if (first + slots - lo > starts.length) {
        this.extendCodeMaps(first + slots - lo);
        // (Longer maps can mean a larger memory, and every view made again.)
        C32 = this.store.cells32;
        starts = this.codeStartOf;
        indexes = this.cacheIndexOf;
      }
      starts.fill(first, h - lo, first + slots - lo);
      const i = stride === 3 ? code[j + 2] : free.length > 0 ? free.pop()! : list.length;
      if (stride === 3 && list[i] !== undefined) throw new RangeError(`cache index ${i} is taken`);
      indexes[first - lo] = i + 1;
      list[i] = h;
      bytes[i] = code[j + 1];
      if (i > top) top = i;
    }
    // (registered(i) asks only for the table to reach i: once, for the highest, is the same.)
    if (top >= 0) tier?.registered(top);
  }

  /** The code maps' part of registering a code object: its cells, and a cache index for it. */
  private enterCode(h: number, slots: number, index: number): number {
    const first = h + 1;
    this.codeChanges++;
    if (first + slots - this.fixedLo > this.codeStartOf.length) this.extendCodeMaps(first + slots - this.fixedLo);
    this.codeStartOf.fill(first, h - this.fixedLo, first + slots - this.fixedLo);
    if (index >= 0 && this.cacheList[index] !== undefined) throw new RangeError(`cache index ${index} is taken`);
    const i = index >= 0 ? index : this.freeCacheIndexes.pop() ?? this.cacheList.length;
    this.cacheIndexOf[first - this.fixedLo] = i + 1;
    this.tier?.registered(i);
    return i;
  }

  /** How many code caches are made (tests: adopted code objects get theirs only when asked). */
  get cachesMade(): number {
    let n = 0;
    for (const c of this.cacheList) if (typeof c === 'object') n++;
    return n;
  }

  /** The cache of index `i`, made now if its code object was adopted and never asked for. */
  private cacheAt(i: number): CodeCache | undefined {
    const c = this.cacheList[i];
    if (typeof c !== 'number') return c;
    const cache = new CodeCache((c + 1) * 8, this.pendingBytes[i], this.store.cells32[2 * c] >>> 0);
    this.cacheList[i] = cache;
    return cache;
  }

  /** After code objects were registered at given indexes: the indexes left between them are free. */
  adoptCodeIndexes(): void {
    this.freeCacheIndexes.length = 0;
    for (let i = this.cacheList.length - 1; i >= 0; i--) if (this.cacheList[i] === undefined) this.freeCacheIndexes.push(i);
  }

  /**
   * Heap's part: the code object with header cell `h` is gone. Returns true if it had been
   * decoded, in which case the caller must flushDecoded() (links may lead into it).
   */
  forgetCode(h: number, slots: number): boolean {
    const first = h + 1;
    this.codeChanges++;
    this.codeForgets++;
    if (first + slots - this.fixedLo > this.codeStartOf.length) return false;
    const i = this.cacheIndexOf[first - this.fixedLo] - 1;
    // A cache never made was never decoded or translated: nothing of it to forget.
    const entry = i >= 0 ? this.cacheList[i] : undefined;
    const cache = typeof entry === 'number' ? undefined : entry;
    this.codeStartOf.fill(0, h - this.fixedLo, first + slots - this.fixedLo);
    if (i >= 0) {
      this.cacheIndexOf[first - this.fixedLo] = 0;
      this.cacheList[i] = undefined;
      this.pendingBytes[i] = 0;
      this.freeCacheIndexes.push(i);
      if (cache) this.tier?.forgotten(cache, i);
    }
    return cache != null && cache.insns.length > 0;
  }

  /**
   * Heap's part: the fixed space now ends at `fixedHi` (it only grows). The code maps are not
   * made longer here: they cover the fixed space only as far as code objects reach, so a big
   * object at its end (a grown stack) costs them nothing.
   */
  fixedSpaceGrew(fixedHi: number): void {
    this.fixedEnd = fixedHi;
    this.store.state32[STATE.FIXED_HI] = fixedHi;
  }

  /** Make the code maps cover at least `cells` cells of the fixed space (doubling, within it). */
  private extendCodeMaps(cells: number): void {
    const length = Math.min(this.fixedHi - this.fixedLo, Math.max(cells, 2 * this.codeStartOf.length));
    if (!this.store.growMaps(length)) throw new RangeError('no memory for the code maps of a larger fixed space');
  }

  /**
   * Drop every decoded instruction (except the exit stub's), so that no link leads into a
   * code object that changed or is gone; a running loop re-fetches (resync), and a stopped
   * run's resume point is decoded afresh.
   */
  flushDecoded(): void {
    for (const k of this.cacheList) {
      if (typeof k === 'object' && k.addr !== this.exitStub && k.insns.length > 0) k.insns = [];
    }
    this.resync = true;
    const at = this.resumeAt;
    if (at && at.op !== OP.EXIT) this.resumeAt = this.fetch(at.code, at.off);
  }

  /** The bytes of the code object at `address`. */
  codeBytes(address: number): Uint8Array {
    const cache = this.cacheOf(address);
    if (!cache) throw new RangeError(`no code object at 0x${address.toString(16)}`);
    return this.store.bytes.slice(cache.addr, cache.addr + cache.byteLength);
  }

  /** Patch one byte of a code object, as a program storing into it would. */
  patchCode(address: number, offset: number, byte: number): void {
    const cache = this.cacheOf(address);
    if (!cache || offset < 0 || offset >= cache.byteLength) throw new RangeError('offset outside the code object');
    this.store.bytes[cache.addr + offset] = byte;
    this.store.tags[(cache.addr + offset) >> 3] = TAG_NUM;
    this.codeWritten((cache.addr + offset) >> 3);
  }

  // ---- code objects -----------------------------------------------------------------------

  /** Every code cache, with the cell of its code object's first slot. */
  codeCaches(): { readonly cell: number; readonly cache: CodeCache }[] {
    const out: { cell: number; cache: CodeCache }[] = [];
    this.cacheIndexOf.forEach((i, at) => { const cache = i > 0 ? this.cacheAt(i - 1) : undefined; if (cache) out.push({ cell: at + this.fixedLo, cache }); });
    return out;
  }

  /** Each code object's header cell, byte length and cache index, in the order of the indexes (image/snapshot.ts). */
  forEachCode(fn: (header: number, byteLength: number, index: number) => void): void {
    this.cacheList.forEach((c, i) => {
      if (typeof c === 'number') fn(c, this.pendingBytes[i], i);
      else if (c) fn((c.addr >> 3) - 1, c.byteLength, i);
    });
  }

  /** The code object whose first slot is at `address`, if there is one. */
  cacheOf(address: number): CodeCache | undefined {
    const c = address >> 3;
    if ((address & 7) !== 0 || c < this.fixedLo || c - this.fixedLo >= this.cacheIndexOf.length) return undefined;
    const i = this.cacheIndexOf[c - this.fixedLo];
    return i > 0 ? this.cacheAt(i - 1) : undefined;
  }

  /** The cache index (the tier's table slot) of the code object whose first slot is at `address`, or -1. */
  cacheIndexOfCode(address: number): number {
    const c = address >> 3;
    if ((address & 7) !== 0 || c < this.fixedLo || c - this.fixedLo >= this.cacheIndexOf.length) return -1;
    return this.cacheIndexOf[c - this.fixedLo] - 1;
  }

  /** The instruction at `off` in the code object at `codeAddress` (which must exist). */
  fetchAt(codeAddress: number, off: number): Insn {
    const code = this.cacheOf(codeAddress);
    if (!code) throw new RangeError(`no code object at ${hex(codeAddress)}`);
    return this.fetch(code, off);
  }

  /**
   * Where the interpreter goes on after translated code stopped (STATE.NEXT_*): the
   * instruction at the offset, or the one after it, linked as the interpreter links.
   */
  nextAfterTranslated(): Insn {
    const s = this.store.state32;
    const ins = this.fetchAt(s[STATE.NEXT_CODE], s[STATE.NEXT_OFF]);
    if (s[STATE.NEXT_MODE] === NEXT_AT) return ins;
    return this.resync ? this.resyncAfter(ins) : this.link(ins);
  }

  /** Enter the host service for syscall `ins` (translated code's service import). */
  enterServiceFor(ins: Insn): boolean { return enterService(this, ins); }

  /** Execute one straight-line instruction with the interpreter's general routine. */
  stepOne(ins: Insn): boolean { return stepOne(this, ins); }

  /**
   * Run the interpreter from `first` for translated code that called it (the tier's stub),
   * until control returns past the return address on the stack now: the status says how.
   */
  runNested(first: Insn, expected: number, depth: number): number { return runNested(this, first, expected, depth); }

  /** The code object containing byte `address`, if any. */
  codeContaining(address: number): CodeCache | undefined {
    const c = Math.floor(address / 8);
    if (!(c >= this.fixedLo && c - this.fixedLo < this.codeStartOf.length)) return undefined;
    const first = this.codeStartOf[c - this.fixedLo];
    if (first === 0) return undefined;
    const i = this.cacheIndexOf[first - this.fixedLo];
    const cache = i > 0 ? this.cacheAt(i - 1) : undefined;
    if (!cache || address - cache.addr >= cache.byteLength || address < cache.addr) return undefined;
    return cache;
  }

  /**
   * The code object a CODE-tagged value points into. Such values are return addresses
   * made by `call`, so the byte before them is the call's last byte: that byte, not the
   * address itself (which may be just past the end), identifies the object.
   */
  codeOfReturnAddress(address: number): CodeCache | undefined {
    const code = this.codeContaining(address - 1);
    return code;
  }

  /** After a store into decoded code: the instruction after `ins`, decoded afresh. */
  resyncAfter(ins: Insn): Insn {
    this.resync = false;
    const next = ins.off + ins.len;
    if (next >= ins.code.byteLength) return faultInsn(ins.code, next, 'Tag', 'execution ran off the end of the code object', ins);
    return this.fetch(ins.code, next);
  }

  /** The instruction at `off` in `code`, decoding it the first time. */
  fetch(code: CodeCache, off: number): Insn {
    const known = code.insns[off];
    if (known) return known;
    if (off < 0 || off >= code.byteLength) {
      return faultInsn(code, off, 'Tag', `offset ${off} is outside the code object (${code.byteLength} bytes)`, null);
    }
    const r = decode(this.store.bytes, code.addr + off, code.addr + code.byteLength, off);
    const ins = r.ok
      ? compileInsn(r.insn, code)
      : faultInsn(code, off, 'InvalidOpcode', r.truncated ? 'instruction runs past the end of the code object' : r.error, null);
    code.insns[off] = ins;
    // An entry of a translated code object (Plan.entries) (decoded again after a flush) enters its translation.
    const t = code.translation;
    if (t !== null && r.ok) {
      const label = t.plan.labelOf.get(off);
      if (label !== undefined && t.plan.entries.has(label)) { ins.baseOp = ins.op; ins.op = OP.TRANSLATED; ins.txLabel = label; }
    }
    return ins;
  }

  /** Link and return the instruction after `ins`. */
  link(ins: Insn): Insn {
    const next = ins.off + ins.len;
    if (next >= ins.code.byteLength) {
      return faultInsn(ins.code, next, 'Tag', 'execution ran off the end of the code object', ins);
    }
    const n = this.fetch(ins.code, next);
    ins.next = n;
    return n;
  }

  /** Link and return the target of a relative branch or call. */
  linkJump(ins: Insn): Insn {
    const code = ins.code;
    if (ins.target >= 0 && ins.target < code.byteLength) {
      const t = this.fetch(code, ins.target);
      ins.jump = t;
      return t;
    }
    const absolute = code.addr + ins.target;
    const other = this.codeContaining(absolute);
    if (!other) return faultInsn(code, ins.off, 'Tag', `branch target 0x${absolute.toString(16)} is not in a code object`, ins);
    const t = this.fetch(other, absolute - other.addr);
    ins.jump = t;
    return t;
  }

  /**
   * Where control goes for a value taken from a register, memory or the stack: a CODE
   * address inside a code object, or a PTR to a code object (its first instruction).
   * Returns the instruction, or null with `pending` set to a Tag fault.
   */
  controlTarget(value: bigint, tag: number, at: Insn, what: string): Insn | null {
    if (tag === TAG_CODE || tag === TAG_PTR) {
      const a = Number(value);
      const code = tag === TAG_PTR ? this.cacheOf(a) : this.codeOfReturnAddress(a);
      if (code && (tag === TAG_CODE || this.headerFormatOf(a) === FORMAT_CODE)) return this.fetch(code, a - code.addr);
      this.raise('Tag', `${what} 0x${a.toString(16)} is not in a code object`, at);
      return null;
    }
    const kind = tag === TAG_NUM ? 'a number' : tag === TAG_STACK ? 'a stack address' : 'not a code address';
    this.raise('Tag', `${what} ${formatValue(value)} is ${kind}, not a code address`, at);
    return null;
  }

  /** controlTarget for a value given as its 32-bit halves: the usual case needs no BigInt. */
  controlTargetOf(lo: number, hi: number, tag: number, at: Insn, what: string): Insn | null {
    if (hi === 0 && lo >= 0 && (tag === TAG_CODE || tag === TAG_PTR)) {
      const code = tag === TAG_PTR ? this.cacheOf(lo) : this.codeOfReturnAddress(lo);
      if (code && (tag === TAG_CODE || this.headerFormatOf(lo) === FORMAT_CODE)) return this.fetch(code, lo - code.addr);
    }
    return this.controlTarget(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo >>> 0)), tag, at, what);
  }

  private headerFormatOf(address: number): number {
    const h = (address >> 3) - 1;
    return this.store.tags[h] === TAG_HDR ? headerFormat(this.store.cells32[h * 2 + 1]) : -1;
  }

  /**
   * The host has written cells [lo, hi) (a header, code bytes, a new object): the cards of
   * those in the fixed space are marked written (CARD_WRITTEN; see hostWrites). Code caches are
   * not dropped: that is codeWritten's, for a store into code already decoded.
   */
  markWritten(lo: number, hi: number): void {
    const a = Math.max(lo, this.fixedLo), b = Math.min(hi, this.fixedHi);
    if (b <= a) return;
    const K = this.store.cards;
    for (let k = a >> CARD_SHIFT, last = (b - 1) >> CARD_SHIFT; k <= last; k++) K[k] |= CARD_WRITTEN;
  }

  /**
   * A store has written cell `c` of the fixed space. If it is in a code object that has been
   * decoded, every cache is dropped (links between code objects may point into it) and the
   * run loop re-fetches. Its card is marked written (CARD_WRITTEN).
   */
  codeWritten(c: number): void {
    this.store.cards[c >> CARD_SHIFT] |= CARD_WRITTEN;
    if (c - this.fixedLo >= this.codeStartOf.length) return;
    const first = this.codeStartOf[c - this.fixedLo];
    if (first === 0) return;
    const i = this.cacheIndexOf[first - this.fixedLo];
    const entry = i > 0 ? this.cacheList[i - 1] : undefined;
    if (typeof entry !== 'object' || entry.insns.length === 0) return; // never decoded (or never made)
    for (const k of this.cacheList) {
      if (typeof k === 'object' && k.addr !== this.exitStub && k.insns.length > 0) k.insns = [];
    }
    this.tier?.flush();
    this.resync = true;
  }

  // ---- access checks ----------------------------------------------------------------------

  /** Forget the previous run's pending fault and resume point. */
  beginRun(): void {
    this.pending = null;
    this.resumeAt = null;
  }

  /** Record a fault raised by `at` (its position and text are filled in from the record). */
  raise(kind: FaultKind, message: string, at: Insn): void {
    this.pending = makeFault(kind, message, at);
  }

  /**
   * The byte address accessed by memory operand of `ins`, checked: -1 (with `pending` set)
   * if the access is not allowed. `width` is 8 or 1 bytes.
   */
  access(ins: Insn, write: boolean, width: number): number {
    const S32 = this.store.state32;
    const tags = this.store.state8;
    let lo = 0, hi = this.store.lowBytes;
    let baseValue = 0;
    let what = 'memory';
    let slow = false;
    const base = ins.base;
    if (base === RIP) {
      const code = ins.code;
      baseValue = code.addr + ins.off + ins.len;
      lo = code.addr;
      hi = code.addr + code.cells * 8;
      what = 'its code object';
    } else if (base >= 0) {
      const bl = S32[base * 2], bh = S32[base * 2 + 1];
      if (bh === 0 && bl >= 0) baseValue = bl; else slow = true;
      const tag = tags[STATE.REG_TAGS + base];
      if (tag === TAG_PTR) {
        const h = (baseValue >> 3) - 1;
        const htag = this.store.tags[h];
        if (htag === TAG_POISON) { this.raise('Poisoned', `the object at ${hex(baseValue)} was sent to another actor`, ins); return -1; }
        // The header cell, at [p-8], is part of the object's extent for reading: code reads a
        // header through the object's own pointer (as a number); writing it is a Tag fault below.
        lo = baseValue - 8;
        hi = baseValue + this.store.cells32[h * 2] * 8;
        what = 'object';
      } else if (tag === TAG_STACK) {
        lo = this.stackLo;
        hi = this.stackHi;
        what = 'stack';
      } else if (tag === TAG_CODE) {
        const code = this.codeOfReturnAddress(baseValue);
        if (code) { lo = code.addr; hi = code.addr + code.cells * 8; what = 'code object'; }
      }
    }
    let ea: number;
    const index = ins.index;
    if (index >= 0) {
      const il = S32[index * 2], ih = S32[index * 2 + 1];
      if (ih !== il >> 31) slow = true;
      ea = baseValue + il * ins.scale + ins.disp;
    } else {
      ea = baseValue + ins.disp;
    }
    if (slow) {
      const R = this.store.state64;
      let v = ins.dispBig;
      if (base >= 0 && base !== RIP) v += R[base];
      else if (base === RIP) v += BigInt(baseValue);
      if (index >= 0) v += R[index] * ins.scaleBig;
      ea = Number(BigInt.asIntN(64, v));
    }
    if (ea < lo || ea + width > hi) {
      this.raise('Bounds', outOfBounds(ea, lo, hi, what, this.store.lowBytes), ins);
      return -1;
    }
    if (width === 2 && (ea & 7) === 7) {
      this.raise('Bounds', `the word at address ${hex(ea)} straddles two cells`, ins);
      return -1;
    }
    if (width === 8 && (ea & 7) !== 0) {
      this.raise('Bounds', `address ${hex(ea)} is not cell-aligned (a multiple of 8)`, ins);
      return -1;
    }
    const c = ea >> 3;
    const t = this.store.tags[c];
    if (t === TAG_POISON) { this.raise('Poisoned', `the cell at ${hex(ea)} belongs to an object sent to another actor`, ins); return -1; }
    if (write && t === TAG_HDR) { this.raise('Tag', `the cell at ${hex(ea)} is an object header, which programs cannot write`, ins); return -1; }
    return ea;
  }

  // ---- running ---------------------------------------------------------------------------

  // ---- the stack ---------------------------------------------------------------------------

  /**
   * The one way the stack's bounds change: make the byte range [lo, hi) (the slots of a stack
   * object) the stack. The live part of the old stack, [rsp, stackHi), is copied to the top of
   * the new one, and every STACK-tagged value that pointed into the old stack is moved by the
   * distance between the two tops: rsp and frame pointers in registers, saved frame pointers
   * on the stack, contexts in the heap, anything anywhere in memory (and the heap's host
   * roots). STACK values pointing into other stacks are left alone; one that the move takes
   * out of the new stack (a dead frame deeper than it reaches) becomes a number. Cells of the
   * old stack outside the new one become numbers. Call it between runs, or from a host service (the
   * run loop takes the bounds again after a syscall).
   */
  setStack(lo: number, hi: number): void {
    const st = this.store;
    const oldLo = this.stackLo, oldHi = this.stackHi;
    const sp = st.state32[2 * 4];
    const live = oldHi - sp;
    if ((lo & 7) !== 0 || (hi & 7) !== 0 || lo < this.fixedLo * 8 || hi > this.fixedHi * 8 || hi - lo < live || live < 0) {
      throw new RangeError(`the stack cannot be 0x${lo.toString(16)} .. 0x${hi.toString(16)} with ${live} bytes live`);
    }
    if (lo === oldLo && hi === oldHi) return;
    const delta = hi - oldHi;
    const T = st.tags, C = st.cells;
    if (delta !== 0) {
      const from = sp >> 3, to = (hi - live) >> 3, n = live >> 3;
      C.copyWithin(to, from, from + n);
      T.copyWithin(to, from, from + n);
      // Where the live part was, and is not now, holds nothing (a number is no reference).
      if (to > from) T.fill(TAG_NUM, from, Math.min(from + n, to));
      else T.fill(TAG_NUM, Math.max(from, to + n), from + n);
    }
    // What was the old stack and is not the new one holds nothing.
    const a = oldLo >> 3, b = oldHi >> 3, c = lo >> 3, d = hi >> 3;
    if (a < c) T.fill(TAG_NUM, a, Math.min(b, c));
    if (b > d) T.fill(TAG_NUM, Math.max(a, d), b);
    const moved = (v: bigint): boolean => v >= BigInt(oldLo) && v <= BigInt(oldHi);
    // A dead frame's address (a stale copy, deeper than the new stack reaches) is no longer an address.
    const fits = (v: bigint): boolean => v >= BigInt(lo) && v <= BigInt(hi);
    const shift = BigInt(delta);
    for (let r = 0; r < 16; r++) {
      if (st.regTags[r] === TAG_STACK && moved(st.state64[r])) {
        st.state64[r] += shift;
        if (!fits(st.state64[r])) st.regTags[r] = TAG_NUM;
      }
    }
    for (let c2 = T.indexOf(TAG_STACK); c2 >= 0; c2 = T.indexOf(TAG_STACK, c2 + 1)) {
      if (moved(C[c2])) {
        C[c2] += shift;
        if (!fits(C[c2])) T[c2] = TAG_NUM;
      }
    }
    this.memory?.stackMoved(oldLo, oldHi, delta, lo, hi);
    this.stackLo = lo;
    this.stackHi = hi;
  }

  /**
   * Make the byte range [lo, hi) (the slots of another stack object) the stack, with rsp at
   * `sp`, as it is: nothing is copied or relocated. This is a switch between stacks that each
   * keep their own frames (cooperative processes, src/system/process-service.ts); the STACK
   * values in the stack left behind stay as they are, to be used again when it is current.
   * From a host service (the run loop takes the bounds again after a syscall) or between runs.
   */
  switchStack(lo: number, hi: number, sp: number): void {
    if ((lo & 7) !== 0 || (hi & 7) !== 0 || (sp & 7) !== 0 || lo < this.fixedLo * 8 || hi > this.fixedHi * 8 || sp < lo || sp > hi) {
      throw new RangeError(`the stack cannot be 0x${lo.toString(16)} .. 0x${hi.toString(16)} with rsp at 0x${sp.toString(16)}`);
    }
    this.stackLo = lo;
    this.stackHi = hi;
    this.store.state64[STATE.REGS + 4] = BigInt(sp);
    this.store.state8[STATE.REG_TAGS + 4] = TAG_STACK;
  }

  /** Is the machine on its own stack object? */
  get onHomeStack(): boolean { return this.stackLo === this.homeStackLo && this.stackHi === this.homeStackHi; }

  /** Call the code object at `address` with the registers as they are, until it returns. */
  call(address: number, options: RunOptions = {}): RunResult {
    const code = this.cacheOf(address);
    if (!code) throw new RangeError(`no code object at ${hex(address)}`);
    const sp = this.store.state32[8] - 8;
    if (sp < this.stackLo) {
      return { fault: { kind: 'StackOverflow', message: 'no room on the stack for the return address', code: address, offset: 0, instruction: '' }, steps: 0 };
    }
    // The host's return address: a pointer to the exit stub, whose entry ends the run.
    this.store.cells[sp >> 3] = BigInt(this.exitStub);
    this.store.tags[sp >> 3] = TAG_PTR;
    this.store.state32[8] = sp;
    if (++code.heat >= this.hotCalls) this.tier!.hot(code);
    return this.runFrom(this.fetch(code, 0), options.steps ?? DEFAULT_STEP_LIMIT);
  }

  /** Continue a run stopped by StepLimit or Interrupted. */
  resume(options: RunOptions = {}): RunResult {
    const at = this.resumeAt;
    if (!at) throw new RangeError('nothing to resume');
    return this.runFrom(at, options.steps ?? DEFAULT_STEP_LIMIT);
  }

  /**
   * Run from `first` for at most `limit` instructions. A fault goes to the fault handler (after
   * the run loop stopped on it: faults are precise), which may fix its cause or arrange other
   * code to run, and the run goes on from where it says, within the same budget.
   */
  private runFrom(first: Insn, limit: number): RunResult {
    const depth = this.inService.length;
    this.stopSoon = false;
    let steps = 0;
    let at = first;
    try {
      for (;;) {
        const r = run(this, at, limit - steps);
        steps += r.steps;
        const f = r.fault;
        if (f === null || this.faultHandler === null || f.kind === 'StepLimit' || f.kind === 'Interrupted') {
          return steps === r.steps ? r : { fault: f, steps };
        }
        const next = this.faultHandler(f);
        if (next === null) return { fault: f, steps };
        at = next;
        this.resumeAt = null;
      }
    } finally {
      this.inService.length = depth; // a service that threw (a host bug) left its entry
    }
  }

  /** Abandon whatever was running: empty the stack and forget the resume point. */
  unwind(): void {
    this.setRegister(4, BigInt(this.stackHi), TAG_STACK);
    this.resumeAt = null;
  }

  /** Raise the interrupt flag: the run loop stops with an Interrupted fault at its next check. */
  requestInterrupt(): void { Atomics.store(this.interrupt, 0, 1); }

  describe(f: Fault): string { return describeFault(f); }
}

export function hex(n: number): string {
  return n < 0 ? '-0x' + (-n).toString(16) : '0x' + n.toString(16);
}

function formatValue(v: bigint): string {
  return v < 0n ? '-0x' + (-v).toString(16) : '0x' + v.toString(16);
}

function outOfBounds(ea: number, lo: number, hi: number, what: string, memBytes: number): string {
  if (what === 'memory') {
    return `address ${hex(ea)} (cell ${Math.floor(ea / 8)}) is outside memory a number reaches (the ${memBytes / 8} cells of low memory; objects are reached through pointers)`;
  }
  if (what === 'object') {
    // lo is the object's header cell, its slot 0 eight bytes further.
    const start = lo + 8;
    const slots = (hi - start) / 8;
    if (ea < lo) return `address ${hex(ea)} is before the header of the ${slots}-slot object at ${hex(start)}`;
    return `slot ${Math.floor((ea - start) / 8)} is past the end of the ${slots}-slot object at ${hex(start)}`;
  }
  return `address ${hex(ea)} is outside the ${what} (${hex(lo)} to ${hex(hi)})`;
}
