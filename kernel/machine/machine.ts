/*
 * The machine: sixteen tagged registers, lazy flags, tagged memory, a stack object, a code
 * space, and the rules that keep every program inside them. The run loop that executes
 * instructions is in interpreter.ts; this module holds the state and the checks.
 *
 * Memory (cell indexes):
 *
 *   0                lowCells           codeLo = lowCells   codeHi           cellCount
 *   +----------------+-------------------------------------+-----------------+
 *   | low memory:    | code space: code objects, never     | heap: objects,  |
 *   | raw scratch,   | moved, so return addresses and      | the stack       |
 *   | no objects     | decoded instructions stay valid     | object, ...     |
 *   +----------------+-------------------------------------+-----------------+
 *
 * Access rules (DESIGN.md section 2), checked on every access:
 *   [base + index*scale + disp]
 *     base holds a PTR    -> inside that object's slots (length from its header)
 *     base holds a STACK  -> inside the current stack object
 *     base holds a CODE   -> inside the code object it points into; rip likewise
 *     base is a number, or there is no base -> inside memory (the Memory capability)
 *   8-byte accesses must be cell-aligned; header cells are never written by a program;
 *   poisoned cells fault on any access; rsp always lies within the stack object;
 *   jmp/call/ret reach only code objects.
 */
import {
  CellStore, FORMAT_CODE, STATE, TAG_CODE, TAG_HDR, TAG_NUM, TAG_POISON, TAG_PTR, TAG_STACK,
  encodeHeader, headerFormat,
} from './cells.ts';
import { describeFault, type Fault, type FaultKind } from './faults.ts';
import { readFlags, writeFlags, type FlagValues } from './flags.ts';
import { CodeCache, compileInsn, faultInsn, Insn, makeFault, OP } from './insn.ts';
import { run } from './interpreter.ts';
import { decode } from './x86/decoder.ts';
import { REG64, RIP } from './x86/table.ts';

export interface MachineOptions {
  /** Total cells of memory. */
  readonly cells?: number;
  /** Cells of raw low memory before the code space. */
  readonly lowCells?: number;
  /** Cells of code space. */
  readonly codeCells?: number;
  /** Cells in the stack object. */
  readonly stackCells?: number;
  /** Host services, by number (r11 at `syscall`). */
  readonly services?: readonly HostService[];
  /** An interrupt word to watch (e.g. in a SharedArrayBuffer another thread can set). */
  readonly interrupt?: Int32Array;
}

/**
 * A host service, entered by `syscall` with its number in r11. It reads and writes the
 * machine's registers and memory through the Machine's host API, and returns null, or a
 * message that becomes a Service fault.
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

const regNumber = new Map(REG64.map((n, i) => [n, i]));

export class Machine {
  readonly store: CellStore;
  readonly lowCells: number;
  readonly codeLo: number;
  readonly codeHi: number;
  readonly heapLo: number;
  /** Bounds of the current stack object, as byte addresses. */
  stackLo = 0;
  stackHi = 0;
  /** Next free cell of the code space and of the heap (bump allocation). */
  private codeNext: number;
  private heapNext: number;
  /** For each code-space cell, the first-slot cell of the code object holding it, or -1. */
  readonly codeStartOf: Int32Array;
  /** Code caches by first-slot cell - codeLo. */
  readonly caches: (CodeCache | undefined)[] = [];
  readonly services: readonly HostService[];
  readonly interrupt: Int32Array;
  /** Address of the host's return trampoline: a code object whose entry ends a run. */
  readonly exitStub: number;
  /** Set when a store hit decoded code: the run loop must re-fetch its next instruction. */
  resync = false;
  /** The fault being raised by an access check (read by the run loop). */
  pending: Fault | null = null;
  /** Where a stopped run resumes (after StepLimit or Interrupted), or null. */
  resumeAt: Insn | null = null;
  /** Instructions executed since the machine was made. */
  totalSteps = 0;

  constructor(options: MachineOptions = {}) {
    const cells = options.cells ?? 1 << 20;
    this.lowCells = options.lowCells ?? 4096;
    const codeCells = options.codeCells ?? 1 << 16;
    this.codeLo = this.lowCells;
    this.codeHi = this.codeLo + codeCells;
    this.heapLo = this.codeHi;
    if (this.heapLo + 16 > cells) throw new RangeError('memory too small for its low memory and code space');
    this.store = new CellStore(cells);
    this.codeNext = this.codeLo;
    this.heapNext = this.heapLo;
    this.codeStartOf = new Int32Array(codeCells).fill(-1);
    this.services = options.services ?? [];
    this.interrupt = options.interrupt ?? new Int32Array(1);
    const stack = this.allocate(options.stackCells ?? 1 << 16);
    if (stack < 0) throw new RangeError('memory too small for the stack');
    this.stackLo = stack;
    this.stackHi = stack + (options.stackCells ?? 1 << 16) * 8;
    this.setRegister(4, BigInt(this.stackHi), TAG_STACK);
    this.exitStub = this.loadCode(Uint8Array.of(0xcc));
    const exit = this.cacheOf(this.exitStub)!;
    const stub = new Insn(exit);
    stub.op = OP.EXIT;
    exit.insns[0] = stub;
    writeFlags(this.store.state32, { CF: 0, ZF: 0, SF: 0, OF: 0, PF: 0 });
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

  flags(): FlagValues { return readFlags(this.store.state32); }
  setFlags(f: Partial<FlagValues>): void { writeFlags(this.store.state32, f); }

  // ---- memory (host API) ----------------------------------------------------------------

  cell(address: number): bigint { return this.store.cells[address >> 3]; }
  cellTag(address: number): number { return this.store.tags[address >> 3]; }

  /** Write a cell from the host (the kernel's own services, tests). Code caches follow. */
  setCell(address: number, value: bigint, tag = TAG_NUM): void {
    const c = address >> 3;
    this.store.cells[c] = value;
    this.store.tags[c] = tag;
    if (c >= this.codeLo && c < this.codeHi) this.codeWritten(c);
  }

  /** Allocate an object of `slots` cells in the heap; returns its address, or -1 when full. */
  allocate(slots: number, format = 0, classIndex = 0): number {
    const h = this.heapNext;
    if (h + 1 + slots > this.store.cellCount) return -1;
    this.heapNext = h + 1 + slots;
    this.writeHeader(h, slots, format, 0, classIndex);
    this.store.cells.fill(0n, h + 1, h + 1 + slots);
    this.store.tags.fill(TAG_NUM, h + 1, h + 1 + slots);
    return (h + 1) * 8;
  }

  /** Put `bytes` in a new code object in the code space; returns its address (or -1 when full). */
  loadCode(bytes: Uint8Array, classIndex = 0): number {
    const slots = Math.max(1, Math.ceil(bytes.length / 8));
    const h = this.codeNext;
    if (h + 1 + slots > this.codeHi) return -1;
    this.codeNext = h + 1 + slots;
    this.writeHeader(h, slots, FORMAT_CODE, slots * 8 - bytes.length, classIndex);
    const first = h + 1;
    this.store.cells.fill(0n, first, first + slots);
    this.store.tags.fill(TAG_NUM, first, first + slots);
    this.store.bytes.set(bytes, first * 8);
    this.codeStartOf.fill(first, h - this.codeLo, first + slots - this.codeLo);
    this.caches[first - this.codeLo] = new CodeCache(first * 8, bytes.length, slots);
    return first * 8;
  }

  private writeHeader(h: number, slots: number, format: number, pad: number, classIndex: number): void {
    this.store.cells[h] = encodeHeader({ slots, format, pad, flags: 0, classIndex });
    this.store.tags[h] = TAG_HDR;
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

  /** The code object whose first slot is at `address`, if there is one. */
  cacheOf(address: number): CodeCache | undefined {
    const c = address >> 3;
    if ((address & 7) !== 0 || c < this.codeLo || c >= this.codeHi) return undefined;
    const cache = this.caches[c - this.codeLo];
    return cache;
  }

  /** The code object containing byte `address`, if any. */
  codeContaining(address: number): CodeCache | undefined {
    const c = Math.floor(address / 8);
    if (!(c >= this.codeLo && c < this.codeHi)) return undefined;
    const first = this.codeStartOf[c - this.codeLo];
    if (first < 0) return undefined;
    const cache = this.caches[first - this.codeLo];
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

  private headerFormatOf(address: number): number {
    const h = (address >> 3) - 1;
    return this.store.tags[h] === TAG_HDR ? headerFormat(this.store.cells32[h * 2 + 1]) : -1;
  }

  /**
   * A store has written cell `c` of the code space. If that code object has been decoded,
   * every cache is dropped (links between code objects may point into it) and the run
   * loop re-fetches.
   */
  codeWritten(c: number): void {
    const first = this.codeStartOf[c - this.codeLo];
    if (first < 0) return;
    const cache = this.caches[first - this.codeLo];
    if (!cache || cache.insns.length === 0) return;
    for (const k of this.caches) {
      if (k && k.addr !== this.exitStub && k.insns.length > 0) k.insns = [];
    }
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
    let lo = 0, hi = this.store.byteSize;
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
        lo = baseValue;
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
      this.raise('Bounds', outOfBounds(ea, lo, hi, what, this.store.byteSize), ins);
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
    return run(this, this.fetch(code, 0), options.steps ?? DEFAULT_STEP_LIMIT);
  }

  /** Continue a run stopped by StepLimit or Interrupted. */
  resume(options: RunOptions = {}): RunResult {
    const at = this.resumeAt;
    if (!at) throw new RangeError('nothing to resume');
    return run(this, at, options.steps ?? DEFAULT_STEP_LIMIT);
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
    return `address ${hex(ea)} (cell ${Math.floor(ea / 8)}) is outside memory of ${memBytes / 8} cells`;
  }
  if (what === 'object') {
    const slots = (hi - lo) / 8;
    const slot = Math.floor((ea - lo) / 8);
    const where = ea < lo ? `before the start` : `past the end`;
    return `slot ${slot} is ${where} of the ${slots}-slot object at ${hex(lo)}`;
  }
  return `address ${hex(ea)} is outside the ${what} (${hex(lo)} to ${hex(hi)})`;
}
